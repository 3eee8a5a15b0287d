package dev.ferry.component;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ServiceStatus;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.queue.BatchHeaders;
import dev.ferry.queue.RecordHeaders;

/**
 * What {@code ferry:delivered} and {@code ferry:failed} share: they record the outcome of delivering one queued
 * message — one record, or every record of a batch — from the message's {@code Ferry*} headers, and hold the
 * message while the state database is away rather than lose or repeat the outcome.
 */
abstract class OutcomeProducer extends SynchronousProducer {

    static final Logger LOG = LoggerFactory.getLogger("dev.ferry.delivery");

    OutcomeProducer(FerryEndpoint endpoint) {
        super(endpoint);
    }

    FerryServices services() {
        return getEndpoint().services();
    }

    /**
     * Counts {@code records} delivered (or failed) for their run: at once when the message came through camel-jms,
     * which acknowledges it after the route; with the broker transaction that acknowledges it when it came through
     * {@code ferry:queue} ({@link PendingOutcomes}).
     */
    void count(Exchange exchange, String connector, long runId, int records, boolean delivered) {
        PendingOutcomes pending = PendingOutcomes.of(exchange);
        if (pending != null) {
            if (delivered) {
                pending.delivered(connector, runId, records);
            } else {
                pending.failed(connector, runId, records);
            }
        } else if (delivered) {
            services().tracker().delivered(connector, runId, records);
        } else {
            services().tracker().failed(connector, runId, records);
        }
    }

    /** Writes to the state database. */
    @FunctionalInterface
    interface StateWrite {
        void run() throws SQLException;
    }

    /**
     * Runs {@code write}; while it fails because the state database is unreachable, holds the message and
     * tries again with back-off (1 s doubling to {@link #HOLD_MAX_BACKOFF}) until the database answers or
     * the route stops. Holding keeps order and spares the target: given back, the message would come again
     * at once and be delivered again, and again, while the database is away. Holding also holds the
     * records behind it in the consumer's groups, which is right: none of them could be recorded either.
     * A failure with the database reachable (a bug, not an outage) is thrown as before.
     */
    protected void whileStateAway(Exchange exchange, String connector, List<String> keys, StateWrite write)
            throws Exception {
        long started = System.nanoTime();
        Duration backoff = Duration.ofSeconds(1);
        for (int attempt = 1; ; attempt++) {
            try {
                write.run();
                if (attempt > 1) {
                    LOG.info("Connector {}: the state database is back; recorded {} after holding it {} s", connector,
                            what(keys), Duration.ofNanos(System.nanoTime() - started).toSeconds());
                }
                return;
            } catch (SQLException e) {
                if (!outage(e) || !routeRunning(exchange)) {
                    throw e;
                }
                if (attempt == 1) {
                    LOG.warn("Connector {}: cannot record the outcome of {}, the state database is unreachable ({});"
                            + " holding it, and the records behind it, until the database answers", connector,
                            what(keys), e.getMessage());
                }
                if (!pause(exchange, backoff)) {
                    throw e;
                }
                backoff = backoff.multipliedBy(2).compareTo(HOLD_MAX_BACKOFF) > 0 ? HOLD_MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /**
     * Whether a failed write means the state database is away, not that the write is wrong: a connection
     * error (SQLState class 08, an administrator's shutdown 57P, too many connections 53300, the pool's
     * timeout) — also on the first try after an outage, on a pooled connection the server ended — or
     * any error while the database does not answer.
     */
    private boolean outage(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLRecoverableException
                    || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && (sql.getSQLState().startsWith("08")
                    || sql.getSQLState().startsWith("57P") || sql.getSQLState().equals("53300"))) {
                return true;
            }
        }
        return !services().failures().reachable();
    }

    private static final Duration HOLD_MAX_BACKOFF = Duration.ofSeconds(16);

    /** Waits {@code time}, or less when the route stops meanwhile; returns whether the route still runs. */
    private static boolean pause(Exchange exchange, Duration time) throws InterruptedException {
        long until = System.nanoTime() + time.toNanos();
        while (System.nanoTime() < until) {
            if (!routeRunning(exchange)) {
                return false;
            }
            Thread.sleep(Math.min(200, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        }
        return routeRunning(exchange);
    }

    private static boolean routeRunning(Exchange exchange) {
        org.apache.camel.CamelContext camel = exchange.getContext();
        if (camel.isStopping() || camel.isStopped()) {
            return false;
        }
        String id = exchange.getFromRouteId();
        org.apache.camel.Route route = id == null ? null : camel.getRoute(id);
        if (route == null) {
            return true;
        }
        // a route being stopped (reload, toggle, shutdown) suspends or stops its consumer first
        if (route.getConsumer() instanceof ServiceSupport consumer
                && (consumer.isSuspendingOrSuspended() || consumer.isStoppingOrStopped())) {
            return false;
        }
        return camel.getRouteController().getRouteStatus(id) == ServiceStatus.Started;
    }

    static String what(List<String> keys) {
        return keys.size() == 1 ? "record " + keys.get(0)
                : "batch of " + keys.size() + " records (" + String.join(", ", keys.subList(0, Math.min(5, keys.size())))
                        + (keys.size() > 5 ? ", ..." : "") + ")";
    }

    static boolean batch(Message m) {
        Integer count = m.getHeader(RecordHeaders.RECORD_COUNT, Integer.class);
        return count != null && count > 1;
    }

    /** The key of a single-record message, or the keys of a batch. */
    static List<String> keys(Message m) {
        return batch(m) ? BatchHeaders.read(required(m, RecordHeaders.RECORD_KEYS, String.class))
                : List.of(required(m, RecordHeaders.RECORD_KEY, String.class));
    }

    static <T> T required(Message m, String header, Class<T> type) {
        T value = m.getHeader(header, type);
        if (value == null) {
            throw new IllegalStateException("Header " + header + " is missing: ferry:delivered and ferry:failed belong"
                    + " in a deliver route that consumes a Ferry sync queue");
        }
        return value;
    }
}
