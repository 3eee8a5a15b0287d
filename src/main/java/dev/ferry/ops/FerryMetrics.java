package dev.ferry.ops;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.connector.Connector;
import dev.ferry.connector.Connectors;
import dev.ferry.gather.OpenTransactions;
import dev.ferry.queue.QueueDepths;
import dev.ferry.runs.Failure;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunEvents;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunStatus;
import dev.ferry.schedule.ConnectorSchedules;
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
 *   <li>{@code ferry_watermark_lag_seconds} — now minus the watermark's cursor, when the cursor is a time;</li>
 *   <li>{@code ferry_watermark_lag_threshold_seconds} — the lag over which the connector's alert fires
 *       ({@code <connector>.alerts.watermark-lag}, else {@code ferry.alerts.watermark-lag});</li>
 *   <li>{@code ferry_run_processing_seconds} — how long the connector's run has been going (absent when none is);</li>
 *   <li>{@code ferry_schedule_interval_seconds} — the shortest time between two fires of its schedule in force;</li>
 *   <li>{@code ferry_failures{status}} — its open and parked records in the failure ledger;</li>
 *   <li>{@code ferry_connector_enabled} — 1 while it is enabled, 0 while disabled;</li>
 *   <li>{@code ferry_source_held_seconds} — how far its last run read short of the settle lag because of a
 *       transaction open on its PostgreSQL source;</li>
 *   <li>{@code ferry_source_open_transactions_over_limit} — transactions open there longer than its
 *       {@code openTransactionLimit}, which it no longer waits for.</li>
 * </ul>
 * The alerts of {@code share/monitoring/ferry-alerts.yml} are written on these.
 *
 * <p>The gauges that need the broker and the state database They are read every
 * {@code ferry.metrics.refresh-interval} on a thread of their own, and a scrape returns the last values: a
 * broker that is down makes a gauge absent, not a scrape slow (a management request waits up to 10 s). The lag
 * is computed at scrape time from the last cursor read, so it grows between reads as it should.
 */
public final class FerryMetrics implements RunEvents {

    private static final Logger LOG = LoggerFactory.getLogger(FerryMetrics.class);
    private static final String CONNECTOR = "connector";
    private static final int MIN_LAG_THRESHOLD_HOURS = 1;
    private static final Duration[] DURATION_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5),
        Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
        Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(6)};

    private final MeterRegistry registry;
    private final Connectors connectors;
    private final QueueDepths queue;
    private final WatermarkStore watermarks;
    private final WatermarkLag lag;
    private final RunLedger runs;
    private final FailureLedger failures;
    private final ConnectorSchedules schedules;
    private final OpenTransactions openTransactions;
    private final Function<String, Optional<Duration>> lagThreshold;
    private final Map<String, Gaps> intervals = new ConcurrentHashMap<>();
    /** Per connector, as last read: when its unfinished run started, and its failures by status. */
    private final Map<String, Instant> processingSince = new ConcurrentHashMap<>();
    private final Map<String, Map<Failure.Status, Long>> failureCounts = new ConcurrentHashMap<>();
    private final Map<String, Double> enabled = new ConcurrentHashMap<>();
    private final Map<String, Meter.Id[]> gauges = new ConcurrentHashMap<>();
    /** Last values read per connector: queue depth (NaN: unknown) and the watermark's instant (null: none, or not a time). */
    private final Map<String, Double> depths = new ConcurrentHashMap<>();
    private final Map<String, Optional<Instant>> cursors = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refresher;

    /**
     * @param lagThreshold a connector's watermark lag over which its alert fires, when configured
     */
    public FerryMetrics(MeterRegistry registry, Connectors connectors, QueueDepths queue, WatermarkStore watermarks,
                        WatermarkLag lag, RunLedger runs, FailureLedger failures, ConnectorSchedules schedules,
                        OpenTransactions openTransactions, Function<String, Optional<Duration>> lagThreshold, Duration refreshInterval,
                        ScheduledExecutorService refresher) {
        this.runs = runs;
        this.failures = failures;
        this.schedules = schedules;
        this.openTransactions = openTransactions;
        this.lagThreshold = lagThreshold;
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
                    .baseUnit("seconds").tag(CONNECTOR, id).strongReference(true).register(registry).getId(),
            Gauge.builder("ferry.watermark.lag.threshold", () -> lagThresholdSeconds(id))
                    .description("The watermark lag over which the connector's alert fires: <connector>.alerts.watermark-lag,"
                            + " else ferry.alerts.watermark-lag, else twice the longest time between two fires of its schedule")
                    .baseUnit("seconds").tag(CONNECTOR, id).strongReference(true).register(registry).getId(),
            Gauge.builder("ferry.run.processing", () -> processingSeconds(id))
                    .description("How long the connector's run has been going, from its start (absent when none is)")
                    .baseUnit("seconds").tag(CONNECTOR, id).strongReference(true).register(registry).getId(),
            Gauge.builder("ferry.schedule.interval", () -> intervalSeconds(id))
                    .description("The shortest time between two fires of the connector's schedule in force: a run longer"
                            + " than this makes the next fire skip")
                    .baseUnit("seconds").tag(CONNECTOR, id).strongReference(true).register(registry).getId(),
            Gauge.builder("ferry.connector.enabled", () -> enabled.getOrDefault(id, Double.NaN))
                    .description("1 while the connector is enabled, 0 while it is disabled (its queued records wait)")
                    .tag(CONNECTOR, id).strongReference(true).register(registry).getId(),
            Gauge.builder("ferry.source.held", () -> heldSeconds(id))
                    .description("How far the connector's last run read short of its settle lag because a transaction"
                            + " open on its PostgreSQL source began then (0: nothing held it back); absent on other"
                            + " databases and with waitForOpenTransactions off")
                    .baseUnit("seconds").tag(CONNECTOR, id).strongReference(true).register(registry).getId(),
            Gauge.builder("ferry.source.open.transactions.over.limit", () -> overLimit(id))
                    .description("Transactions open on the connector's PostgreSQL source longer than its"
                            + " openTransactionLimit at its last run: rows they stamped and commit later are not waited for")
                    .tag(CONNECTOR, id).strongReference(true).register(registry).getId(),
            failuresGauge(id, Failure.Status.OPEN),
            failuresGauge(id, Failure.Status.PARKED)});
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
        intervals.remove(connector);
        enabled.remove(connector);
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
        refresher.execute(() -> {
            refreshLedgers();
            refresh(run.connector());
        });
    }

    private double heldSeconds(String connector) {
        return openTransactions.report(connector).filter(r -> r.unseen() == null)
                .map(r -> r.held().toMillis() / 1000.0).orElse(Double.NaN);
    }

    private double overLimit(String connector) {
        return openTransactions.report(connector).filter(r -> r.unseen() == null)
                .map(r -> (double) r.overLimit().size()).orElse(Double.NaN);
    }

    private Meter.Id failuresGauge(String connector, Failure.Status status) {
        return Gauge.builder("ferry.failures", () -> failureCounts.getOrDefault(connector, Map.of()).getOrDefault(status, 0L))
                .description("The connector's records in the failure ledger with this status: open ones are retried by"
                        + " its next run, parked ones wait for an operator")
                .tag(CONNECTOR, connector).tag("status", status.name()).strongReference(true).register(registry).getId();
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
        refreshLedgers();
        for (String connector : gauges.keySet()) {
            refresh(connector);
        }
    }

    /** The runs going on, the toggles and the failure counts of every connector: three queries, whatever their number. */
    private void refreshLedgers() {
        try {
            Map<String, Instant> going = new HashMap<>();
            runs.latest().forEach((connector, run) -> {
                // a preview awaiting review is not going on: it waits for an operator, as long as they take
                if (!run.status().isFinal() && run.status() != RunStatus.PREVIEW && run.startedAt() != null) {
                    going.put(connector, run.startedAt());
                }
            });
            processingSince.keySet().retainAll(going.keySet());
            processingSince.putAll(going);
            schedules.states().all().forEach((connector, state) -> enabled.put(connector, state.enabled() ? 1.0 : 0.0));
            Map<String, Map<Failure.Status, Long>> counts = failures.countsByConnector();
            failureCounts.keySet().retainAll(counts.keySet());
            failureCounts.putAll(counts);
        } catch (Exception e) {
            LOG.debug("Runs and failures not available: {}", e.toString());
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

    private double processingSeconds(String connector) {
        Instant since = processingSince.get(connector);
        return since == null ? Double.NaN : seconds(Duration.between(since, lag.clock().instant()));
    }

    private double intervalSeconds(String connector) {
        return gaps(connector).shortest();
    }

    /**
     * The watermark lag over which the connector's alert fires: as configured, else twice the longest time between
     * two fires of its schedule (a quiet weekend is not an alert), at least {@value #MIN_LAG_THRESHOLD_HOURS} h.
     */
    private double lagThresholdSeconds(String connector) {
        Optional<Duration> configured = lagThreshold.apply(connector);
        if (configured.isPresent()) {
            return seconds(configured.get());
        }
        double longest = gaps(connector).longest();
        return Double.isNaN(longest) ? Double.NaN : Math.max(2 * longest, MIN_LAG_THRESHOLD_HOURS * 3600.0);
    }

    /** A schedule's gaps between fires, in seconds (NaN: it has none), computed once per schedule in force. */
    private record Gaps(ConnectorSchedules.Compiled of, double shortest, double longest) {
    }

    private Gaps gaps(String connector) {
        ConnectorSchedules.Compiled c = schedules.compile(connector);
        return intervals.compute(connector, (id, known) -> {
            if (known != null && known.of() == c) {
                return known;
            }
            Instant now = lag.clock().instant();
            return c.valid()
                    ? new Gaps(c, c.schedule().shortestGap(now).map(FerryMetrics::seconds).orElse(Double.NaN),
                            c.schedule().longestGap(now).map(FerryMetrics::seconds).orElse(Double.NaN))
                    : new Gaps(c, Double.NaN, Double.NaN);
        });
    }

    private static double seconds(Duration d) {
        return WatermarkLag.seconds(d);
    }

    private double lagSeconds(String connector) {
        Instant at = cursors.getOrDefault(connector, Optional.empty()).orElse(null);
        return at == null ? Double.NaN : WatermarkLag.seconds(Duration.between(at, lag.clock().instant()));
    }
}
