package dev.ferry.connector;

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
import dev.ferry.queue.RecordHeaders;
import dev.ferry.runs.Failure;

/**
 * {@code ferry:delivered} and {@code ferry:failed}: record the outcome of delivering one queued record.
 * Both read the record's {@code Ferry*} headers; {@code ferry:failed} also reads the exception that the
 * error handler caught.
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
        if (Boolean.TRUE.equals(m.getHeader(RecordHeaders.LEDGER_CHECK, Boolean.class))) {
            getComponent().failures().resolve(required(m, RecordHeaders.CONNECTOR, String.class),
                    required(m, RecordHeaders.RECORD_KEY, String.class), runId);
        }
        // Counted last: only once nothing above can fail any more.
        getComponent().tracker().delivered(runId);
    }

    private void failed(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        String connector = required(m, RecordHeaders.CONNECTOR, String.class);
        String key = required(m, RecordHeaders.RECORD_KEY, String.class);
        long runId = required(m, RecordHeaders.RUN_ID, Long.class);
        DeliveryError error = DeliveryError.of(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
        int maxAttempts = getComponent().connectors().find(connector).map(Connector::maxAttempts)
                .orElse(getComponent().getMaxAttempts());
        Failure.Status status = getComponent().failures().record(connector, key,
                m.getHeader(RecordHeaders.RECORD_VERSION, String.class), runId, error.httpStatus(), error.text(), maxAttempts);
        getComponent().tracker().failed(runId);
        LOG.warn("Connector {}: record {} failed in run {}{}: {}", connector, key, runId,
                status == Failure.Status.PARKED ? " and is parked (failed in " + maxAttempts + " runs)" : "", error.text());
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
