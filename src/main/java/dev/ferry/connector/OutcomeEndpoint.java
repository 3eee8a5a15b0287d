package dev.ferry.connector;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.ServiceStatus;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.support.DefaultProducer;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.delivery.DeliveryError;
import dev.ferry.queue.BatchHeaders;
import dev.ferry.queue.RecordHeaders;
import dev.ferry.runs.Failure;

/**
 * {@code ferry:delivered} and {@code ferry:failed}: record the outcome of delivering one queued message
 * — one record, or every record of a batch. Both read the message's {@code Ferry*} headers;
 * {@code ferry:failed} also reads the exception that the error handler caught.
 */
final class OutcomeEndpoint extends DefaultEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger("dev.ferry.delivery");

    enum Outcome {
        DELIVERED, FAILED
    }

    private final Outcome outcome;

    OutcomeEndpoint(String uri, FerryComponent component, Outcome outcome) {
        super(uri, component);
        this.outcome = outcome;
    }

    @Override
    public FerryComponent getComponent() {
        return (FerryComponent) super.getComponent();
    }

    @Override
    public Producer createProducer() {
        return new DefaultProducer(this) {
            @Override
            public void process(Exchange exchange) throws Exception {
                if (outcome == Outcome.DELIVERED) {
                    delivered(exchange);
                } else {
                    failed(exchange);
                }
            }
        };
    }

    private void delivered(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        long runId = required(m, RecordHeaders.RUN_ID, Long.class);
        String connector = required(m, RecordHeaders.CONNECTOR, String.class);
        if (Boolean.TRUE.equals(m.getHeader(RecordHeaders.LEDGER_CHECK, Boolean.class))) {
            List<String> keys = keys(m);
            whileStateAway(exchange, connector, keys, () -> {
                for (String key : keys) {
                    getComponent().failures().resolve(connector, key, runId);
                }
            });
        }
        // Counted last: only once nothing above can fail any more.
        getComponent().tracker().delivered(connector, runId, batch(m) ? m.getHeader(RecordHeaders.RECORD_COUNT, Integer.class) : 1);
    }

    private void failed(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        String connector = required(m, RecordHeaders.CONNECTOR, String.class);
        long runId = required(m, RecordHeaders.RUN_ID, Long.class);
        List<String> keys = keys(m);
        List<String> versions = batch(m)
                ? BatchHeaders.read(required(m, RecordHeaders.RECORD_VERSIONS, String.class))
                : java.util.Collections.singletonList(m.getHeader(RecordHeaders.RECORD_VERSION, String.class));
        DeliveryError error = DeliveryError.of(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
        int maxAttempts = getComponent().connectors().find(connector).map(Connector::maxAttempts)
                .orElse(getComponent().getMaxAttempts());
        int[] parked = new int[1];
        whileStateAway(exchange, connector, keys, () -> {
            parked[0] = 0;
            for (int i = 0; i < keys.size(); i++) {
                Failure.Status status = getComponent().failures().record(connector, keys.get(i),
                        i < versions.size() ? versions.get(i) : null, runId, error.httpStatus(), error.text(), maxAttempts);
                parked[0] += status == Failure.Status.PARKED ? 1 : 0;
            }
        });
        getComponent().tracker().failed(connector, runId, keys.size());
        LOG.warn("Connector {}: {} failed in run {}{}: {}", connector, what(keys), runId,
                parked[0] == 0 ? "" : (keys.size() == 1 ? " and is parked" : "; " + parked[0] + " of them parked")
                        + " (failed in " + maxAttempts + " runs)", error.text());
    }

    /** Writes to the state database. */
    @FunctionalInterface
    private interface StateWrite {
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
    private void whileStateAway(Exchange exchange, String connector, List<String> keys, StateWrite write)
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
            if (t instanceof java.sql.SQLTransientConnectionException || t instanceof java.sql.SQLRecoverableException
                    || t instanceof java.sql.SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && (sql.getSQLState().startsWith("08")
                    || sql.getSQLState().startsWith("57P") || sql.getSQLState().equals("53300"))) {
                return true;
            }
        }
        return !getComponent().failures().reachable();
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

    private static String what(List<String> keys) {
        return keys.size() == 1 ? "record " + keys.get(0)
                : "batch of " + keys.size() + " records (" + String.join(", ", keys.subList(0, Math.min(5, keys.size())))
                        + (keys.size() > 5 ? ", ..." : "") + ")";
    }

    private static boolean batch(Message m) {
        Integer count = m.getHeader(RecordHeaders.RECORD_COUNT, Integer.class);
        return count != null && count > 1;
    }

    /** The key of a single-record message, or the keys of a batch. */
    private static List<String> keys(Message m) {
        return batch(m) ? BatchHeaders.read(required(m, RecordHeaders.RECORD_KEYS, String.class))
                : List.of(required(m, RecordHeaders.RECORD_KEY, String.class));
    }

    private static <T> T required(Message m, String header, Class<T> type) {
        T value = m.getHeader(header, type);
        if (value == null) {
            throw new IllegalStateException("Header " + header + " is missing: ferry:delivered and ferry:failed belong"
                    + " in a deliver route that consumes a Ferry sync queue");
        }
        return value;
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("ferry:" + outcome.name().toLowerCase() + " is a step (to:), not a consumer");
    }
}
