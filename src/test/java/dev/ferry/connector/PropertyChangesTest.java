package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** Which connectors an edit of the configuration files concerns, from the values alone. */
class PropertyChangesTest {

    private static final Path CUSTOMERS = Path.of("routes/customers-to-erp.camel.yaml");
    private static final Path INVOICES = Path.of("routes/invoices-to-erp.camel.yaml");
    private static final Map<Path, String> CONNECTORS = Map.of(CUSTOMERS, "customers-to-erp", INVOICES, "invoices-to-erp");

    @Test
    void changedAddedAndRemovedKeysGoToTheirConnectorsFileTheRestIsGlobal() {
        Map<String, String> accepted = Map.of("customers-to-erp.schedule.cron", "0 0 2 * * ?",
                "invoices-to-erp.batch-size", "10", "ferry.delivery.threads", "16", "unchanged.key", "x");
        Map<String, String> now = Map.of("customers-to-erp.schedule.cron", "0 0 3 * * ?",
                "customers-to-erp.target.url", "https://erp.example.com", "ferry.delivery.threads", "8", "unchanged.key", "x");

        PropertyChanges changes = PropertyChanges.of(accepted, now, Set.of(), CONNECTORS);

        assertThat(changes.byFile()).containsOnlyKeys(CUSTOMERS, INVOICES);
        assertThat(changes.byFile().get(CUSTOMERS)).containsExactly("customers-to-erp.schedule.cron",
                "customers-to-erp.target.url");
        assertThat(changes.byFile().get(INVOICES)).containsExactly("invoices-to-erp.batch-size");
        assertThat(changes.global()).containsExactly("ferry.delivery.threads");
        assertThat(changes.restored()).isEmpty();
        assertThat(changes.none()).isFalse();
    }

    @Test
    void aHeldKeyWhoseFileHasTheValueInEffectAgainIsRestoredAndNothingElseChanged() {
        Map<String, String> values = Map.of("customers-to-erp.schedule.cron", "0 0 2 * * ?");

        PropertyChanges back = PropertyChanges.of(values, values, Set.of("customers-to-erp.schedule.cron"), CONNECTORS);
        assertThat(back.restored()).containsExactly("customers-to-erp.schedule.cron");
        assertThat(back.byFile()).isEmpty();
        assertThat(back.global()).isEmpty();

        assertThat(PropertyChanges.of(values, values, Set.of(), CONNECTORS).none()).isTrue();
    }

    @Test
    void aKeyBelongsToAConnectorOnlyWithTheDotAfterItsId() {
        Map<String, String> now = Map.of("customers-to-erp-copy.batch-size", "5");

        PropertyChanges changes = PropertyChanges.of(Map.of(), now, Set.of(), CONNECTORS);

        assertThat(changes.byFile()).isEmpty();
        assertThat(changes.global()).containsExactly("customers-to-erp-copy.batch-size");
    }
}
