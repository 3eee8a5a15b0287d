package dev.ferry.ops;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.connector.Connector;
import dev.ferry.connector.Connectors;
import dev.ferry.queue.QueueDepths;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunEvents;
import dev.ferry.runs.RunStatus;
import dev.ferry.watermark.Watermark;
import dev.ferry.watermark.WatermarkLag;
import dev.ferry.watermark.WatermarkStore;

/**
 * Ferry's meters in Camel's Micrometer registry, scraped by Prometheus at {@code /observe/metrics} beside
 * Camel's own. Names follow the Prometheus conventions once exported: base units (seconds), {@code _total}
 * on counters, one label {@code connector} (and {@code status} on runs).
 *
 * <ul>
 *   <li>{@code ferry_records_gathered_total} — records read from the source by runs;</li>
 *   <li>{@code ferry_records_delivered_total}, {@code ferry_records_failed_total} — delivery outcomes;</li>
 *   <li>{@code ferry_runs_total{status}} — runs that reached a final status;</li>
 *   <li>{@code ferry_run_duration_seconds} — start to final status, a histogram;</li>
 *   <li>{@code ferry_queue_depth} — messages in the connector's sync queue (a message holds one record, a batch or a pack);</li>
 *   <li>{@code ferry_watermark_lag_seconds} — now minus the watermark's cursor, when the cursor is a time.</li>
 * </ul>
 *
 * <p>The two gauges need the broker and the state database. They are read every
 * {@code ferry.metrics.refresh-interval} on a thread of their own, and a scrape returns the last values: a
 * broker that is down makes a gauge absent, not a scrape slow (a management request waits up to 10 s). The lag
 * is computed at scrape time from the last cursor read, so it grows between reads as it should.
 */
public final class FerryMetrics implements RunEvents {

    private static final Logger LOG = LoggerFactory.getLogger(FerryMetrics.class);
    private static final String CONNECTOR = "connector";
    private static final Duration[] DURATION_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5),
        Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
        Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(6)};

    private final MeterRegistry registry;
    private final Connectors connectors;
    private final QueueDepths queue;
    private final WatermarkStore watermarks;
    private final WatermarkLag lag;
    private final Map<String, Meter.Id[]> gauges = new ConcurrentHashMap<>();
    /** Last values read per connector: queue depth (NaN: unknown) and the watermark's instant (null: none, or not a time). */
    private final Map<String, Double> depths = new ConcurrentHashMap<>();
    private final Map<String, Optional<Instant>> cursors = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refresher;

    public FerryMetrics(MeterRegistry registry, Connectors connectors, QueueDepths queue, WatermarkStore watermarks,
                        WatermarkLag lag, Duration refreshInterval, ScheduledExecutorService refresher) {
        this.registry = registry;
        this.connectors = connectors;
        this.queue = queue;
        this.watermarks = watermarks;
        this.lag = lag;
        this.refresher = refresher;
        // which Ferry answers, as dashboards join it: ferry_info{version="..."} 1
        if (registry.find("ferry.info").gauge() == null) {
            Gauge.builder("ferry.info", () -> 1).description("Ferry's version (the value is always 1)")
                    .tag("version", FerryInfo.version()).strongReference(true).register(registry);
        }
        refresher.scheduleWithFixedDelay(this::refresh, refreshInterval.toMillis(), refreshInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Starts the connector's gauges and its counters at zero, so that a dashboard shows it before its first run. */
    public void track(String connector) {
        gauges.computeIfAbsent(connector, id -> new Meter.Id[] {
            Gauge.builder("ferry.queue.depth", () -> depths.getOrDefault(id, Double.NaN))
                    .description("Messages in the connector's sync queue (one record, a batch or a pack each):"
                            + " waiting, being delivered or awaiting redelivery")
                    .tag(CONNECTOR, id).strongReference(true).register(registry).getId(),
            Gauge.builder("ferry.watermark.lag", () -> lagSeconds(id))
                    .description("Now minus the connector's watermark (the newest change it has queued); absent when"
                            + " its cursor is not a time")
                    .baseUnit("seconds").tag(CONNECTOR, id).strongReference(true).register(registry).getId()});
        records("gathered", connector);
        records("delivered", connector);
        records("failed", connector);
        for (RunStatus status : RunStatus.values()) {
            if (status.isFinal()) {
                runs(connector, status);
            }
        }
        duration(connector);
        refresher.execute(() -> refresh(connector));
    }

    /** Removes a connector's gauges (its file was deleted); its counters keep their totals. */
    public void untrack(String connector) {
        Meter.Id[] ids = gauges.remove(connector);
        depths.remove(connector);
        cursors.remove(connector);
        if (ids != null) {
            for (Meter.Id id : ids) {
                registry.remove(id);
            }
        }
    }

    @Override
    public void gathered(String connector, long records) {
        records("gathered", connector).increment(records);
    }

    @Override
    public void delivered(String connector, long records) {
        records("delivered", connector).increment(records);
    }

    @Override
    public void failed(String connector, long records) {
        records("failed", connector).increment(records);
    }

    @Override
    public void ended(Run run) {
        runs(run.connector(), run.status()).increment();
        if (run.startedAt() != null && run.endedAt() != null) {
            duration(run.connector()).record(Duration.between(run.startedAt(), run.endedAt()));
        }
        // a run's end moves the watermark and empties the queue: show it without waiting for the next refresh
        refresher.execute(() -> refresh(run.connector()));
    }

    private Counter runs(String connector, RunStatus status) {
        return Counter.builder("ferry.runs").description("Runs that reached a final status")
                .tag(CONNECTOR, connector).tag("status", status.name()).register(registry);
    }

    private Timer duration(String connector) {
        return Timer.builder("ferry.run.duration").description("Time from a run's start to its final status")
                .tag(CONNECTOR, connector).serviceLevelObjectives(DURATION_BUCKETS).register(registry);
    }

    private Counter records(String outcome, String connector) {
        String what = switch (outcome) {
            case "gathered" -> "Records read from the source by the connector's runs";
            case "delivered" -> "Records delivered to the connector's target";
            default -> "Records whose delivery failed (recorded in the failure ledger)";
        };
        return Counter.builder("ferry.records." + outcome).description(what)
                .tag(CONNECTOR, connector).register(registry);
    }

    /** Reads every tracked connector's gauges now (tests and the refresher). */
    public void refresh() {
        for (String connector : gauges.keySet()) {
            refresh(connector);
        }
    }

    private void refresh(String connector) {
        if (!gauges.containsKey(connector)) {
            return;
        }
        try {
            depths.put(connector, (double) queue.depth(
                    connectors.find(connector).map(Connector::queue).orElse(Connector.defaultQueue(connector))));
        } catch (Exception e) {
            depths.put(connector, Double.NaN);
            LOG.debug("Queue depth of {} not available: {}", connector, e.toString());
        }
        try {
            Watermark w = watermarks.load(connector).orElse(null);
            cursors.put(connector, w == null ? Optional.empty() : lag.at(w.cursor()));
        } catch (Exception e) {
            cursors.put(connector, Optional.empty());
            LOG.debug("Watermark of {} not available: {}", connector, e.toString());
        }
    }

    private double lagSeconds(String connector) {
        Instant at = cursors.getOrDefault(connector, Optional.empty()).orElse(null);
        return at == null ? Double.NaN : WatermarkLag.seconds(Duration.between(at, lag.clock().instant()));
    }
}
