package dev.ferry.cluster;

import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.cluster.Instances.Instance;
import dev.ferry.runs.RunTracker;

/**
 * This instance's heartbeat in the state database. A beat first writes the run counts this instance holds in
 * memory, so a beat that another instance sees after a moment means that everything counted here before that
 * moment is written: what {@link RunRecovery} waits for before it completes a run's counts from its queue.
 * A clean stop writes the counts once more and says so, and the others need not wait for this instance.
 */
public final class Heartbeat extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);

    private final Instances instances;
    private final InstanceName name;
    private final String version;
    private final RunTracker tracker;
    private final ScheduledExecutorService executor;
    private final Duration interval;
    private final String incarnation = UUID.randomUUID().toString();
    private ScheduledFuture<?> task;
    /** Set once this name was taken over by another process: said once, not at every beat. */
    private volatile boolean displaced;

    public Heartbeat(Instances instances, InstanceName name, String version, RunTracker tracker,
                     ScheduledExecutorService executor, Duration interval) {
        this.instances = instances;
        this.name = name;
        this.version = version;
        this.tracker = tracker;
        this.executor = executor;
        this.interval = interval;
    }

    @Override
    protected void doStart() throws Exception {
        Instance before = instances.register(name.name(), name.host(), version, incarnation);
        if (before != null && !before.stopped()) {
            LOG.info("Ferry instance {} starts again; its last run of Ferry (on {}, since {}) did not stop cleanly",
                    name.name(), before.host(), before.startedAt());
        }
        task = executor.scheduleWithFixedDelay(this::beatQuietly, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** One beat now (tests; the schedule calls it every interval). */
    public void beat() throws SQLException {
        tracker.flush();
        if (!instances.beat(name.name(), incarnation) && !displaced) {
            displaced = true;
            Instance other = instances.find(name.name());
            LOG.error("Another Ferry process registered the instance name {} (on {}, at {}): every instance of a"
                    + " cluster needs a name of its own (ferry.instance-name); runs may be recovered under this one while"
                    + " it runs", name.name(), other == null ? "?" : other.host(), other == null ? "?" : other.startedAt());
        }
    }

    private void beatQuietly() {
        try {
            beat();
        } catch (Exception e) {
            // the run tracker says when the state database is away, once; the beat resumes with it
            LOG.debug("Heartbeat of {} not written", name.name(), e);
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (task != null) {
            task.cancel(false);
        }
        try {
            // the routes have stopped: nothing is counted after this
            tracker.flush();
            instances.stopped(name.name(), incarnation);
        } catch (SQLException e) {
            LOG.warn("Could not record the stop of instance {} in the state database ({}); the others take it for gone"
                    + " once its heartbeat has stood still", name.name(), e.toString());
        }
    }

    public String incarnation() {
        return incarnation;
    }
}
