package dev.ferry.schedule;

import java.sql.SQLException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In a cluster, what an operator changes on one instance is in the state database, and every
 * {@value #INTERVAL_SECONDS} seconds each instance follows it: each connector's deliver route its toggle, and every
 * connector its run-time schedule. While the state database is away nothing is said here (the run tracker says it
 * once); another failure is a warning.
 */
public final class StateFollower extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(StateFollower.class);
    static final long INTERVAL_SECONDS = 2;

    private final ConnectorSchedules schedules;
    private final Supplier<Iterable<String>> connectors;
    private final ScheduledExecutorService executor;
    private ScheduledFuture<?> task;

    public StateFollower(ConnectorSchedules schedules, Supplier<Iterable<String>> connectors,
                          ScheduledExecutorService executor) {
        this.schedules = schedules;
        this.connectors = connectors;
        this.executor = executor;
    }

    @Override
    protected void doStart() {
        task = executor.scheduleWithFixedDelay(this::follow, INTERVAL_SECONDS, INTERVAL_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    protected void doStop() {
        if (task != null) {
            task.cancel(false);
        }
    }

    private void follow() {
        try {
            schedules.followRunTime();
        } catch (SQLException e) {
            LOG.debug("Run-time schedules could not be read", e);
            return;
        } catch (Exception e) {
            LOG.warn("Following run-time schedules failed: {}", e.toString());
        }
        for (String connector : connectors.get()) {
            try {
                schedules.followToggle(connector);
            } catch (SQLException e) {
                LOG.debug("Connector {}: its toggle could not be read", connector, e);
                return;
            } catch (Exception e) {
                LOG.warn("Connector {}: following its toggle failed: {}", connector, e.toString());
            }
        }
    }
}
