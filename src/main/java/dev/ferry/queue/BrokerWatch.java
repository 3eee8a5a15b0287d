package dev.ferry.queue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.security.Redact;

/**
 * One log line when the broker becomes unreachable and one when it answers again, with how long it was away —
 * instead of a line from every consumer's and every pooled session's recovery (Spring's listener container and
 * pooled-jms are rate-limited in the logging configuration). Ferry's consumers and runs reconnect by themselves
 * (the broker URL's {@code reconnectAttempts=-1}); this only says so. Probes with a new connection, as the
 * readiness check does, every {@value #INTERVAL_SECONDS} seconds.
 */
public final class BrokerWatch extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerWatch.class);
    static final long INTERVAL_SECONDS = 5;

    private final ConnectionFactory broker;
    private final String url;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private volatile Instant awaySince;

    public BrokerWatch(ConnectionFactory broker, String url, Clock clock, ScheduledExecutorService executor) {
        this.broker = broker;
        this.url = Redact.urls(url);
        this.clock = clock;
        this.executor = executor;
    }

    @Override
    protected void doStart() {
        executor.scheduleWithFixedDelay(this::probe, INTERVAL_SECONDS, INTERVAL_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    protected void doStop() {
        executor.shutdownNow();
    }

    /** Whether the broker answered the last probe. */
    public boolean reachable() {
        return awaySince == null;
    }

    void probe() {
        String problem = null;
        try (Connection c = broker.createConnection()) {
            c.getMetaData();
        } catch (Exception e) {
            problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        Instant now = clock.instant();
        if (problem != null && awaySince == null) {
            awaySince = now;
            LOG.warn("The broker at {} is unreachable since {} ({}): runs fail and deliveries wait; Ferry reconnects by"
                    + " itself and says so here", url, now, Redact.urls(problem));
        } else if (problem == null && awaySince != null) {
            LOG.info("The broker at {} answers again, after {} s away; deliveries resume", url,
                    Duration.between(awaySince, now).toSeconds());
            awaySince = null;
        }
    }
}
