package dev.ferry.gather;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

import javax.sql.DataSource;

/**
 * Sources that did not answer a moment ago. Many connectors share one data source; when it is down as Ferry starts,
 * asking it again for each connector costs its pool's connection timeout every time (a thousand connectors: many
 * minutes before Ferry is ready), and the answer would be the same.
 */
public final class UnreachableSources {

    /** How long a source that did not answer is taken to be still down without asking it again. */
    public static final Duration MEMORY = Duration.ofSeconds(30);

    private final Clock clock;
    private final Map<DataSource, Failure> failures = Collections.synchronizedMap(new IdentityHashMap<>());

    /** When and for which connector a data source last did not answer, and why. */
    public record Failure(Instant at, String connector, String reason) {
    }

    public UnreachableSources(Clock clock) {
        this.clock = clock;
    }

    /** The data source did not answer just now, asked for {@code connector}. */
    public void failed(DataSource source, String connector, String reason) {
        failures.put(source, new Failure(clock.instant(), connector, reason));
    }

    /** The data source answered: it is asked again next time. */
    public void answered(DataSource source) {
        failures.remove(source);
    }

    /** Its failure within the last {@link #MEMORY}, or null. */
    public Failure recent(DataSource source) {
        Failure failure = failures.get(source);
        return failure != null && failure.at().plus(MEMORY).isAfter(clock.instant()) ? failure : null;
    }
}
