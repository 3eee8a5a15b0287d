package dev.ferry.delivery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;

/**
 * Headers a deliver route sends to the target: Camel's usual HTTP filter, plus none of the JMS
 * properties and Ferry bookkeeping headers that every queued record carries. What a route sets on
 * purpose ({@code Idempotency-Key}, {@code Content-Type}, custom headers) still goes out.
 *
 * <p>Camel's filter compares each header's name with each name it filters, ignoring case, for every header of
 * every request and answer; its answer depends on the name alone (for a header with a value), so it is kept per
 * name. The names are the routes' and the target's: a target that answers with ever new names fills the memo up
 * to {@link #REMEMBERED_NAMES} and no further.
 *
 * <p>Bound as {@code ferryTargetHeaders}; deliver routes use it with
 * {@code headerFilterStrategy: "#ferryTargetHeaders"}.
 */
public final class TargetHeaderFilterStrategy extends HttpHeaderFilterStrategy {

    static final int REMEMBERED_NAMES = 512;

    private final Map<String, Boolean> toTarget = new ConcurrentHashMap<>();
    private final Map<String, Boolean> fromTarget = new ConcurrentHashMap<>();

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

    @Override
    public boolean applyFilterToCamelHeaders(String name, Object value, Exchange exchange) {
        return remembered(toTarget, name, value, () -> super.applyFilterToCamelHeaders(name, value, exchange));
    }

    @Override
    public boolean applyFilterToExternalHeaders(String name, Object value, Exchange exchange) {
        return remembered(fromTarget, name, value, () -> super.applyFilterToExternalHeaders(name, value, exchange));
    }

    /** Camel's answer for a header with a value, kept per name while the memo has room; asked afresh otherwise. */
    private static boolean remembered(Map<String, Boolean> memo, String name, Object value, BooleanSupplier camel) {
        if (name == null || value == null) {
            return camel.getAsBoolean();
        }
        Boolean known = memo.get(name);
        if (known != null) {
            return known;
        }
        boolean filtered = camel.getAsBoolean();
        if (memo.size() < REMEMBERED_NAMES) {
            memo.put(name, filtered);
        }
        return filtered;
    }
}
