package dev.ferry.prod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
        Map<String, String> p = new LinkedHashMap<>(RunningFerry.testProperties(data.resolve("ferry"), target));
        p.put("ferry.state.url", PostgresServer.shared().newDatabase());
        p.put("ferry.state.username", "ferry");
        p.put("ferry.broker.url", broker.url());
        p.put("camel.beans.source.jdbc-url", PostgresServer.shared().newDatabase());
        p.put("camel.beans.source.username", "ferry");
        // the demo seeds the source (the prod profile turns it off; a real source has its own rows)
        p.put("ferry.demo.enabled", "true");
        return p;
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
