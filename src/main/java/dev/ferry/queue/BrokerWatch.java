package dev.ferry.queue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.security.Redact;

/**
 * One log line when the broker becomes unreachable and one when it answers again, with how long it was away —
 * instead of a line from every consumer's and every pooled session's recovery (Spring's listener container and
 * pooled-jms lose their connection-failure lines in the logging configuration). Ferry's consumers and runs reconnect
 * by themselves (the broker URL's {@code reconnectAttempts=-1}); this only says so. Probes with a new connection
 * every {@value #INTERVAL_SECONDS} seconds, from a factory that tries once ({@link #probeFactory}), so that a probe
 * answers in seconds however long the URL lets Ferry's own connections retry.
 */
public final class BrokerWatch extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerWatch.class);
    static final long INTERVAL_SECONDS = 5;
    private static final long PROBE_TIMEOUT_MILLIS = 5_000;

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

    /** A factory for the probes: the broker URL's, connecting once without retries, and waiting 5 s for an answer. */
    public static ActiveMQConnectionFactory probeFactory(String url, String user, String password) {
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url, user, password);
        factory.setInitialConnectAttempts(1);
        factory.setReconnectAttempts(0);
        factory.setCallTimeout(PROBE_TIMEOUT_MILLIS);
        factory.setConnectionTTL(PROBE_TIMEOUT_MILLIS * 2);
        factory.setDeserializationDenyList("*");
        return factory;
    }

    /** Whether the broker answered the last probe. */
    public boolean reachable() {
        return awaySince == null;
    }

    void probe() {
        // a probe that fails may take its connection timeout: the outage began no later than its start
        Instant attempt = clock.instant();
        String problem = null;
        try (Connection c = broker.createConnection()) {
            c.getMetaData();
        } catch (Exception e) {
            problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            LOG.debug("Broker probe failed", e);
        }
        Instant now = clock.instant();
        if (problem != null && awaySince == null) {
            awaySince = attempt;
            LOG.warn("The broker at {} is unreachable since {} ({}): runs fail and deliveries wait; Ferry reconnects by"
                    + " itself and says so here", url, attempt, Redact.urls(problem));
        } else if (problem == null && awaySince != null) {
            LOG.info("The broker at {} answers again, after {} s away; deliveries resume", url,
                    Duration.between(awaySince, now).toSeconds());
            awaySince = null;
        }
    }
}
