package dev.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.connector.FaultHooks;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.Api;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.Gate;
import dev.ferry.support.PostgresServer;
import dev.ferry.support.RunningFerry;

/**
 * Readiness follows the state database (issue 7, acceptance 3): PostgreSQL is made unreachable for Ferry —
 * new connections refused and its open ones ended — and then reachable again. And Ferry is not ready before its
 * connectors are loaded (issue 16): until then the API knows none of them.
 */
class ReadinessTest {

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    @Test
    void notReadyUntilTheConnectorFilesAreLoaded() throws Exception {
        Gate.close();
        fixture.bindOnce(FaultHooks.BEAN, Gate.BEFORE_CONNECTORS_LOAD);
        Api management = Api.at(Integer.parseInt(fixture.properties().get("camel.management.port")));
        Api api = Api.at(Integer.parseInt(fixture.properties().get("camel.server.port")));
        CompletableFuture<RunningFerry> starting = CompletableFuture.supplyAsync(fixture::start);
        try {
            assertThat(Gate.awaitReached(60)).as("start-up reached the connector files").isTrue();
            Api.Answer ready = management.get("/observe/health/ready");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.text()).contains("ferry-connectors").contains("the connector files are being loaded");
            assertThat(api.get("/api/connectors/customers-to-erp").status()).isEqualTo(404);
        } finally {
            Gate.open();
        }
        RunningFerry ferry = starting.get(60, TimeUnit.SECONDS);
        assertThat(management.get("/observe/health/ready").status()).isEqualTo(200);
        assertThat(api.get("/api/connectors/customers-to-erp").status()).isEqualTo(200);
        assertThat(ferry.runAndAwait("customers-to-erp").status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void readinessGoesDownWhenTheStateDatabaseIsUnreachableAndUpWhenItReturns() throws Exception {
        PostgresServer pg = PostgresServer.shared();
        String url = pg.newDatabase();
        String database = PostgresServer.databaseName(url);
        fixture.properties().put("ferry.state.url", url);
        fixture.properties().put("ferry.state.username", "ferry");
        RunningFerry ferry = fixture.start();
        Api management = Api.at(Integer.parseInt(fixture.properties().get("camel.management.port")));
        assertThat(management.get("/observe/health/ready").status()).isEqualTo(200);

        pg.admin("ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
        try {
            pg.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Api.Answer ready = management.get("/observe/health/ready");
                assertThat(ready.status()).isEqualTo(503);
                assertThat(ready.text()).contains("ferry-state-database").contains("the state database is unreachable");
            });
            // Liveness is not readiness: Ferry is not restarted for an outage of its database
            assertThat(management.get("/observe/health/live").status()).isEqualTo(200);
        } finally {
            pg.admin("ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> management.get("/observe/health/ready").status() == 200);
        assertThat(ferry.runAndAwait("customers-to-erp").status()).isEqualTo(RunStatus.COMPLETED);
    }
}
