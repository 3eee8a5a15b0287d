package dev.ferry.delivery;

import org.apache.camel.http.base.HttpHeaderFilterStrategy;

/**
 * Headers a deliver route sends to the target: Camel's usual HTTP filter, plus none of the JMS
 * properties and Ferry bookkeeping headers that every queued record carries. What a route sets on
 * purpose ({@code Idempotency-Key}, {@code Content-Type}, custom headers) still goes out.
 *
 * <p>Bound as {@code ferryTargetHeaders}; deliver routes use it with
 * {@code headerFilterStrategy: "#ferryTargetHeaders"}.
 */
public final class TargetHeaderFilterStrategy extends HttpHeaderFilterStrategy {

    @Override
    protected void initialize() {
        super.initialize();
        String[] camel = CAMEL_FILTER_STARTS_WITH;
        String[] filtered = new String[camel.length + 3];
        System.arraycopy(camel, 0, filtered, 0, camel.length);
        filtered[camel.length] = "Ferry";
        filtered[camel.length + 1] = "JMS";
        filtered[camel.length + 2] = "jms";
        setOutFilterStartsWith(filtered);
    }
}
