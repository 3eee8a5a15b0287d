package dev.ferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

class TargetHeaderFilterStrategyTest {

    @Test
    void bookkeepingHeadersStayHomeAndDeliberateOnesGoOut() {
        TargetHeaderFilterStrategy filter = new TargetHeaderFilterStrategy();
        DefaultExchange exchange = new DefaultExchange(new DefaultCamelContext());

        assertThat(filter.applyFilterToCamelHeaders("FerryRunId", 7L, exchange)).isTrue();
        assertThat(filter.applyFilterToCamelHeaders("FerryIdempotencyKey", "k", exchange)).isTrue();
        assertThat(filter.applyFilterToCamelHeaders("JMSMessageID", "ID:1", exchange)).isTrue();
        assertThat(filter.applyFilterToCamelHeaders("JMSXGroupID", "42", exchange)).isTrue();
        assertThat(filter.applyFilterToCamelHeaders("CamelHttpResponseCode", 200, exchange)).isTrue();

        assertThat(filter.applyFilterToCamelHeaders("Idempotency-Key", "k", exchange)).isFalse();
        assertThat(filter.applyFilterToCamelHeaders("X-Tenant", "acme", exchange)).isFalse();
    }
}
