package dev.ferry.queue;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;

/**
 * Every connector's deliver route ({@code from: ferry:queue}) takes its threads from one bounded pool, and only while
 * records are there; its broker transactions hold many records, and the counts stay exact. Each record's idempotency
 * key goes out under the header the component's configuration names.
 */
class DeliveryPoolTest {

    private static final String CUSTOMERS = "customers-to-erp";
    private static final String INVOICES = "invoices-to-erp";
    private static final String POOL_THREAD = " - ferry-delivery";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    @Test
    void twoConnectorsWithFourConsumersEachDeliverOnTwoThreadsAndCountEveryRecordOnce() throws Exception {
        fixture.properties().put("ferry.delivery.threads", "2");
        // transactions of up to 10 records: the runs span many commits
        fixture.properties().put("camel.component.ferry.acknowledge-batch", "10");
        // the idempotency key under the header this back office reads
        fixture.properties().put("camel.component.ferry.idempotency-key-header", "X-Request-Id");
        // a slow back office, so that both connectors have records in flight at once
        fixture.target().server().stubFor(any(urlPathMatching("/erp/.*")).atPriority(1)
                .willReturn(aResponse().withStatus(200).withFixedDelay(15)));
        RunningFerry ferry = fixture.start();
        assertThat(poolThreads()).as("delivery threads before anything was queued").isZero();

        long customers = ferry.fire(CUSTOMERS);
        long invoices = ferry.fire(INVOICES);
        AtomicInteger most = new AtomicInteger();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
            most.accumulateAndGet(poolThreads(), Math::max);
            return ferry.runs().find(customers).map(Run::status).filter(RunStatus::isFinal).isPresent()
                    && ferry.runs().find(invoices).map(Run::status).filter(RunStatus::isFinal).isPresent();
        });

        assertThat(most.get()).as("delivery threads at the busiest moment").isBetween(1, 2);
        Run c = ferry.awaitEnded(customers);
        Run i = ferry.awaitEnded(invoices);
        assertThat(c.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(i.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(c.delivered()).isEqualTo(c.gathered()).isEqualTo(60);
        assertThat(i.delivered()).isEqualTo(i.gathered()).isEqualTo(120);
        // each record exactly once: POSTed, or DELETEd for the customers deleted at the source
        assertThat(fixture.target().customerNumbers("/erp/customers")).hasSize(60).doesNotHaveDuplicates();
        assertThat(fixture.target().requests("/erp/invoices")).hasSize(120).allSatisfy(request -> {
            assertThat(request.getHeader("X-Request-Id")).matches("[0-9a-f]{32}");
            assertThat(request.containsHeader("Idempotency-Key")).isFalse();
        });
    }

    private static int poolThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().endsWith(POOL_THREAD)).count();
    }
}
