package dev.ferry.connector;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import dev.ferry.gather.Gatherer;
import dev.ferry.gather.Refresh;
import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.Conflict;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.KeyRegistry;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunLog;
import dev.ferry.runs.RunMode;
import dev.ferry.runs.RunTracker;
import dev.ferry.runs.Trigger;
import dev.ferry.security.Redact;
import dev.ferry.watermark.Watermark;
import dev.ferry.watermark.WatermarkStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes one run of a connector up to {@code SUBMITTED}: register it, gather into the sync queue,
 * then move the watermark and mark the run submitted in one state-database transaction — only after
 * every gathered record is committed to the queue. Delivery finishes the run (see {@link RunTracker}).
 * A preview run gathers into a staging queue instead and stops at {@code PREVIEW}, for {@link Previews}.
 * A run, and an operator's move of the position, hold the connector by a claim ({@link ConnectorClaims}).
 */
public final class ConnectorRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorRunner.class);

    private final RunLedger runs;
    private final FailureLedger failures;
    private final WatermarkStore watermarks;
    private final KeyRegistry registry;
    private final Gatherer gatherer;
    private final SyncQueue queue;
    private final RunTracker tracker;
    private final FaultHooks faults;
    private final ConnectorClaims claims;
    /** Whether a full-refresh schedule makes a connector's scheduled run starting now full, given since when. */
    public interface FullRefreshSchedule {
        FullRefreshSchedule NONE = (connector, since) -> false;

        boolean due(String connector, Instant since);
    }

    private volatile FullRefreshSchedule fullRefreshSchedule = FullRefreshSchedule.NONE;
    /** Connectors whose single records may travel packed ({@link SyncQueue.Writer}): those ferry:queue delivers. */
    private volatile Predicate<String> packed = connector -> false;

    public ConnectorRunner(RunLedger runs, FailureLedger failures, WatermarkStore watermarks,
                           Gatherer gatherer, SyncQueue queue, RunTracker tracker, FaultHooks faults) {
        this(runs, failures, watermarks, null, gatherer, queue, tracker, faults, ConnectorLock.LOCAL);
    }

    /**
     * ... with the key registry (null: no connector keeps one) and the lock that keeps runs of one connector apart
     * across Ferry instances.
     */
    public ConnectorRunner(RunLedger runs, FailureLedger failures, WatermarkStore watermarks, KeyRegistry registry,
                           Gatherer gatherer, SyncQueue queue, RunTracker tracker, FaultHooks faults, ConnectorLock lock) {
        this.claims = new ConnectorClaims(lock);
        this.registry = registry;
        this.runs = runs;
        this.failures = failures;
        this.watermarks = watermarks;
        this.gatherer = gatherer;
        this.queue = queue;
        this.tracker = tracker;
        this.faults = faults;
    }

    /**
     * A registered run that holds its connector's processing slot until it has run.
     *
     * @param confirmedDeletes deletes an operator confirmed for a full refresh beyond the connector's delete limit
     */
    private record Reservation(Connector connector, long runId, Trigger trigger, RunMode mode, Refresh.Kind refresh,
                               long confirmedDeletes, Watermark stored) {
    }

    /**
     * Runs the connector once, in the caller's thread (a schedule's fire). Returns the run id.
     *
     * @throws Conflict when a run of the connector is still processing or a preview awaits review: no two
     *                  runs of a connector gather at once, and a pending preview holds the connector's position
     */
    public long run(Connector connector, Trigger trigger, BooleanSupplier stopping) throws Conflict, SQLException {
        Reservation reservation = reserve(connector, trigger, RunMode.SYNC, scheduledRefresh(connector, trigger), 0);
        execute(reservation, stopping);
        return reservation.runId();
    }

    /**
     * Registers a run now and executes it on {@code executor} (an operator's "run now" or preview).
     * Returns the run as registered ({@code CREATED}).
     */
    public Run start(Connector connector, Trigger trigger, RunMode mode, Executor executor, BooleanSupplier stopping)
            throws Conflict, SQLException {
        return start(connector, trigger, mode, connector.refresh().scheduled(), 0, executor, stopping);
    }

    /**
     * ... reading what {@code refresh} says; a full refresh may deliver up to {@code confirmedDeletes} deletes
     * whatever the connector's delete limit.
     *
     * @throws IllegalArgumentException a full refresh of a connector that keeps no key registry
     */
    public Run start(Connector connector, Trigger trigger, RunMode mode, Refresh.Kind refresh, long confirmedDeletes,
                     Executor executor, BooleanSupplier stopping) throws Conflict, SQLException {
        if (refresh == Refresh.Kind.FULL && !connector.refresh().keyRegistry()) {
            throw new IllegalArgumentException("Connector " + connector.id() + " keeps no key registry, which a full"
                    + " refresh compares with; set keyRegistry: true (or refresh: full) on its ferry:gather step");
        }
        Reservation reservation = reserve(connector, trigger, mode, refresh, confirmedDeletes);
        try {
            executor.execute(() -> execute(reservation, stopping));
        } catch (RuntimeException rejected) {
            fail(reservation.runId(), rejected);
            claims.release(connector.id());
            throw rejected;
        }
        return runs.find(reservation.runId()).orElseThrow();
    }

    private Reservation reserve(Connector connector, Trigger trigger, RunMode mode, Refresh.Kind refresh,
                                long confirmedDeletes) throws Conflict, SQLException {
        claims.claim(connector.id());
        try {
            runs.requireNoPendingPreview(connector.id(), "the connector runs again");
            Watermark stored = watermarks.load(connector.id()).orElse(null);
            long runId = runs.create(connector.id(), trigger, mode, refresh, stored);
            claims.running(connector.id(), runId);
            RunLog.started(runId, connector.id(), trigger, mode, refresh, stored == null ? null : stored.toString(),
                    runs.instance());
            return new Reservation(connector, runId, trigger, mode, refresh, confirmedDeletes, stored);
        } catch (Conflict | SQLException | RuntimeException e) {
            claims.release(connector.id());
            throw e;
        }
    }

    /**
     * Why a run of the connector could not start now — a run processing, or a preview awaiting review —
     * or empty. A hint for a schedule's fire before it counts the fire; {@link #run} decides.
     */
    public Optional<String> busy(Connector connector) throws SQLException {
        Optional<String> held = claims.holder(connector.id());
        if (held.isPresent()) {
            return held;
        }
        return runs.pendingPreview(connector.id())
                .map(p -> "preview run " + p.id() + " awaits review; submit or delete it");
    }

    /**
     * What a run of a fire reads: the connector's {@code refresh}, or a full refresh when its full-refresh schedule
     * says one is due (scheduled fires only; an operator's run reads what they chose).
     */
    private Refresh.Kind scheduledRefresh(Connector connector, Trigger trigger) throws SQLException {
        Refresh.Kind kind = connector.refresh().scheduled();
        if (trigger != Trigger.SCHEDULE || kind == Refresh.Kind.FULL || !connector.refresh().keyRegistry()) {
            return kind;
        }
        Optional<Instant> since = runs.lastFullRefreshOrFirstRun(connector.id());
        return since.isPresent() && fullRefreshSchedule.due(connector.id(), since.get()) ? Refresh.Kind.FULL : kind;
    }

    /** Where scheduled runs learn whether a full refresh is due ({@code <connector>.full-refresh.*}). */
    public void fullRefreshSchedule(FullRefreshSchedule schedule) {
        this.fullRefreshSchedule = schedule;
    }

    /** Who holds which connector: runs, operators' actions on runs and positions, reloads. */
    public ConnectorClaims claims() {
        return claims;
    }

    /**
     * Which connectors' single records travel packed, many to a queued message: those whose deliver route is
     * {@code from: ferry:queue}, which unpacks them (a route written for camel-jms reads one record a message).
     */
    public void packRecordsOf(Predicate<String> connectors) {
        this.packed = connectors;
    }

    private void execute(Reservation r, BooleanSupplier stopping) {
        Connector connector = r.connector();
        long runId = r.runId();
        try {
            runs.markProcessing(runId);
            // The configured start position applies to a connector's very first run only: once it has a
            // position history (a run moved it, or an operator did), no watermark means the beginning.
            Watermark from = r.stored() != null || watermarks.hasHistory(connector.id()) ? r.stored()
                    : gatherer.position(connector.id(), connector.source(), connector.startPosition());
            boolean ledgerCheck = failures.hasUnresolved(connector.id());
            boolean preview = r.mode() == RunMode.PREVIEW;
            String destination = preview ? Previews.stagingQueue(connector) : connector.queue();
            if (preview) {
                // Left over by a preview deleted or submitted half-way before a crash: not this run's records.
                queue.declare(destination);
                queue.purge(destination);
            }
            Gatherer.Result result;
            try (SyncQueue.Writer writer = queue.open(destination, connector.transactionSize(), connector.batchSize(),
                    packed.test(connector.id()), committed -> faults.afterQueueCommit(connector.id(), runId, committed))) {
                result = gatherer.gather(new Gatherer.Request(connector.id(), runId, connector.source(), from,
                        ledgerCheck, connector.maxAttempts(), stopping, preview, connector.refresh(), r.refresh(),
                        r.confirmedDeletes()), writer);
            }
            tracker.events().gathered(connector.id(), result.gathered());
            if (preview) {
                watermarks.stage(runId, connector.id(), result.after());
                runs.markPreview(runId, result.gathered(), result.failed(), result.skipped(), result.unchanged(),
                        result.deleted(), result.after());
                LOG.info("Run {} {} staged {} record(s) for review ({} failed, {} skipped); submit or delete it",
                        runId, connector.id(), result.gathered() - result.failed(), result.failed(), result.skipped());
            } else {
                faults.beforeWatermarkCommit(connector.id(), runId);
                submit(connector, runId, r.stored(), result);
                faults.afterWatermarkCommit(connector.id(), runId);
                if (registry != null && connector.refresh().keyRegistry()) {
                    registry.analyzeIfGrown();
                }
                tracker.submitted(runId);
            }
        } catch (Exception e) {
            fail(runId, e);
        } finally {
            claims.release(connector.id());
        }
    }

    /**
     * Every gathered record is durably queued: move the watermark and mark the run submitted, atomically.
     * A first run that started at a configured start position records that in the watermark audit.
     */
    private void submit(Connector connector, long runId, Watermark stored, Gatherer.Result result) throws SQLException {
        runs.jdbc().inTransaction(c -> {
            moveWatermark(c, connector, runId, stored, result.after());
            runs.markSubmitted(c, runId, result.gathered(), result.failed(), result.skipped(), result.unchanged(),
                    result.deleted(), result.after());
            return null;
        });
    }

    /**
     * Moves the watermark, in the caller's transaction, and registers in the key registry what the run staged there
     * (the registry, like the watermark, moves only once the run's records are all queued).
     */
    void moveWatermark(Connection c, Connector connector, long runId, Watermark stored, Watermark after)
            throws SQLException {
        if (connector.refresh().keyRegistry() && registry != null) {
            registry.promote(c, runId);
        }
        boolean firstPosition = stored == null && !Connector.BEGINNING.equalsIgnoreCase(connector.startPosition())
                && !watermarks.hasHistory(c, connector.id());
        if (after != null && !after.equals(stored)) {
            watermarks.save(c, connector.id(), after, runId);
        }
        if (firstPosition) {
            watermarks.audit(c, connector.id(), null, after, "ferry",
                    "first run started at startPosition '" + connector.startPosition() + "' (run " + runId + ")");
        }
    }

    void fail(long runId, Exception e) {
        String error = describe(e);
        try {
            runs.fail(runId, error);
            runs.find(runId).ifPresent(tracker::ended);
        } catch (SQLException stateDown) {
            LOG.error("Run {} failed ({}) and could not be marked FAILED: {}", runId, error, stateDown.toString());
        }
        if (e instanceof RuntimeException) {
            // Not a source or broker problem the error line explains: keep the stack trace.
            LOG.warn("Run {} failed unexpectedly", runId, e);
        } else {
            LOG.debug("Run {} failed", runId, e);
        }
    }

    /** One line for the run ledger: the exception and, if different, its root cause. */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(e.getClass().getSimpleName()).append(": ").append(e.getMessage());
        if (e instanceof SQLException sql && sql.getSQLState() != null) {
            text.append(" [SQLState ").append(sql.getSQLState()).append(']');
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e) {
            text.append(" (caused by ").append(root.getClass().getSimpleName()).append(": ").append(root.getMessage()).append(')');
        }
        // One line: drivers put the SQL statement on lines of its own. URLs without credentials (a JDBC URL's query).
        return Redact.urls(text.toString().replaceAll("\\s*\\R\\s*", " "));
    }
}
