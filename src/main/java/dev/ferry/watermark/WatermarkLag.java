package dev.ferry.watermark;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Optional;

/**
 * How far a connector is behind its source: now minus its watermark's cursor, when the cursor is a time. The
 * metrics' {@code ferry_watermark_lag_seconds} and the operations API's {@code watermarkLagSeconds} are this.
 *
 * @param localCursorZone the zone a cursor without one (a {@code timestamp} or {@code date} column) is read in —
 *                        the schedules' zone, as the source's clock is taken to be
 */
public record WatermarkLag(Clock clock, ZoneId localCursorZone) {

    /** The lag behind the watermark, or empty when its cursor is not a time (a sequence number, a text). */
    public Optional<Duration> of(Watermark watermark) {
        return at(watermark.cursor()).map(at -> Duration.between(at, clock.instant()));
    }

    /** The instant a cursor value names, or empty when it is not a time. */
    public Optional<Instant> at(Object cursor) {
        if (cursor instanceof OffsetDateTime odt) {
            return Optional.of(odt.toInstant());
        }
        if (cursor instanceof LocalDateTime ldt) {
            return Optional.of(ldt.atZone(localCursorZone).toInstant());
        }
        if (cursor instanceof LocalDate date) {
            return Optional.of(date.atStartOfDay(localCursorZone).toInstant());
        }
        if (cursor instanceof Instant instant) {
            return Optional.of(instant);
        }
        return Optional.empty();
    }

    /** A lag in seconds with millisecond precision, as the API and the metrics give it. */
    public static double seconds(Duration lag) {
        return lag.toMillis() / 1000.0;
    }
}
