package dev.ferry.ops;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.TimeUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.Settings;

/**
 * A connector's watermark-lag alert threshold as configured: {@code <connector>.alerts.watermark-lag}, else
 * {@code ferry.alerts.watermark-lag}, else none (the metrics then derive it from the schedule). Read when a scrape
 * asks, so that an edited value shows without a restart; a value that is not a duration is logged once with its file
 * and key, and the default holds.
 */
public final class AlertThresholds implements Function<String, Optional<Duration>> {

    private static final Logger LOG = LoggerFactory.getLogger(AlertThresholds.class);
    static final String WATERMARK_LAG = "alerts.watermark-lag";

    private final PropertiesComponent properties;
    private final Optional<Duration> instanceDefault;
    /** Values seen, parsed: empty when a value was bad (already logged). */
    private final Map<String, Optional<Duration>> parsed = new ConcurrentHashMap<>();

    public AlertThresholds(PropertiesComponent properties, Optional<Duration> instanceDefault) {
        this.properties = properties;
        this.instanceDefault = instanceDefault;
    }

    @Override
    public Optional<Duration> apply(String connector) {
        String key = connector + "." + WATERMARK_LAG;
        Optional<String> value = properties.resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty());
        if (value.isEmpty()) {
            return instanceDefault;
        }
        return parsed.computeIfAbsent(value.get(), text -> {
            try {
                Duration d = text.startsWith("P") || text.startsWith("p") ? Duration.parse(text)
                        : Duration.ofMillis(TimeUtils.toMilliSeconds(text));
                if (!d.isNegative() && !d.isZero()) {
                    return Optional.of(d);
                }
            } catch (RuntimeException e) {
                // logged below
            }
            LOG.error("{}: {} = '{}' is not a positive duration such as 30m, 6h or PT6H; the alert uses {}",
                    Settings.locate(properties, key), key, text,
                    instanceDefault.map(d -> "ferry.alerts.watermark-lag (" + d + ")").orElse("twice the schedule's longest gap"));
            return Optional.empty();
        }).or(() -> instanceDefault);
    }
}
