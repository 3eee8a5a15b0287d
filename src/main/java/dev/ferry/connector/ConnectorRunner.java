package dev.ferry.connector;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import dev.ferry.gather.Gatherer;
import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunLog;
import dev.ferry.runs.RunMode;
import dev.ferry.runs.RunTracker;
import dev.ferry.runs.Trigger;
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

    private final DataSource state;
    private final RunLedger runs;
    private final FailureLedger failures;
    private final WatermarkStore watermarks;
    private final Gatherer gatherer;
    private final SyncQueue queue;
    private final RunTracker tracker;
    private final FaultHooks faults;
    private final Set<String> processing = ConcurrentHashMap.newKeySet();

    public ConnectorRunner(DataSource state, RunLedger runs, FailureLedger failures, WatermarkStore watermarks,
                           Gatherer gatherer, SyncQueue queue, RunTracker tracker, FaultHooks faults) {
        this.state = state;
        this.runs = runs;
        this.failures = failures;
        this.watermarks = watermarks;
        this.gatherer = gatherer;
        this.queue = queue;
        this.tracker = tracker;
        this.faults = faults;
    }

    /**
     * Runs the connector once. Returns the run id, or empty when a run of this connector is still
     * processing (no two runs of a connector gather at once).
     */
    public Optional<Long> run(Connector connector, Trigger trigger, BooleanSupplier stopping) throws SQLException {
        if (!processing.add(connector.id())) {
            return Optional.empty();
        }
        try {
            Watermark stored = watermarks.load(connector.id()).orElse(null);
            long runId = runs.create(connector.id(), trigger, RunMode.SYNC, stored);
            RunLog.started(runId, connector.id(), trigger, RunMode.SYNC, stored == null ? null : stored.toString());
            try {
                runs.markProcessing(runId);
                // The configured start position applies to a connector's very first run only: once it has a
                // position history (a run moved it, or an operator did), no watermark means the beginning.
                Watermark from = stored != null || watermarks.hasHistory(connector.id()) ? stored
                        : gatherer.position(connector.source(), connector.startPosition());
                boolean ledgerCheck = failures.hasUnresolved(connector.id());
                Gatherer.Result result;
                try (SyncQueue.Writer writer = queue.open(connector.queue(), connector.transactionSize(), connector.batchSize(),
                        committed -> faults.afterQueueCommit(connector.id(), runId, committed))) {
                    result = gatherer.gather(new Gatherer.Request(connector.id(), runId, connector.source(), from,
                            ledgerCheck, connector.maxAttempts(), stopping), writer);
                }
                faults.beforeWatermarkCommit(connector.id(), runId);
                submit(connector, runId, stored, result);
                tracker.submitted(runId);
            } catch (Exception e) {
                fail(runId, e);
            }
            return Optional.of(runId);
        } finally {
            processing.remove(connector.id());
        }
    }

    /**
     * Every gathered record is durably queued: move the watermark and mark the run submitted, atomically.
     * A first run that started at a configured start position records that in the watermark audit.
     */
    private void submit(Connector connector, long runId, Watermark stored, Gatherer.Result result) throws SQLException {
        try (Connection c = state.getConnection()) {
            c.setAutoCommit(false);
            try {
                boolean firstPosition = stored == null && !Connector.BEGINNING.equalsIgnoreCase(connector.startPosition())
                        && !watermarks.hasHistory(c, connector.id());
                if (result.after() != null && !result.after().equals(stored)) {
                    watermarks.save(c, connector.id(), result.after(), runId);
                }
                if (firstPosition) {
                    watermarks.audit(c, connector.id(), null, result.after(), "ferry",
                            "first run started at startPosition '" + connector.startPosition() + "' (run " + runId + ")");
                }
                runs.markSubmitted(c, runId, result.gathered(), result.failed(), result.skipped(), result.after());
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private void fail(long runId, Exception e) {
        String error = describe(e);
        try {
            runs.fail(runId, error);
            runs.find(runId).ifPresent(RunLog::ended);
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
    public Watermark reposition(Connector connector, String position, String by) throws SQLException {
        if (!processing.add(connector.id())) {
            throw new IllegalStateException("Connector " + connector.id() + " has a run processing; move its position"
                    + " when the run has submitted");
        }
        try {
            Watermark target = gatherer.position(connector.source(), position);
            watermarks.reposition(connector.id(), target, by, "position set to '" + position + "'");
            LOG.info("Connector {}: position set to {} ({}) by {}", connector.id(), position,
                    target == null ? "the beginning" : target, by);
            return target;
        } finally {
            processing.remove(connector.id());
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
        // One line: drivers put the SQL statement on lines of its own.
        return text.toString().replaceAll("\\s*\\R\\s*", " ");
    }
}
