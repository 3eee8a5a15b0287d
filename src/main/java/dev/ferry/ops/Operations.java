package dev.ferry.ops;

import java.sql.SQLException;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.cluster.RunRecovery;
import dev.ferry.connector.Connector;
import dev.ferry.connector.ConnectorRunner;
import dev.ferry.connector.Connectors;
import dev.ferry.connector.Positions;
import dev.ferry.connector.Previews;
import dev.ferry.queue.QueueDepths;
import dev.ferry.queue.SyncQueue;
import dev.ferry.gather.Refresh;
import dev.ferry.runs.Conflict;
import dev.ferry.runs.Failure;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.NotFound;
import dev.ferry.runs.Page;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunMode;
import dev.ferry.runs.RunStatus;
import dev.ferry.runs.Trigger;
import dev.ferry.schedule.ConnectorSchedules;
import dev.ferry.schedule.ConnectorState;
import dev.ferry.schedule.Schedule;
import dev.ferry.schedule.ScheduleOverrides;
import dev.ferry.watermark.Watermark;
import dev.ferry.watermark.WatermarkLag;
import dev.ferry.watermark.WatermarkStore;

/**
 * What an operator can see and do, in one place: the REST API and the JMX MBeans both call this.
 * Every action names who did it ({@code by}); unknown names are {@link NotFound}, actions the current
 * state does not allow are {@link Conflict}, bad arguments are {@link IllegalArgumentException}.
 */
public final class Operations {

    private static final Logger LOG = LoggerFactory.getLogger(Operations.class);

    /** How many of a preview's staged records a run shows. */
    public static final int SAMPLE_SIZE = 10;
    /** How many fire times a connector shows. */
    public static final int NEXT_FIRES = 5;

    private final RunRecovery cluster;
    private final CamelContext camel;
    private final Connectors connectors;
    private final ConnectorRunner runner;
    private final Previews previews;
    private final Positions positions;
    private final ConnectorSchedules schedules;
    private final RunLedger runs;
    private final FailureLedger failures;
    private final WatermarkStore watermarks;
    private final WatermarkLag lag;
    private final QueueDepths queue;
    private final Housekeeping housekeeping;
    private final ExecutorService executor;
    /** Reads staged records for a preview's sample: decimals as exact as the record that will be sent (10.50, not 10.5). */
    private final ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    public Operations(CamelContext camel, Connectors connectors, ConnectorRunner runner, Previews previews,
                      Positions positions, ConnectorSchedules schedules,
                      RunLedger runs, FailureLedger failures, WatermarkStore watermarks, WatermarkLag lag, QueueDepths queue,
                      Housekeeping housekeeping, RunRecovery cluster, ExecutorService executor) {
        this.cluster = cluster;
        this.camel = camel;
        this.connectors = connectors;
        this.runner = runner;
        this.previews = previews;
        this.positions = positions;
        this.schedules = schedules;
        this.runs = runs;
        this.failures = failures;
        this.watermarks = watermarks;
        this.lag = lag;
        this.queue = queue;
        this.housekeeping = housekeeping;
        this.executor = executor;
    }

    // ------------------------------------------------------------------------------- views

    /** The instances of the cluster (one, on the embedded default) as this one sees them. */
    public List<RunRecovery.InstanceView> instances() throws SQLException {
        return cluster.instances();
    }

    /**
     * A connector's schedule in force: in words, its zone, whether it is valid, its next fire times and its keys; whose
     * it is ({@code file}, or {@code run-time}: an operator's, set by whom and when) and, for a run-time one, the
     * file's schedule in words that removing it puts back.
     */
    public record ScheduleView(String description, String timeZone, boolean valid, List<String> problems,
                               List<ZonedDateTime> nextFires, Map<String, String> keys, String source, String setBy,
                               Instant setAt, String file) {
    }

    /** A schedule checked before it is saved: valid or its problems by key, in words, its zone and next fire times. */
    public record ScheduleCheck(boolean valid, List<ConnectorSchedules.KeyProblem> problems, List<String> warnings,
                                String description, String timeZone, List<ZonedDateTime> nextFires) {
    }

    /** A connector's queue: its name and how many records wait or are being delivered. Depth is null when the broker does not answer. */
    public record QueueView(String name, Long depth) {
    }

    /**
     * What a connector's runs read: {@code scheduled} INCREMENTAL or FULL, whether it keeps the key registry, its delete
     * limit (percent), and its full-refresh schedule in words with the next of its times (null without one) or its
     * problems.
     */
    public record RefreshView(Refresh.Kind scheduled, boolean keyRegistry, int deleteLimit, String fullRefreshSchedule,
                              ZonedDateTime nextFullRefresh, List<String> fullRefreshProblems) {
    }

    /** Everything an operator sees about a connector. */
    public record ConnectorView(String id, boolean enabled, boolean ended, Instant endedAt, String endedReason,
                                String rejected, ScheduleView schedule, RefreshView refresh, String watermark,
                                Double watermarkLagSeconds, String startPosition,
                                QueueView queue, Run lastRun, Long processingRun, Long pendingPreview,
                                Map<Failure.Status, Long> failures, long skippedFires, Instant changedAt,
                                String changedBy) {
    }

    /** A staged record of a preview: its key, version, operation and the record as queued. */
    public record StagedRecord(String key, String version, String operation, JsonNode record) {
    }

    /** One run with its failed records (a page) and, for a preview, a sample of its staged records. */
    public record RunDetail(Run run, Page<FailureLedger.RunFailure> failures, List<StagedRecord> sample) {
    }

    /** What one housekeeping pass removed. */
    public record HousekeepingResult(Instant cutoff, int runs, int failures) {
    }

    // ------------------------------------------------------------------------------- connectors

    /** Every connector, sorted by id: the state database read in a fixed number of queries, whatever their number. */
    public List<ConnectorView> connectors() throws SQLException {
        Ledgers ledgers = new Ledgers(schedules.states().all(), watermarks.loadAll(), runs.latest(), runs.pendingPreviews(),
                failures.countsByConnector());
        List<ConnectorView> views = new ArrayList<>();
        for (Connector c : connectors.all().stream().sorted(Comparator.comparing(Connector::id)).toList()) {
            ConnectorState state = ledgers.states.get(c.id());
            views.add(view(c, state != null ? state : schedules.states().get(c.id()),
                    Optional.ofNullable(ledgers.watermarks.get(c.id())), ledgers.latest.get(c.id()),
                    ledgers.previews.get(c.id()), ledgers.failures.getOrDefault(c.id(), FailureLedger.noCounts())));
        }
        return views;
    }

    /** What the state database holds of every connector, read for a list. */
    private record Ledgers(Map<String, ConnectorState> states, Map<String, Watermark> watermarks, Map<String, Run> latest,
                           Map<String, Long> previews, Map<String, Map<Failure.Status, Long>> failures) {
    }

    public ConnectorView connector(String id) throws NotFound, SQLException {
        Connector c = find(id);
        List<Run> last = runs.list(c.id(), 1);
        return view(c, schedules.states().get(c.id()), watermarks.load(c.id()), last.isEmpty() ? null : last.get(0),
                runs.pendingPreview(c.id()).map(Run::id).orElse(null), failures.counts(c.id()));
    }

    private ConnectorView view(Connector c, ConnectorState state, Optional<Watermark> watermark, Run lastRun,
                               Long pendingPreview, Map<Failure.Status, Long> failureCounts) {
        ScheduleView schedule = scheduleView(c.id());
        Long depth;
        try {
            depth = queue.depth(c.queue());
        } catch (Exception e) {
            LOG.debug("Queue depth of {} unavailable: {}", c.queue(), e.toString());
            depth = null;
        }
        return new ConnectorView(c.id(), state.enabled(), state.ended(), state.endedAt(), state.endedReason(),
                connectors.rejection(c.id()).orElse(null), schedule, refreshView(c), watermark.map(Watermark::toString).orElse(null),
                watermark.flatMap(lag::of).map(WatermarkLag::seconds).orElse(null), c.startPosition(), new QueueView(c.queue(), depth), lastRun, runner.claims().processing(c.id()).orElse(null),
                pendingPreview, failureCounts, state.skippedFires(), state.changedAt(), state.changedBy());
    }

    private RefreshView refreshView(Connector c) {
        ConnectorSchedules.FullRefresh full = schedules.fullRefresh(c.id());
        Schedule schedule = full.schedule();
        List<ZonedDateTime> next = schedule == null ? List.of() : schedules.next(schedule, 1);
        return new RefreshView(c.refresh().scheduled(), c.refresh().keyRegistry(), c.refresh().deleteLimit(),
                schedule == null ? null : schedule.summary(), next.isEmpty() ? null : next.get(0), full.problems());
    }

    private ScheduleView scheduleView(String id) {
        ConnectorSchedules.Compiled compiled = schedules.compile(id);
        ScheduleOverrides.Override runTime = compiled.runTime();
        String file = null;
        if (runTime != null) {
            ConnectorSchedules.Compiled fileSchedule = schedules.compileNow(id);
            file = fileSchedule.valid() ? fileSchedule.schedule().summary() : "invalid: " + String.join("; ", fileSchedule.problems());
        }
        String source = runTime == null ? "file" : "run-time";
        String setBy = runTime == null ? null : runTime.setBy();
        Instant setAt = runTime == null ? null : runTime.setAt();
        return compiled.valid()
                ? new ScheduleView(compiled.schedule().summary(), compiled.schedule().zone().getId(), true, List.of(),
                        schedules.next(id, NEXT_FIRES), compiled.keys(), source, setBy, setAt, file)
                : new ScheduleView(null, null, false, compiled.problems(), List.of(), compiled.keys(), source, setBy, setAt, file);
    }

    /** Checks a schedule's keys as the connector's run-time schedule, saving nothing: what an editor shows as one types. */
    public ScheduleCheck checkSchedule(String id, Map<String, String> keys) throws NotFound {
        find(id);
        ConnectorSchedules.Check check = schedules.check(id, keys);
        return check.valid()
                ? new ScheduleCheck(true, List.of(), check.warnings(), check.schedule().summary(),
                        check.schedule().zone().getId(), schedules.next(check.schedule(), NEXT_FIRES))
                : new ScheduleCheck(false, check.problems(), List.of(), null, null, List.of());
    }

    /** Puts an operator's schedule in force for the connector, on every instance, across restarts; audited. */
    public ConnectorView setSchedule(String id, Map<String, String> keys, String reason, String by) throws Exception {
        running(id);
        schedules.setRunTime(id, keys, by, reason);
        return connector(id);
    }

    /** Puts the connector's file schedule back in force; audited. */
    public ConnectorView clearSchedule(String id, String reason, String by) throws Exception {
        running(id);
        schedules.clearRunTime(id, by, reason);
        return connector(id);
    }

    /** The audit of the connector's run-time schedule: who set or removed it, when, from what to what, and why. */
    public List<ScheduleOverrides.Change> scheduleChanges(String id) throws NotFound, SQLException {
        find(id);
        return schedules.overrides().changes(id);
    }

    public ConnectorView enable(String id, String by) throws Exception {
        running(id);
        schedules.enable(id, by);
        return connector(id);
    }

    public ConnectorView disable(String id, String by) throws Exception {
        running(id);
        schedules.disable(id, by);
        return connector(id);
    }

    /**
     * Makes an ended connector (end-after-runs reached, or end-at passed) active again, audited: its scheduled runs
     * count from zero and its next run gathers everything since its watermark. A connector that has not ended is
     * left as it is. Conflict when its end-at is still in the past: the message says which key to change.
     */
    public ConnectorView activate(String id, String by) throws Exception {
        running(id);
        if (schedules.states().get(id).ended()) {
            schedules.activate(id, by);
        }
        return connector(id);
    }

    /** Moves the connector's position ({@code beginning}, {@code now} or a cursor value); audited with its reason. */
    public ConnectorView reposition(String id, String position, String reason, String by) throws Exception {
        Connector c = running(id);
        positions.move(c, requirePosition(position), reason, by);
        return connector(id);
    }

    /** What moving the connector's position would gather, without moving it (a dry run). */
    public Positions.MoveCheck checkPosition(String id, String position) throws Exception {
        return positions.check(find(id), requirePosition(position));
    }

    private static String requirePosition(String position) {
        if (position == null || position.isBlank()) {
            throw new IllegalArgumentException("position is required: beginning, now, or a value of the cursor column");
        }
        return position.trim();
    }

    public List<WatermarkStore.Change> positionChanges(String id) throws NotFound, SQLException {
        find(id);
        return watermarks.changes(id);
    }

    // ------------------------------------------------------------------------------- runs

    /** Starts a run of the connector now: {@code MANUAL}, delivering, or a preview that stages only. */
    public Run start(String id, boolean preview, String by) throws NotFound, Conflict, SQLException {
        return start(id, preview, null, 0, by);
    }

    /**
     * Starts a run now: {@code refresh} null reads what the connector's scheduled runs read; a full refresh may
     * deliver up to {@code confirmDeletes} deletes whatever the connector's delete limit.
     */
    public Run start(String id, boolean preview, Refresh.Kind refresh, long confirmDeletes, String by)
            throws NotFound, Conflict, SQLException {
        if (confirmDeletes < 0) {
            throw new IllegalArgumentException("confirmDeletes must be zero or more, was " + confirmDeletes);
        }
        Connector c = running(id);
        Optional<String> rejected = connectors.rejection(id);
        if (rejected.isPresent()) {
            throw new Conflict("Connector " + id + " was rejected at start-up and does not run: " + rejected.get());
        }
        if (!schedules.states().get(id).enabled()) {
            throw new Conflict("Connector " + id + " is disabled; enable it first");
        }
        Refresh.Kind kind = refresh != null ? refresh : c.refresh().scheduled();
        Run run = runner.start(c, Trigger.MANUAL, preview ? RunMode.PREVIEW : RunMode.SYNC, kind, confirmDeletes,
                executor, () -> camel.isStopping());
        LOG.info("Run {} {} ({}{}) started by {}{}", run.id(), id, preview ? "preview" : "manual",
                kind == Refresh.Kind.FULL ? ", full refresh" : "", by,
                confirmDeletes > 0 ? ", who confirmed up to " + confirmDeletes + " deletes" : "");
        return run;
    }

    public Page<Run> runs(RunLedger.Query query, int offset, int limit) throws NotFound, SQLException {
        if (query.connector() != null) {
            find(query.connector());
        }
        return runs.search(query, offset, limit);
    }

    public RunDetail run(long id, int failureOffset, int failureLimit) throws Exception {
        Run run = findRun(id);
        List<StagedRecord> sample = List.of();
        if (run.status() == RunStatus.PREVIEW) {
            Optional<Connector> c = connectors.find(run.connector());
            if (c.isPresent()) {
                sample = new ArrayList<>();
                for (SyncQueue.Browsed b : previews.sample(c.get(), SAMPLE_SIZE)) {
                    sample.add(new StagedRecord(b.key(), b.version(), b.operation(), json.readTree(b.json())));
                }
            }
        }
        return new RunDetail(run, failures.ofRun(id, failureOffset, failureLimit), sample);
    }

    public Run submit(long id, String by) throws NotFound, Conflict, SQLException {
        Run run = findRun(id);
        return previews.submit(connectorOf(run), id, by, executor);
    }

    public Run delete(long id, String by) throws NotFound, Conflict, SQLException {
        Run run = findRun(id);
        return previews.delete(connectorOf(run), id, by);
    }

    private Connector connectorOf(Run run) throws Conflict {
        Connector c = connectors.find(run.connector()).orElseThrow(() -> new Conflict("Run " + run.id()
                + " belongs to connector " + run.connector() + ", which no route file defines any more"));
        connectors.requireRoutes(c.id());
        return c;
    }

    private Run findRun(long id) throws NotFound, SQLException {
        return runs.find(id).orElseThrow(() -> new NotFound("No run " + id));
    }

    // ------------------------------------------------------------------------------- failures

    public Page<Failure> failures(String id, Failure.Status status, int offset, int limit) throws NotFound, SQLException {
        find(id);
        return failures.list(id, status, offset, limit);
    }

    public Failure failure(String id, String key) throws NotFound, SQLException {
        find(id);
        return failures.find(id, key).orElseThrow(() -> new NotFound("Connector " + id + " has no failed record " + key));
    }

    /** Re-queues a parked record: the next run gathers it again. */
    public Failure requeue(String id, String key, String by) throws NotFound, Conflict, SQLException {
        return change(id, key, by, Failure.Status.PARKED, "re-queued", () -> failures.requeue(id, key));
    }

    public int requeueAll(String id, String by) throws NotFound, SQLException {
        find(id);
        int n = failures.requeueAll(id);
        LOG.info("Connector {}: {} parked record(s) re-queued by {}", id, n, by);
        return n;
    }

    /** Parks an open record: kept and visible, not retried until re-queued. */
    public Failure park(String id, String key, String by) throws NotFound, Conflict, SQLException {
        return change(id, key, by, Failure.Status.OPEN, "parked", () -> failures.park(id, key));
    }

    @FunctionalInterface
    private interface LedgerUpdate {
        /** True when the entry was in the expected status and changed. */
        boolean apply() throws SQLException;
    }

    /** A guarded change of a ledger entry, which must be {@code from} for it to apply. */
    private Failure change(String id, String key, String by, Failure.Status from, String done,
                           LedgerUpdate update) throws NotFound, Conflict, SQLException {
        Failure f = failure(id, key);
        if (!update.apply()) {
            throw new Conflict("Record " + key + " of connector " + id + " is " + f.status() + "; only a " + from
                    + " record can be " + done);
        }
        LOG.info("Connector {}: record {} {} by {}", id, key, done, by);
        return failure(id, key);
    }

    // ------------------------------------------------------------------------------- housekeeping

    public HousekeepingResult housekeep(String by) throws SQLException {
        return housekeeping.run(by);
    }

    /** The connector, its routes running: acting on one whose routes wait to start after start-up starts them first. */
    private Connector running(String id) throws NotFound {
        Connector c = find(id);
        connectors.requireRoutes(id);
        return c;
    }

    private Connector find(String id) throws NotFound {
        return connectors.find(id).orElseThrow(() -> new NotFound("No connector " + id + " (known: "
                + String.join(", ", connectors.all().stream().map(Connector::id).sorted().toList()) + ")"));
    }
}
