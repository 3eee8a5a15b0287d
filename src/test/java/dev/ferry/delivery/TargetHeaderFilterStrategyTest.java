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

    /** The answers are kept per name; asked again, and after the memo is full, they are the same. */
    @Test
    void answersAreTheSameWhenAskedAgainAndBeyondTheRememberedNames() {
        TargetHeaderFilterStrategy filter = new TargetHeaderFilterStrategy();
        DefaultExchange exchange = new DefaultExchange(new DefaultCamelContext());
        for (int i = 0; i < TargetHeaderFilterStrategy.REMEMBERED_NAMES + 10; i++) {
            assertThat(filter.applyFilterToExternalHeaders("X-Answer-" + i, "v", exchange)).isFalse();
        }
        for (int round = 0; round < 2; round++) {
            assertThat(filter.applyFilterToCamelHeaders("FerryRunId", 7L, exchange)).isTrue();
            assertThat(filter.applyFilterToCamelHeaders("Idempotency-Key", "k", exchange)).isFalse();
            assertThat(filter.applyFilterToCamelHeaders("Idempotency-Key", null, exchange)).isTrue();
            assertThat(filter.applyFilterToExternalHeaders("X-Request-Id", "r", exchange)).isFalse();
        }
    }
}
