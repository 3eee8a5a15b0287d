package dev.ferry.runs;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.security.Redact;

/**
 * Counts delivery outcomes and finishes runs.
 *
 * <p>Outcomes are counted in memory and written behind, every {@code flushIntervalMillis}, as
 * increments ({@code delivered = delivered + n}) — one statement per run and interval instead of one
 * per record, and correct when several Ferry instances deliver records of the same run. After each
 * write, the runs being watched are finished by a single guarded UPDATE once
 * {@code delivered + failed >= gathered}; whoever's UPDATE matches logs the end line.
 *
 * <p>Counts that were still in memory when an instance stopped uncleanly are lost, but the records are not:
 * {@link dev.ferry.cluster.RunRecovery} finishes such a run once its connector's queue is empty and every live
 * instance has written its counts since.
 */
public final class RunTracker extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(RunTracker.class);

    private final RunLedger ledger;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private final long flushIntervalMillis;

    private final Map<Long, long[]> outcomes = new HashMap<>();
    private final Set<Long> watched = new LinkedHashSet<>();
    private final Object flushLock = new Object();
    private ScheduledFuture<?> flushTask;
    private volatile RunEvents events = RunEvents.NONE;
    /** When the flushes started failing, or null while they work; the flusher's only. */
    private Instant failingSince;

    public RunTracker(RunLedger ledger, Clock clock, ScheduledExecutorService executor, long flushIntervalMillis) {
        this.ledger = ledger;
        this.clock = clock;
        this.executor = executor;
        this.flushIntervalMillis = flushIntervalMillis;
    }

    /** Where the tracker reports records and ended runs as they happen (metrics). */
    public void listen(RunEvents events) {
        this.events = events;
    }

    public RunEvents events() {
        return events;
    }

    /** Counts {@code records} delivered records (one, or a batch) of a connector's run. */
    public void delivered(String connector, long runId, int records) {
        count(runId, 0, records);
        events.delivered(connector, records);
    }

    /** Counts {@code records} failed records (one, or a batch) of a connector's run. */
    public void failed(String connector, long runId, int records) {
        count(runId, 1, records);
        events.failed(connector, records);
    }

    /** A run reached a final status: its end line, and its metrics. */
    public void ended(Run run) {
        RunLog.ended(run);
        events.ended(run);
    }

    public void delivered(long runId) {
        count(runId, 0, 1);
    }

    public void failed(long runId) {
        count(runId, 1, 1);
    }

    /** Counts {@code records} delivered records of a run (a batch). */
    public void delivered(long runId, int records) {
        count(runId, 0, records);
    }

    /** Counts {@code records} failed records of a run (a batch). */
    public void failed(long runId, int records) {
        count(runId, 1, records);
    }

    private synchronized void count(long runId, int index, int records) {
        outcomes.computeIfAbsent(runId, id -> new long[2])[index] += records;
        // Several instances deliver a run's records (competing consumers): whichever counts the last ones
        // finishes it, also when the instance that gathered it has died meanwhile.
        watched.add(runId);
    }

    /** Starts watching a submitted run for completion (it may already be complete: it had nothing to deliver). */
    public void submitted(long runId) {
        synchronized (this) {
            watched.add(runId);
        }
        flushQuietly();
    }

    @Override
    protected void doStart() {
        flushTask = executor.scheduleWithFixedDelay(this::flushQuietly, flushIntervalMillis, flushIntervalMillis,
                TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        if (flushTask != null) {
            flushTask.cancel(false);
        }
        flushQuietly();
    }

    /**
     * Flushes; a failure is the state database's outage, logged once when the flushes start failing and once more
     * when one succeeds again — not every {@code flushIntervalMillis} while it is away (the other components that
     * meet it say nothing at INFO). The counts stay in memory meanwhile and the next flush that works writes them.
     */
    private void flushQuietly() {
        // a write to a database that is away fails only after the pool's connection timeout: count from its start
        Instant attempt = clock.instant();
        try {
            flush();
            if (failingSince != null) {
                LOG.info("The state database answers again, after {} s away; run counts are written",
                        Duration.between(failingSince, clock.instant()).toSeconds());
                failingSince = null;
            }
        } catch (Exception e) {
            if (failingSince == null) {
                failingSince = attempt;
                LOG.warn("The state database is unreachable since {} ({}): runs cannot start, deliveries go on and their"
                        + " counts wait in memory; Ferry reconnects by itself and says so here", attempt,
                        Redact.urls(e.getMessage() == null ? e.toString() : e.getMessage()));
            }
            LOG.debug("Run counts not written", e);
        }
    }

    /**
     * Writes counted outcomes and finishes the runs that are done. When it returns, every outcome counted before
     * it was called is in the state database: the instance heartbeat calls it before each beat.
     */
    public void flush() throws SQLException {
        synchronized (flushLock) {
            writeOutcomes();
            ledger.jdbc().withConnection(c -> {
                for (Long runId : watchedRuns()) {
                    finishIfDone(c, runId);
                }
                return null;
            });
        }
    }

    /** Finishes one watched run if it is done; stops watching it once it is final, whoever finished it. */
    private void finishIfDone(Connection c, long runId) {
        try {
            Optional<Run> finished = ledger.finishIfDone(c, runId);
            if (finished.isPresent()) {
                unwatch(runId);
                ended(finished.get());
            } else if (ledger.status(c, runId).map(RunStatus::isFinal).orElse(true)) {
                unwatch(runId);
            }
        } catch (SQLException e) {
            LOG.warn("Could not check whether run {} is complete: {}", runId, e.toString());
        }
    }

    /** Swaps the counters out under the counting lock and writes them without holding it. */
    private void writeOutcomes() throws SQLException {
        Map<Long, long[]> snapshot;
        synchronized (this) {
            if (outcomes.isEmpty()) {
                return;
            }
            snapshot = new HashMap<>(outcomes);
            outcomes.clear();
        }
        try {
            ledger.jdbc().inTransaction(c -> {
                for (Map.Entry<Long, long[]> e : snapshot.entrySet()) {
                    ledger.addOutcomes(c, e.getKey(), e.getValue()[0], e.getValue()[1]);
                }
                return null;
            });
        } catch (SQLException | RuntimeException e) {
            synchronized (this) {
                snapshot.forEach((runId, n) -> {
                    long[] current = outcomes.computeIfAbsent(runId, id -> new long[2]);
                    current[0] += n[0];
                    current[1] += n[1];
                });
            }
            throw e;
        }
    }

    private synchronized List<Long> watchedRuns() {
        return new ArrayList<>(watched);
    }

    private synchronized void unwatch(long runId) {
        watched.remove(runId);
    }
}
