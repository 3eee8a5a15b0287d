package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.ferry.gather.Source;

class ConnectorTest {

    private static final Source SOURCE = new Source(null, "t", null, "updated_at", "id", 10, Duration.ZERO);

    @Test
    void anIdIsLowerCaseWithDashesAndTheQueueIsUnderFerry() {
        assertThat(new Connector("customers-to-erp", SOURCE, Connector.defaultQueue("customers-to-erp"), 500, 10).queue())
                .isEqualTo("ferry.customers-to-erp");
        assertThatThrownBy(() -> new Connector("Customers_To_ERP", SOURCE, "ferry.x", 500, 10))
                .hasMessageContaining("connector id must be lower-case letters, digits and dashes");
        // Only ferry.# addresses carry the settings that keep records from being dropped or dead-lettered.
        assertThatThrownBy(() -> new Connector("c", SOURCE, "orders.out", 500, 10))
                .hasMessage("queue must start with 'ferry.', was 'orders.out'");
        assertThatThrownBy(() -> new Connector("c", SOURCE, "ferry.c", 0, 10)).hasMessageContaining("transactionSize");
        assertThatThrownBy(() -> new Connector("c", SOURCE, "ferry.c", 500, 0)).hasMessageContaining("maxAttempts");
    }
}
