package dev.ferry.component;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

import dev.ferry.queue.RecordHeaders;

/**
 * {@code ferry:delivered}, the last step of a deliver route: the record (or the batch) reached the target. Resolves
 * its failure-ledger entries when it was a retry, then counts it delivered for its run.
 */
final class DeliveredProducer extends OutcomeProducer {

    DeliveredProducer(FerryEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    void processNow(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        long runId = required(m, RecordHeaders.RUN_ID, Long.class);
        String connector = required(m, RecordHeaders.CONNECTOR, String.class);
        if (Boolean.TRUE.equals(m.getHeader(RecordHeaders.LEDGER_CHECK, Boolean.class))) {
            List<String> keys = keys(m);
            whileStateAway(exchange, connector, keys, () -> {
                for (String key : keys) {
                    services().failures().resolve(connector, key, runId);
                }
            });
        }
        // Counted last: only once nothing above can fail any more.
        count(exchange, connector, runId, batch(m) ? m.getHeader(RecordHeaders.RECORD_COUNT, Integer.class) : 1, true);
    }
}
