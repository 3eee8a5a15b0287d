package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.camel.Route;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;
import dev.ferry.watermark.Watermark;

/**
 * Hot reload in the dev profile (issue 7, acceptance 4): Ferry runs on copies of the real route files and
 * configuration, and the test edits them as an integration engineer would.
 */
class HotReloadTest {

    private static final String C = "customers-to-erp";
    private static final String TARGET_URI = "uri: \"{{customers-to-erp.target.url}}\"";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private Path routeFile;
    private Path configFile;
    private String original;

    @BeforeEach
    void copyRoutesAndConfig() throws IOException {
        Path routes = fixture.copyRoutes();
        Path config = Files.createDirectories(fixture.data().resolve("config"));
        try (var files = Files.list(Path.of("config"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".properties")).toList()) {
                Files.copy(f, config.resolve(f.getFileName()));
            }
        }
        routeFile = routes.resolve(C + ".camel.yaml");
        // the demo connectors' keys are the demo profile's
        configFile = config.resolve("application-demo.properties");
        original = Files.readString(routeFile);
        assertThat(original).contains(TARGET_URI);
        fixture.config(config.resolve("application.properties"), "dev");
    }

    private ConnectorReloader reloader() {
        return fixture.ferry().bean("ferryReloader", ConnectorReloader.class);
    }

    /** Saves the file and waits for the reload it causes; returns its outcome. */
    private ConnectorReloader.Outcome save(Path file, String content) throws IOException {
        return change(C, () -> Files.writeString(file, content, StandardCharsets.UTF_8));
    }

    interface FileChange {
        void apply() throws IOException;
    }

    /** Changes files and waits (at most 5 s) for the connector's reload it causes; returns its outcome. */
    private ConnectorReloader.Outcome change(String connector, FileChange change) throws IOException {
        ConnectorReloader.Outcome before = reloader().lastOutcome(connector).orElse(null);
        change.apply();
        return await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> reloader().lastOutcome(connector).orElse(null), o -> o != null && o != before);
    }

    private int touchCustomers(int count) throws Exception {
        return fixture.ferry().sourceUpdate("UPDATE customers SET credit_limit = credit_limit + 1,"
                + " updated_at = LOCALTIMESTAMP - INTERVAL '10' SECOND WHERE id <= ?", count);
    }

    @Test
    void anEditedRouteFileReloadsThatConnectorOnlyAndTheNextRunUsesTheNewPath() throws Exception {
        RunningFerry ferry = fixture.start();
        assertThat(ferry.runAndAwait(C).delivered()).isEqualTo(60);
        Watermark watermark = ferry.watermark(C);
        Route invoicesGather = ferry.camel().getRoute("invoices-to-erp-gather");
        Route invoicesDeliver = ferry.camel().getRoute("invoices-to-erp-deliver");
        Route customersDeliver = ferry.camel().getRoute(C + "-deliver");

        ConnectorReloader.Outcome outcome = save(routeFile, original.replace(TARGET_URI,
                "uri: \"{{customers-to-erp.target.url}}/v2\""));

        assertThat(outcome.reloaded()).as(outcome.message()).isTrue();
        assertThat(outcome.message()).contains(C + ".camel.yaml");
        assertThat(ferry.camel().getRoute(C + "-deliver")).isNotSameAs(customersDeliver);
        // the other connector was not touched, and neither was this one's state
        assertThat(ferry.camel().getRoute("invoices-to-erp-gather")).isSameAs(invoicesGather);
        assertThat(ferry.camel().getRoute("invoices-to-erp-deliver")).isSameAs(invoicesDeliver);
        assertThat(ferry.watermark(C)).isEqualTo(watermark);

        assertThat(touchCustomers(3)).isEqualTo(3);
        Run next = ferry.runAndAwait(C);
        assertThat(next.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(next.gathered()).as("the watermark survived the reload").isEqualTo(3);
        assertThat(fixture.target().customerNumbers("/erp/customers/v2"))
                .containsExactlyInAnyOrder("C-000001", "C-000002", "C-000003");
        // its schedule still drives it: the next fire of its (re-created) Quartz job runs it
        assertThat(ferry.schedules().next(C, 1)).isNotEmpty();
    }

    @Test
    void aBrokenSaveIsReportedWithItsFileAndThePreviousVersionKeepsDeliveringUntilTheFileIsFixed() throws Exception {
        RunningFerry ferry = fixture.start();
        assertThat(ferry.runAndAwait(C).delivered()).isEqualTo(60);

        // invalid YAML
        ConnectorReloader.Outcome yaml = save(routeFile, original.replace("    steps:\n", "    steps: [\n"));
        assertThat(yaml.reloaded()).isFalse();
        assertThat(yaml.file()).endsWith("routes/" + C + ".camel.yaml");
        assertThat(yaml.message()).contains(C + ".camel.yaml").containsPattern("line \\d+");
        assertDelivers(ferry, 2, "/erp/customers");

        // an endpoint no component serves
        ConnectorReloader.Outcome endpoint = save(routeFile, original.replace(TARGET_URI, "uri: \"no-such-component:erp\""));
        assertThat(endpoint.reloaded()).isFalse();
        assertThat(endpoint.message()).contains(C + ".camel.yaml:" + (lineOf(original, TARGET_URI))).contains("no-such-component");
        assertDelivers(ferry, 3, "/erp/customers");
        ConnectorReloader.Outcome back = save(routeFile, original);
        assertThat(back.reloaded()).isTrue();
        assertThat(back.message()).contains("is back to the version that runs");

        // a deliver route that could never finish a run: refused with the line and the fix
        String unfinished = original.substring(0, original.lastIndexOf("        - to:\n            uri: ferry:delivered"));
        ConnectorReloader.Outcome delivered = save(routeFile, unfinished);
        assertThat(delivered.reloaded()).isFalse();
        assertThat(delivered.message()).contains(C + ".camel.yaml:").contains("does not end with ferry:delivered")
                .contains("Fix: end the route with '- to: ferry:delivered'");
        assertDelivers(ferry, 3, "/erp/customers");
        assertThat(save(routeFile, original).reloaded()).isTrue();

        // a bad schedule, in the connector's properties
        String config = Files.readString(configFile);
        ConnectorReloader.Outcome schedule = save(configFile, config + "\n" + C + ".schedule.time-zone = Mars/Olympus_Mons\n");
        assertThat(schedule.reloaded()).isFalse();
        assertThat(schedule.message()).contains("application-demo.properties").contains(C + ".schedule.time-zone")
                .contains("Mars/Olympus_Mons");
        assertDelivers(ferry, 4, "/erp/customers");
        ConnectorReloader.Outcome scheduleFixed = save(configFile, config);
        assertThat(scheduleFixed.reloaded()).as(scheduleFixed.message()).isTrue();

        // fixed: the file loads
        ConnectorReloader.Outcome fixed = save(routeFile, original.replace(TARGET_URI,
                "uri: \"{{customers-to-erp.target.url}}/v3\""));
        assertThat(fixed.reloaded()).as(fixed.message()).isTrue();
        assertDelivers(ferry, 5, "/erp/customers/v3");
    }

    @Test
    void aNewConnectorFileStartsThatConnectorAndDeletingTheFileRemovesItsRoutes() throws Exception {
        RunningFerry ferry = fixture.start();
        String crm = "crm-customers";
        Path file = routeFile.resolveSibling(crm + ".camel.yaml");
        String content = original.replace(C, crm)
                .replace("{{" + crm + ".source.table}}", "customers")
                .replace("{{" + crm + ".target.url}}", fixture.target().url("/crm/customers"))
                .replace("{{" + crm + ".delivery.concurrency}}", "2");

        // a copy that renames only its route ids would take over customers-to-erp's definition: refused
        ConnectorReloader.Outcome takeover = change(crm, () -> Files.writeString(file,
                original.replace(C + "-gather", crm + "-gather").replace(C + "-deliver", crm + "-deliver")));
        assertThat(takeover.reloaded()).isFalse();
        assertThat(takeover.message()).contains("ferry:gather names connector '" + C + "'")
                .contains("must be '" + crm + "'");
        assertThat(ferry.camel().getRoute(crm + "-gather")).isNull();

        ConnectorReloader.Outcome added = change(crm, () -> Files.writeString(file, content));
        assertThat(added.reloaded()).as(added.message()).isTrue();
        Run run = ferry.runAndAwait(crm);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(fixture.target().customerNumbers("/crm/customers")).hasSize(60);
        assertThat(ferry.camel().getManagementStrategy().getManagementAgent().isRegistered(
                dev.ferry.ops.OperationsSurface.name(ferry.camel(), "ferry-connectors", crm))).isTrue();

        ConnectorReloader.Outcome deleted = change(crm, () -> Files.delete(file));
        assertThat(deleted.message()).contains("was deleted");
        assertThat(ferry.camel().getRoute(crm + "-gather")).isNull();
        assertThat(ferry.camel().getRoute(crm + "-deliver")).isNull();
        // its history stays; the other connectors run on
        assertThat(ferry.runsOf(crm)).hasSize(1);
        assertThat(ferry.runAndAwait(C).status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void aSharedErrorHandlingFileIsNotAConnectorAndWaitsForARestart() throws Exception {
        fixture.start();
        Path errors = routeFile.resolveSibling("my-errors.camel.yaml");
        ConnectorReloader.Outcome outcome = change("my-errors", () -> Files.writeString(errors, """
                - routeConfiguration:
                    id: my-errors
                    onException:
                      - onException:
                          exception:
                            - java.lang.Exception
                          handled:
                            constant: "true"
                          steps:
                            - to:
                                uri: ferry:failed
                """));
        assertThat(outcome.reloaded()).isFalse();
        assertThat(outcome.message()).contains("shared route configuration").contains("when Ferry starts again");
        assertThat(fixture.ferry().runAndAwait(C).status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void aChangedConnectorPropertyReloadsThatConnector() throws Exception {
        fixture.properties().remove(C + ".target.url");
        String config = Files.readString(configFile);
        Files.writeString(configFile, config.replace(C + ".target.url = http://127.0.0.1:{{camel.server.port}}/demo/erp/customers",
                C + ".target.url = " + fixture.target().url("/erp/customers")));
        RunningFerry ferry = fixture.start();
        assertThat(ferry.runAndAwait(C).delivered()).isEqualTo(60);

        ConnectorReloader.Outcome outcome = save(configFile, Files.readString(configFile)
                .replace(fixture.target().url("/erp/customers"), fixture.target().url("/erp/v2/customers")));

        assertThat(outcome.reloaded()).as(outcome.message()).isTrue();
        assertDelivers(ferry, 2, "/erp/v2/customers");
    }

    private static int lineOf(String content, String text) {
        String[] lines = content.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text + " not found");
    }

    /** The next run of the connector delivers {@code count} changed customers to {@code path}. */
    private void assertDelivers(RunningFerry ferry, int count, String path) throws Exception {
        fixture.target().forgetRequests();
        touchCustomers(count);
        Run run = ferry.runAndAwait(C);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(fixture.target().customerNumbers(path)).hasSize(count);
    }
}
