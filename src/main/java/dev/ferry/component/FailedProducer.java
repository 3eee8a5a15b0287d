package dev.ferry.component;

import java.util.Collections;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

import dev.ferry.connector.Connector;
import dev.ferry.delivery.DeliveryError;
import dev.ferry.queue.BatchHeaders;
import dev.ferry.queue.RecordHeaders;
import dev.ferry.runs.Failure;

/**
 * {@code ferry:failed}, in the delivery error handling: the record (or the batch) finally failed. Records each in
 * the failure ledger with the error the handler caught (HTTP status, the target's answer), parks those that failed
 * in {@code maxAttempts} runs, and counts them failed for their run.
 */
final class FailedProducer extends OutcomeProducer {

    FailedProducer(FerryEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    void processNow(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        String connector = required(m, RecordHeaders.CONNECTOR, String.class);
        long runId = required(m, RecordHeaders.RUN_ID, Long.class);
        List<String> keys = keys(m);
        List<String> versions = batch(m)
                ? BatchHeaders.read(required(m, RecordHeaders.RECORD_VERSIONS, String.class))
                : Collections.singletonList(m.getHeader(RecordHeaders.RECORD_VERSION, String.class));
        DeliveryError error = DeliveryError.of(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
        int maxAttempts = services().connectors().find(connector).map(Connector::maxAttempts)
                .orElse(getEndpoint().getComponent().getMaxAttempts());
        int[] parked = new int[1];
        whileStateAway(exchange, connector, keys, () -> {
            parked[0] = 0;
            for (int i = 0; i < keys.size(); i++) {
                Failure.Status status = services().failures().record(connector, keys.get(i),
                        i < versions.size() ? versions.get(i) : null, runId, error.httpStatus(), error.text(), maxAttempts);
                parked[0] += status == Failure.Status.PARKED ? 1 : 0;
            }
        });
        count(exchange, connector, runId, keys.size(), false);
        LOG.warn("Connector {}: {} failed in run {}{}: {}", connector, what(keys), runId,
                parked[0] == 0 ? "" : (keys.size() == 1 ? " and is parked" : "; " + parked[0] + " of them parked")
                        + " (failed in " + maxAttempts + " runs)", error.text());
    }
}
