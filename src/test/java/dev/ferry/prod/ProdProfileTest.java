package dev.ferry.prod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.PostgresServer;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.StandaloneBroker;
import dev.ferry.support.Target;

/**
 * The prod profile with the real route files: state in PostgreSQL, the sync queues on an Artemis broker in a JVM
 * of its own, the connectors' source in PostgreSQL; connection values as the environment would give them.
 */
class ProdProfileTest {

    private static final String C = "customers-to-erp";

    @TempDir
    Path data;
    private StandaloneBroker broker;
    private Target target;
    private RunningFerry ferry;

    @BeforeEach
    void startBroker() throws Exception {
        broker = StandaloneBroker.start(data.resolve("broker"));
        target = new Target();
    }

    @AfterEach
    void stop() throws Exception {
        if (ferry != null) {
            ferry.close();
        }
        target.close();
        broker.close();
    }

    /** What an operator puts in the environment (or the secrets file), plus the test's own ports. */
    private Map<String, String> environment() {
        return broker.prodProperties(data.resolve("ferry"), target);
    }

    @Test
    void theRealConnectorsSyncThroughAnExternalBrokerWithStateInPostgres() throws Exception {
        ferry = RunningFerry.start(Path.of("config/application.properties"), "prod", environment(), null);

        Run run = ferry.runAndAwait(C);

        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.delivered()).isEqualTo(60);
        assertThat(target.customerNumbers("/erp/customers")).hasSize(60).doesNotHaveDuplicates();
        assertThat(ferry.runAndAwait("invoices-to-erp").delivered()).isEqualTo(120);
        assertThat(Files.readString(data.resolve("broker/broker.log"))).doesNotContain("ERROR");
    }

    @Test
    void aBrokerRestartedDuringDeliveryLosesNoRecordAndFerryReconnectsByItself() throws Exception {
        // a slow target, so that the broker goes down while records are being delivered
        target.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching("/erp/.*")).atPriority(5)
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200)
                        .withFixedDelay(40)));
        ferry = RunningFerry.start(Path.of("config/application.properties"), "prod", environment(), null);

        long runId = ferry.fire(C);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> target.requests("/erp/customers").size() >= 10);
        broker.kill();
        broker.start();

        Run run = ferry.awaitEnded(runId);
        assertThat(run.status()).isIn(RunStatus.COMPLETED, RunStatus.INCOMPLETE);
        // every customer reached the target or is in the failure ledger: never silently short
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).untilAsserted(() -> {
            java.util.Set<String> delivered = new java.util.HashSet<>(target.customerNumbers("/erp/customers"));
            java.util.Set<String> failed = new java.util.HashSet<>();
            ferry.failures().list(C, null, 0, 1000).items().forEach(f -> failed.add(String.format("C-%06d", Long.parseLong(f.recordKey()))));
            assertThat(delivered.size() + failed.size()).isEqualTo(60);
        });
        // duplicates only as the same delivery again: one Idempotency-Key per customer
        java.util.Map<String, java.util.Set<String>> keys = new java.util.HashMap<>();
        for (var request : target.requests("/erp/customers")) {
            String number = new com.fasterxml.jackson.databind.ObjectMapper().readTree(request.getBodyAsString())
                    .get("customerNumber").asText();
            keys.computeIfAbsent(number, n -> new java.util.HashSet<>()).add(request.getHeader("Idempotency-Key"));
        }
        assertThat(keys.values()).allSatisfy(k -> assertThat(k).hasSize(1));
        // and Ferry goes on without a restart. A run that starts while a pooled connection is still reconnecting
        // can fail (once seen under load: the client waited its 30 s call timeout for the restarted broker's answer
        // to its failover check); it moves no watermark, and the next run repeats it
        ferry.sourceUpdate("UPDATE customers SET updated_at = LOCALTIMESTAMP - INTERVAL '10' SECOND WHERE id <= 3");
        java.util.List<RunStatus> after = new java.util.ArrayList<>();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120)).until(() -> {
            after.add(ferry.runAndAwait(C).status());
            return after.get(after.size() - 1) == RunStatus.COMPLETED;
        });
        assertThat(after).as("runs after the restart").hasSizeLessThanOrEqualTo(2);
        System.out.println("ProdProfileTest: runs after the broker restart " + after);
    }

    @Test
    void postgresRestartedWhileFerryIsIdleTheNextRunSucceedsWithoutRestartingFerry() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(PostgresServer.shared().restartable(),
                "needs the tests' own PostgreSQL (FERRY_TEST_PG_URL names an external one)");
        ferry = RunningFerry.start(Path.of("config/application.properties"), "prod", environment(), null);
        assertThat(ferry.runAndAwait(C).delivered()).isEqualTo(60);

        PostgresServer.shared().restart();

        ferry.sourceUpdate("UPDATE customers SET updated_at = LOCALTIMESTAMP - INTERVAL '10' SECOND WHERE id <= 3");
        Run next = ferry.runAndAwait(C);
        assertThat(next.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(next.gathered()).isEqualTo(3);
    }

    @Test
    void connectionValuesMayComeFromASecretsFile() throws Exception {
        Map<String, String> p = environment();
        Path secrets = data.resolve("ferry.secrets");
        Files.writeString(secrets, "ferry.state.url = " + p.remove("ferry.state.url") + "\n"
                + "ferry.broker.url = " + p.remove("ferry.broker.url") + "\n");
        org.apache.camel.main.Main main = dev.ferry.FerryApplication.newMain(RunningFerry.SOURCE_TREE,
                Path.of("config/application.properties"), dev.ferry.support.TestProfile.effective("prod"), secrets);
        p.forEach(main::addOverrideProperty);
        main.start();
        try {
            assertThat(main.getCamelContext().getPropertiesComponent().resolveProperty("ferry.broker.url"))
                    .hasValue(broker.url());
            assertThat(main.getCamelContext().getRouteController().getRouteStatus(C + "-deliver").isStarted()).isTrue();
        } finally {
            main.stop();
        }
    }

    @Test
    void aMissingConnectionValueStopsStartUpNamingTheVariable() {
        Map<String, String> p = environment();
        p.remove("ferry.broker.url");

        Throwable refused = catchThrowable(() -> ferry = RunningFerry.start(Path.of("config/application.properties"),
                "prod", p, null));

        assertThat(refused).isNotNull();
        assertThat(messages(refused)).contains("FERRY_BROKER_URL");
    }

    private static String messages(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append('\n');
        }
        return all.toString();
    }
}
