package dev.ferry.connector;

import java.util.List;

import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.support.DefaultProducer;
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
            for (String key : keys(m)) {
                getComponent().failures().resolve(connector, key, runId);
            }
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
        int parked = 0;
        for (int i = 0; i < keys.size(); i++) {
            Failure.Status status = getComponent().failures().record(connector, keys.get(i),
                    i < versions.size() ? versions.get(i) : null, runId, error.httpStatus(), error.text(), maxAttempts);
            parked += status == Failure.Status.PARKED ? 1 : 0;
        }
        getComponent().tracker().failed(connector, runId, keys.size());
        String what = keys.size() == 1 ? "record " + keys.get(0)
                : "batch of " + keys.size() + " records (" + String.join(", ", keys.subList(0, Math.min(5, keys.size())))
                        + (keys.size() > 5 ? ", ..." : "") + ")";
        LOG.warn("Connector {}: {} failed in run {}{}: {}", connector, what, runId,
                parked == 0 ? "" : (keys.size() == 1 ? " and is parked" : "; " + parked + " of them parked")
                        + " (failed in " + maxAttempts + " runs)", error.text());
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
