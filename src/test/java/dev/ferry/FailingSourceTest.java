package dev.ferry;

import static org.assertj.core.api.Assertions.assertThat;


import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;
import dev.ferry.watermark.Watermark;

/** A connector whose source query breaks at run time, beside one that keeps working. */
class FailingSourceTest {

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private Target target;
    private RunningFerry ferry;

    @BeforeEach
    void start() {
        target = fixture.target();
        ferry = fixture.start();
    }

    @Test
    void aRunWhoseQueryFailsEndsFailedWithItsErrorAndTheWatermarkStaysWhileTheOtherConnectorRuns() throws Exception {
        assertThat(ferry.runAndAwait("invoices-to-erp").status()).isEqualTo(RunStatus.COMPLETED);
        Watermark before = ferry.watermark("invoices-to-erp");
        ferry.sourceUpdate("ALTER TABLE invoices RENAME TO invoices_archived");

        Run failed = ferry.runAndAwait("invoices-to-erp");

        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        // the database's own words, naming the table (H2: "Table "INVOICES" not found", PostgreSQL: "relation ... does not exist")
        assertThat(failed.error()).containsIgnoringCase("invoices").containsAnyOf("not found", "does not exist");
        assertThat(failed.watermarkAfter()).isNull();
        assertThat(ferry.watermark("invoices-to-erp")).isEqualTo(before);

        Run other = ferry.runAndAwait("customers-to-erp");

        assertThat(other.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(other.delivered()).isEqualTo(60);

        // Fixed at the source, the connector picks up where its watermark stood.
        ferry.sourceUpdate("ALTER TABLE invoices_archived RENAME TO invoices");
        ferry.sourceUpdate("UPDATE invoices SET status = 'PAID', updated_at = LOCALTIMESTAMP - INTERVAL '1' MINUTE WHERE id = 9");
        target.forgetRequests();

        Run recovered = ferry.runAndAwait("invoices-to-erp");

        assertThat(recovered.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(recovered.gathered()).isEqualTo(1);
        assertThat(target.received("/erp/invoices")).singleElement()
                .satisfies(body -> assertThat(body.get("status").asText()).isEqualTo("PAID"));
    }
}
