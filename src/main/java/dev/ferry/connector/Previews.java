package dev.ferry.connector;

import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.Conflict;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunStatus;
import dev.ferry.runs.RunTracker;
import dev.ferry.watermark.Watermark;
import dev.ferry.watermark.WatermarkStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an operator does with a preview run ({@code RunMode.PREVIEW}, which {@link ConnectorRunner} gathers into a
 * staging queue): look at its records, submit it (they are delivered and the watermark moves as if the run had
 * synced) or delete it (nothing is delivered, the watermark stays). Each holds the connector while it acts.
 */
public final class Previews {

    private static final Logger LOG = LoggerFactory.getLogger(Previews.class);

    private final ConnectorRunner runner;
    private final ConnectorClaims claims;
    private final RunLedger runs;
    private final FailureLedger failures;
    private final WatermarkStore watermarks;
    private final SyncQueue queue;
    private final RunTracker tracker;
    private final FaultHooks faults;

    public Previews(ConnectorRunner runner, RunLedger runs, FailureLedger failures,
                    WatermarkStore watermarks, SyncQueue queue, RunTracker tracker, FaultHooks faults) {
        this.runner = runner;
        this.claims = runner.claims();
        this.runs = runs;
        this.failures = failures;
        this.watermarks = watermarks;
        this.queue = queue;
        this.tracker = tracker;
        this.faults = faults;
    }

    /** Where a connector's preview runs stage their records: a durable queue no route consumes. */
    public static String stagingQueue(Connector connector) {
        return connector.queue() + ".preview";
    }

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
    public Run submit(Connector connector, long runId, String by, Executor executor) throws Conflict, SQLException {
        claims.claim(connector.id());
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
            claims.running(connector.id(), runId);
        } catch (Conflict | SQLException | RuntimeException e) {
            claims.release(connector.id());
            throw e;
        }
        LOG.info("Run {} {}: preview submitted by {}", runId, connector.id(), by);
        Watermark before = stored;
        try {
            executor.execute(() -> enqueueStaged(connector, runId, before));
        } catch (RuntimeException rejected) {
            runner.fail(runId, rejected);
            claims.release(connector.id());
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
            runs.jdbc().inTransaction(c -> {
                Optional<Optional<Watermark>> staged = watermarks.staged(c, runId);
                runner.moveWatermark(c, connector, runId, stored, staged.flatMap(w -> w).orElse(stored));
                watermarks.unstage(c, runId);
                runs.markPreviewSubmitted(c, runId);
                return null;
            });
            LOG.info("Run {} {}: {} staged record(s) moved to the sync queue", runId, connector.id(), moved);
            tracker.submitted(runId);
        } catch (Exception e) {
            interrupted(runId, "the submit was interrupted after " + moved + " staged record(s) had moved to the sync"
                    + " queue (" + ConnectorRunner.describe(e) + "); submit it again to move the rest and finish it", e);
        } finally {
            claims.release(connector.id());
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
    public Run delete(Connector connector, long runId, String by) throws Conflict, SQLException {
        claims.claim(connector.id());
        try {
            Run run = previewRun(connector, runId, "deleted");
            boolean wasPreview = runs.jdbc().inTransaction(c -> {
                if (!runs.markDeleted(c, runId, "Preview deleted by " + by + "; its " + (run.gathered() - run.failed())
                        + " staged record(s) were dropped, nothing was delivered and the watermark did not move")) {
                    return false; // nothing changed: the commit is empty
                }
                watermarks.unstage(c, runId);
                return true;
            });
            if (!wasPreview) {
                throw new Conflict("Run " + runId + " is no longer a preview");
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
            claims.release(connector.id());
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
}
