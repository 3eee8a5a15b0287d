package dev.ferry.cluster;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.cluster.Instances.Instance;
import dev.ferry.connector.ConnectorLock;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunMode;
import dev.ferry.runs.RunStatus;
import dev.ferry.runs.RunTracker;

/**
 * Finishes the runs that an instance which stopped uncleanly left behind — its own, found at start-up, and, in a
 * cluster, those of another instance that died.
 *
 * <ul>
 *   <li>A run that was gathering (CREATED, PROCESSING) and whose connector's lock nobody holds any more (the lock
 *       went with the dead instance's connection) is FAILED: its watermark did not move and the next run repeats
 *       the work. A preview being submitted waits as a PREVIEW again.</li>
 *   <li>A SUBMITTED run is complete once all its records are out of the queue and every outcome is written. A
 *       record leaves the queue only after its outcome is counted in the memory of the instance that handled it,
 *       so once the connector's queue is seen empty, and every instance alive then has beaten twice (a beat writes
 *       the counts first, {@link Heartbeat}) or is gone, the counts are final: what they miss was lost with a dead
 *       instance, and the run is finished with its delivered count completed from the queue.</li>
 * </ul>
 *
 * Bound: a dead instance is gone after {@code ferry.cluster.lease} of still heartbeat, and a drained run is
 * finished within two heartbeat intervals plus one check after that, or after its queue empties if that is later.
 */
public final class RunRecovery extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(RunRecovery.class);
    /** Beats each live instance must make after a queue was seen empty: the second one began after that moment. */
    private static final int BEATS_AFTER_DRAIN = 2;

    /** Tells how many records are in a connector's sync queue, including those being delivered or scheduled. */
    @FunctionalInterface
    public interface QueueDepth {
        long of(String connector) throws Exception;
    }

    private final RunLedger runs;
    private final RunTracker tracker;
    private final ConnectorLock lock;
    /** Whether a run of the connector is gathering in this process (then its lock is held here). */
    private final Predicate<String> gatheringHere;
    private final QueueDepth queueDepth;
    private final Instances instances;
    private final ClusterView view;
    private final ScheduledExecutorService executor;
    private final Duration interval;
    /** Runs whose queue was seen empty, with the beat counts of the instances alive at that moment. */
    private final Map<Long, Map<String, Long>> drained = new HashMap<>();
    private ScheduledFuture<?> task;

    public RunRecovery(RunLedger runs, RunTracker tracker, ConnectorLock lock, Predicate<String> gatheringHere,
                       QueueDepth queueDepth, Instances instances, Clock clock, Duration lease,
                       ScheduledExecutorService executor, Duration interval) {
        this.runs = runs;
        this.tracker = tracker;
        this.lock = lock;
        this.gatheringHere = gatheringHere;
        this.queueDepth = queueDepth;
        this.instances = instances;
        this.view = new ClusterView(runs.instance(), clock, lease);
        this.executor = executor;
        this.interval = interval;
    }

    /**
     * An instance of the cluster as this one sees it: {@code state} is {@code alive}, {@code gone} (its heartbeat
     * stood still for the lease) or {@code stopped} (cleanly); {@code lastBeat} is by the state database's clock.
     */
    public record InstanceView(String name, String host, String version, Instant startedAt, Instant lastBeat,
                               Instant stoppedAt, String state, boolean self) {
    }

    /** Every instance that has used the state database, by name. */
    public List<InstanceView> instances() throws SQLException {
        List<InstanceView> all = new ArrayList<>();
        for (Instance i : instances.all()) {
            all.add(new InstanceView(i.name(), i.host(), i.version(), i.startedAt(), i.beatAt(), i.stoppedAt(),
                    i.name().equals(runs.instance()) ? "alive" : view.state(i), i.name().equals(runs.instance())));
        }
        return all;
    }

    /** Before the routes start: this process gathers nothing yet, so runs gathering on no live instance are failed. */
    public void recoverAtStartUp() throws SQLException {
        recoverGathering();
        List<Run> delivering = runs.withStatus(RunStatus.SUBMITTED);
        if (!delivering.isEmpty()) {
            LOG.info("{} run(s) are delivering: {}; each finishes when its records are delivered (or failed), also"
                    + " those of an instance that stopped uncleanly", delivering.size(),
                    delivering.stream().map(r -> r.id() + " " + r.connector()).toList());
        }
    }

    @Override
    protected void doStart() {
        task = executor.scheduleWithFixedDelay(this::checkQuietly, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        if (task != null) {
            task.cancel(false);
        }
    }

    private void checkQuietly() {
        try {
            check();
        } catch (Exception e) {
            // a state database away is said once by the run tracker; this check resumes with it
            LOG.debug("Looking for runs left by stopped instances failed", e);
        }
    }

    /** One look (every heartbeat interval; tests call it). */
    public void check() throws SQLException {
        view.update(instances.all());
        if (lock != ConnectorLock.LOCAL) {
            // with the local lock (one instance, H2) nothing gathers elsewhere: start-up recovery is all there is
            recoverGathering();
        }
        finishDrained();
    }

    private void recoverGathering() throws SQLException {
        for (RunStatus status : List.of(RunStatus.CREATED, RunStatus.PROCESSING)) {
            for (Run run : runs.withStatus(status)) {
                if (!gatheringHere.test(run.connector())) {
                    recover(run);
                }
            }
        }
    }

    /**
     * A run that was gathering when its instance stopped: FAILED, or a preview being submitted back to PREVIEW.
     * Left alone while a live instance holds its connector's lock.
     */
    private void recover(Run run) throws SQLException {
        Optional<ConnectorLock.Held> held = lock.tryLock(run.connector());
        if (held.isEmpty()) {
            LOG.debug("Run {} {} is processing on another instance", run.id(), run.connector());
            return;
        }
        try (ConnectorLock.Held ignored = held.get()) {
            Run now = runs.find(run.id()).orElse(null);
            if (now == null || (now.status() != RunStatus.CREATED && now.status() != RunStatus.PROCESSING)) {
                return;
            }
            String where = now.gatheredBy() == null ? "" : " on " + now.gatheredBy();
            if (now.status() == RunStatus.PROCESSING && now.mode() == RunMode.PREVIEW && runs.hasStaged(now.id())) {
                runs.backToPreview(now.id(), "Ferry stopped" + where + " while this preview was being submitted; submit"
                        + " it again to move the rest of its staged records and finish it");
                LOG.warn("Run {} {} was interrupted by a stop{} while being submitted; it waits as a PREVIEW again",
                        now.id(), now.connector(), where);
                return;
            }
            runs.fail(now.id(), "Ferry stopped" + where + " while this run was gathering; the watermark did not move"
                    + " and the next run repeats the work. Records it had queued are still delivered, and counted here:"
                    + " gathered counts them");
            LOG.warn("Run {} {} was interrupted by a stop{} while gathering; marked FAILED", now.id(), now.connector(),
                    where);
        }
    }

    private void finishDrained() throws SQLException {
        Set<Long> submitted = new HashSet<>();
        for (Run run : runs.withStatus(RunStatus.SUBMITTED)) {
            submitted.add(run.id());
            Map<String, Long> seenEmpty = drained.get(run.id());
            if (seenEmpty == null) {
                long depth;
                try {
                    depth = queueDepth.of(run.connector());
                } catch (Exception e) {
                    LOG.debug("Could not read the queue depth of connector {}", run.connector(), e);
                    continue;
                }
                if (depth == 0) {
                    drained.put(run.id(), view.alive());
                }
            } else if (allBeatSince(seenEmpty)) {
                drained.remove(run.id());
                finish(run);
            }
        }
        drained.keySet().retainAll(submitted);
    }

    private boolean allBeatSince(Map<String, Long> seenEmpty) {
        for (Map.Entry<String, Long> e : seenEmpty.entrySet()) {
            Optional<Long> now = view.beats(e.getKey());
            if (now.isPresent() && now.get() < e.getValue() + BEATS_AFTER_DRAIN) {
                return false;
            }
        }
        return true;
    }

    private void finish(Run run) throws SQLException {
        Optional<Run> finished = runs.finishIfDone(run.id());
        if (finished.isEmpty()) {
            List<String> lost = view.lost();
            long uncounted = run.gathered() - run.delivered() - run.failed();
            finished = runs.finishDrained(run.id(), (lost.isEmpty()
                    ? "Ferry stopped uncleanly while this run was delivering"
                    : "Instance(s) " + String.join(", ", lost) + " stopped uncleanly while this run was delivering")
                    + "; all its records were processed, and the delivered count was completed from the queue ("
                    + uncounted + " record(s) whose outcome was not written)");
        }
        finished.ifPresent(tracker::ended);
    }
}
