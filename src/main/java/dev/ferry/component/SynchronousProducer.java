package dev.ferry.component;

import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProducer;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultAsyncProducer;

/**
 * A producer that does its work on the calling thread, as every {@code ferry:} producer does, presented to Camel
 * as an {@link AsyncProducer}. Camel wraps a producer that is not one in a bridge whose {@code equals} compares
 * the producers it wraps, and looks every producer a route starts up among all the services it holds with that
 * {@code equals}: adding a thousand connectors' routes spent 7 % of the loading thread in those comparisons.
 * An asynchronous producer is not wrapped (its lookup compares identities), and no bridge runs per exchange.
 */
abstract class SynchronousProducer extends DefaultAsyncProducer {

    SynchronousProducer(FerryEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public FerryEndpoint getEndpoint() {
        return (FerryEndpoint) super.getEndpoint();
    }

    /** Does the producer's work on the calling thread; what it throws becomes the exchange's exception. */
    abstract void processNow(Exchange exchange) throws Exception;

    @Override
    public final void process(Exchange exchange) throws Exception {
        processNow(exchange);
    }

    @Override
    public final boolean process(Exchange exchange, AsyncCallback callback) {
        try {
            processNow(exchange);
        } catch (Throwable failure) {
            exchange.setException(failure);
        }
        callback.done(true);
        return true;
    }
}
