package dev.ferry.connector;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import javax.sql.DataSource;

import dev.ferry.gather.Gatherer;
import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.Conflict;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunLog;
import dev.ferry.runs.RunMode;
import dev.ferry.runs.RunStatus;
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
 */
public final class ConnectorRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorRunner.class);

    private final ConnectorLock lock;
    private final Map<String, ConnectorLock.Held> locks = new ConcurrentHashMap<>();

    /** In {@code processing}: the connector is held by a reload, not by a run. */
    private static final long RELOADING = -1L;

    private final DataSource state;
    private final RunLedger runs;
    private final FailureLedger failures;
    private final WatermarkStore watermarks;
    private final Gatherer gatherer;
    private final SyncQueue queue;
    private final RunTracker tracker;
    private final FaultHooks faults;
    /** Connectors with a run gathering or enqueueing (or an operator action on it), and that run's id (0 before it has one). */
    private final Map<String, Long> processing = new ConcurrentHashMap<>();
    /** Connectors whose single records may travel packed ({@link SyncQueue.Writer}): those ferry:queue delivers. */
    private volatile Predicate<String> packed = connector -> false;

    public ConnectorRunner(DataSource state, RunLedger runs, FailureLedger failures, WatermarkStore watermarks,
                           Gatherer gatherer, SyncQueue queue, RunTracker tracker, FaultHooks faults) {
        this(state, runs, failures, watermarks, gatherer, queue, tracker, faults, ConnectorLock.LOCAL);
    }

    /** ... with the lock that keeps runs of one connector apart across Ferry instances. */
    public ConnectorRunner(DataSource state, RunLedger runs, FailureLedger failures, WatermarkStore watermarks,
                           Gatherer gatherer, SyncQueue queue, RunTracker tracker, FaultHooks faults, ConnectorLock lock) {
        this.lock = lock;
        this.state = state;
        this.runs = runs;
        this.failures = failures;
        this.watermarks = watermarks;
        this.gatherer = gatherer;
        this.queue = queue;
        this.tracker = tracker;
        this.faults = faults;
    }

    /** A registered run that holds its connector's processing slot until it has run. */
    private record Reservation(Connector connector, long runId, Trigger trigger, RunMode mode, Watermark stored) {
    }

    /**
     * Runs the connector once, in the caller's thread (a schedule's fire). Returns the run id.
     *
     * @throws Conflict when a run of the connector is still processing or a preview awaits review: no two
     *                  runs of a connector gather at once, and a pending preview holds the connector's position
     */
    public long run(Connector connector, Trigger trigger, BooleanSupplier stopping) throws Conflict, SQLException {
        Reservation reservation = reserve(connector, trigger, RunMode.SYNC);
        execute(reservation, stopping);
        return reservation.runId();
    }

    /**
     * Registers a run now and executes it on {@code executor} (an operator's "run now" or preview).
     * Returns the run as registered ({@code CREATED}).
     */
    public Run start(Connector connector, Trigger trigger, RunMode mode, Executor executor, BooleanSupplier stopping)
            throws Conflict, SQLException {
        Reservation reservation = reserve(connector, trigger, mode);
        try {
            executor.execute(() -> execute(reservation, stopping));
        } catch (RuntimeException rejected) {
            fail(reservation.runId(), rejected);
            release(connector);
            throw rejected;
        }
        return runs.find(reservation.runId()).orElseThrow();
    }

    private Reservation reserve(Connector connector, Trigger trigger, RunMode mode) throws Conflict, SQLException {
        claim(connector);
        try {
            Optional<Run> preview = runs.pendingPreview(connector.id());
            if (preview.isPresent()) {
                throw new Conflict("Preview run " + preview.get().id() + " of connector " + connector.id()
                        + " awaits review; submit or delete it before the connector runs again");
            }
            Watermark stored = watermarks.load(connector.id()).orElse(null);
            long runId = runs.create(connector.id(), trigger, mode, stored);
            processing.put(connector.id(), runId);
            RunLog.started(runId, connector.id(), trigger, mode, stored == null ? null : stored.toString(), runs.instance());
            return new Reservation(connector, runId, trigger, mode, stored);
        } catch (Conflict | SQLException | RuntimeException e) {
            release(connector);
            throw e;
        }
    }

    private void claim(Connector connector) throws Conflict, SQLException {
        Long current = processing.putIfAbsent(connector.id(), 0L);
        if (current != null && current == RELOADING) {
            throw new Conflict("Connector " + connector.id() + " is being reloaded; try again in a moment");
        }
        if (current != null) {
            throw new Conflict("Connector " + connector.id() + " has a run processing"
                    + (current > 0 ? " (run " + current + ")" : "") + "; try again when it has submitted its records");
        }
        Optional<ConnectorLock.Held> held;
        try {
            held = lock.tryLock(connector.id());
        } catch (SQLException | RuntimeException e) {
            processing.remove(connector.id());
            throw e;
        }
        if (held.isEmpty()) {
            processing.remove(connector.id());
            throw new Conflict("Connector " + connector.id() + " has a run processing on another Ferry instance;"
                    + " try again when it has submitted its records");
        }
        locks.put(connector.id(), held.get());
    }

    /** Whether this instance holds the connector now (a run, a preview action, a reload). */
    public boolean holds(String connector) {
        return processing.containsKey(connector);
    }

    private void release(Connector connector) {
        ConnectorLock.Held held = locks.remove(connector.id());
        if (held != null) {
            held.close();
        }
        processing.remove(connector.id());
    }

    /**
     * Why a run of the connector could not start now — a run processing, or a preview awaiting review —
     * or empty. A hint for a schedule's fire before it counts the fire; {@link #run} decides.
     */
    public Optional<String> busy(Connector connector) throws SQLException {
        Long current = processing.get(connector.id());
        if (current != null && current == RELOADING) {
            return Optional.of("its routes are being reloaded");
        }
        if (current != null) {
            return Optional.of("the previous run" + (current > 0 ? " (run " + current + ")" : "") + " is still processing");
        }
        return runs.pendingPreview(connector.id())
                .map(p -> "preview run " + p.id() + " awaits review; submit or delete it");
    }

    /**
     * Holds the connector while its routes are replaced (a reload): no run starts meanwhile. False when a run
     * holds it; the reload then waits.
     */
    public boolean hold(String connector) {
        return processing.putIfAbsent(connector, RELOADING) == null;
    }

    /** Ends a {@link #hold}. */
    public void unhold(String connector) {
        processing.remove(connector, RELOADING);
    }

    /**
     * Which connectors' single records travel packed, many to a queued message: those whose deliver route is
     * {@code from: ferry:queue}, which unpacks them (a route written for camel-jms reads one record a message).
     */
    public void packRecordsOf(Predicate<String> connectors) {
        this.packed = connectors;
    }

    /** The id of the connector's run that is gathering or enqueueing, if any. */
    public Optional<Long> processing(String connector) {
        return Optional.ofNullable(processing.get(connector)).filter(id -> id > 0);
    }

    private void execute(Reservation r, BooleanSupplier stopping) {
        Connector connector = r.connector();
        long runId = r.runId();
        try {
            runs.markProcessing(runId);
            // The configured start position applies to a connector's very first run only: once it has a
            // position history (a run moved it, or an operator did), no watermark means the beginning.
            Watermark from = r.stored() != null || watermarks.hasHistory(connector.id()) ? r.stored()
                    : gatherer.position(connector.source(), connector.startPosition());
            boolean ledgerCheck = failures.hasUnresolved(connector.id());
            boolean preview = r.mode() == RunMode.PREVIEW;
            String destination = preview ? stagingQueue(connector) : connector.queue();
            if (preview) {
                // Left over by a preview deleted or submitted half-way before a crash: not this run's records.
                queue.declare(destination);
                queue.purge(destination);
            }
            Gatherer.Result result;
            try (SyncQueue.Writer writer = queue.open(destination, connector.transactionSize(), connector.batchSize(),
                    packed.test(connector.id()), committed -> faults.afterQueueCommit(connector.id(), runId, committed))) {
                result = gatherer.gather(new Gatherer.Request(connector.id(), runId, connector.source(), from,
                        ledgerCheck, connector.maxAttempts(), stopping, preview), writer);
            }
            tracker.events().gathered(connector.id(), result.gathered());
            if (preview) {
                watermarks.stage(runId, connector.id(), result.after());
                runs.markPreview(runId, result.gathered(), result.failed(), result.skipped(), result.after());
                LOG.info("Run {} {} staged {} record(s) for review ({} failed, {} skipped); submit or delete it",
                        runId, connector.id(), result.gathered() - result.failed(), result.failed(), result.skipped());
            } else {
                faults.beforeWatermarkCommit(connector.id(), runId);
                submit(connector, runId, r.stored(), result);
                faults.afterWatermarkCommit(connector.id(), runId);
                tracker.submitted(runId);
            }
        } catch (Exception e) {
            fail(runId, e);
        } finally {
            release(connector);
        }
    }

    /** Where a connector's preview runs stage their records: a durable queue no route consumes. */
    public static String stagingQueue(Connector connector) {
        return connector.queue() + ".preview";
    }

    /**
     * Every gathered record is durably queued: move the watermark and mark the run submitted, atomically.
     * A first run that started at a configured start position records that in the watermark audit.
     */
    private void submit(Connector connector, long runId, Watermark stored, Gatherer.Result result) throws SQLException {
        try (Connection c = state.getConnection()) {
            c.setAutoCommit(false);
            try {
                moveWatermark(c, connector, runId, stored, result.after());
                runs.markSubmitted(c, runId, result.gathered(), result.failed(), result.skipped(), result.after());
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private void moveWatermark(Connection c, Connector connector, long runId, Watermark stored, Watermark after)
            throws SQLException {
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

    // ------------------------------------------------------------------------------- previews

    /** The first records a preview run staged, without taking them. */
    public List<SyncQueue.Browsed> sample(Connector connector, int max) throws Exception {
        return queue.browse(stagingQueue(connector), max);
    }

    /**
     * Submits a preview run: on {@code executor}, its staged records move to the sync queue, then the
     * watermark moves to where the preview gathered up to and the run is {@code SUBMITTED}, in one
     * state-database transaction; delivery finishes it like any run. Refused when the connector's position
     * moved since the preview gathered (its records could be older than what was delivered since).
     */
    public Run submitPreview(Connector connector, long runId, String by, Executor executor) throws Conflict, SQLException {
        claim(connector);
        Watermark stored;
        try {
            Run run = previewRun(connector, runId, "submitted");
            stored = watermarks.load(connector.id()).orElse(null);
            String now = stored == null ? null : stored.toString();
            if (!Objects.equals(now, run.watermarkBefore())) {
                throw new Conflict("Connector " + connector.id() + " moved from " + describe(run.watermarkBefore()) + " to "
                        + describe(now) + " since preview run " + runId + " gathered; delete the preview and take a new one");
            }
            if (!runs.markSubmitting(runId)) {
                throw new Conflict("Run " + runId + " is no longer a preview");
            }
            processing.put(connector.id(), runId);
        } catch (Conflict | SQLException | RuntimeException e) {
            release(connector);
            throw e;
        }
        LOG.info("Run {} {}: preview submitted by {}", runId, connector.id(), by);
        Watermark before = stored;
        try {
            executor.execute(() -> enqueueStaged(connector, runId, before));
        } catch (RuntimeException rejected) {
            fail(runId, rejected);
            release(connector);
            throw rejected;
        }
        return runs.find(runId).orElseThrow();
    }

    private void enqueueStaged(Connector connector, long runId, Watermark stored) {
        long moved = 0;
        try {
            moved = queue.move(stagingQueue(connector), connector.queue(), connector.transactionSize());
            failures.promote(runId, connector.maxAttempts());
            faults.beforeWatermarkCommit(connector.id(), runId);
            try (Connection c = state.getConnection()) {
                c.setAutoCommit(false);
                try {
                    Optional<Optional<Watermark>> staged = WatermarkStore.staged(c, runId);
                    moveWatermark(c, connector, runId, stored, staged.flatMap(w -> w).orElse(stored));
                    WatermarkStore.unstage(c, runId);
                    runs.markPreviewSubmitted(c, runId);
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            }
            LOG.info("Run {} {}: {} staged record(s) moved to the sync queue", runId, connector.id(), moved);
            tracker.submitted(runId);
        } catch (Exception e) {
            interrupted(runId, "the submit was interrupted after " + moved + " staged record(s) had moved to the sync"
                    + " queue (" + describe(e) + "); submit it again to move the rest and finish it", e);
        } finally {
            release(connector);
        }
    }

    /**
     * A submit broke off: the run is a preview again, with what is left in its staging queue, so that
     * submitting it again finishes it (records already moved are delivered once; the watermark moves when
     * the rest is queued).
     */
    private void interrupted(long runId, String note, Exception e) {
        try {
            runs.backToPreview(runId, note);
            LOG.warn("Run {}: {}", runId, note);
        } catch (SQLException stateDown) {
            LOG.error("Run {}: {}; and it could not be set back to PREVIEW: {}", runId, note, stateDown.toString());
        }
        LOG.debug("Run {} submit failed", runId, e);
    }

    /**
     * Deletes a preview run: nothing it staged is delivered and the watermark stays, so the next run
     * gathers the same changes. The run stays in the ledger as {@code DELETED}.
     */
    public Run deletePreview(Connector connector, long runId, String by) throws Conflict, SQLException {
        claim(connector);
        try {
            Run run = previewRun(connector, runId, "deleted");
            try (Connection c = state.getConnection()) {
                c.setAutoCommit(false);
                try {
                    if (!runs.markDeleted(c, runId, "Preview deleted by " + by + "; its " + (run.gathered() - run.failed())
                            + " staged record(s) were dropped, nothing was delivered and the watermark did not move")) {
                        throw new Conflict("Run " + runId + " is no longer a preview");
                    }
                    WatermarkStore.unstage(c, runId);
                    c.commit();
                } catch (Conflict | SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            }
            // After the commit: should this fail, the next preview purges the staging queue before it gathers.
            try {
                queue.purge(stagingQueue(connector));
            } catch (Exception e) {
                LOG.warn("Run {} {}: preview deleted, but its staged records could not be removed yet ({});"
                        + " the next preview removes them", runId, connector.id(), e.toString());
            }
            Run deleted = runs.find(runId).orElseThrow();
            tracker.ended(deleted);
            return deleted;
        } finally {
            release(connector);
        }
    }

    private Run previewRun(Connector connector, long runId, String action) throws Conflict, SQLException {
        Run run = runs.find(runId).orElse(null);
        if (run == null || !run.connector().equals(connector.id())) {
            throw new Conflict("Run " + runId + " is not a run of connector " + connector.id() + " (any more)");
        }
        if (run.status() != RunStatus.PREVIEW) {
            throw new Conflict("Run " + runId + " is " + run.status() + "; only a run in PREVIEW can be " + action);
        }
        return run;
    }

    private static String describe(String watermark) {
        return watermark == null ? "the beginning" : "'" + watermark + "'";
    }

    private void fail(long runId, Exception e) {
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

    /**
     * Moves the connector's watermark, as an operator: {@code beginning} (everything again), {@code now}
     * (only later changes), or a cursor value (rows at it and after). Audited; refused while a run of the
     * connector is processing.
     */
    public Watermark reposition(Connector connector, String position, String by) throws Conflict, SQLException {
        claim(connector);
        try {
            // A preview gathered from the current position; moving it would make its submit skip or repeat rows.
            Optional<Run> preview = runs.pendingPreview(connector.id());
            if (preview.isPresent()) {
                throw new Conflict("Preview run " + preview.get().id() + " of connector " + connector.id()
                        + " awaits review; submit or delete it before moving the position");
            }
            Watermark target = gatherer.position(connector.source(), position);
            watermarks.reposition(connector.id(), target, by, "position set to '" + position + "'");
            LOG.info("Connector {}: position set to {} ({}) by {}", connector.id(), position,
                    target == null ? "the beginning" : target, by);
            return target;
        } finally {
            release(connector);
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
