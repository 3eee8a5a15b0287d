package dev.ferry.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.connector.ConnectorReloader;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;

/**
 * Ferry starts with broken connector files beside the good ones: each broken file is reported with its file
 * and line (or the configuration key at fault) and skipped, the process starts, and the good connectors
 * deliver. Camel's own loading would stop the start at the first of them.
 */
@Tag("fault")
class BadConnectorFileTest {

    private static final String C = "customers-to-erp";
    private static final String TARGET_URI = "uri: \"{{customers-to-erp.target.url}}\"";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private Path routes;
    private String original;

    @BeforeEach
    void copyRoutes() throws IOException {
        routes = fixture.copyRoutes();
        original = Files.readString(routes.resolve(C + ".camel.yaml"));
        assertThat(original).contains(TARGET_URI).contains("    steps:\n");
    }

    /** A copy of the customers connector as connector {@code name}, with everything it needs configured. */
    private String connector(String name, Map<String, String> overrides) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(name + ".schedule.cron", RunningFerry.NEVER);
        p.put(name + ".source.table", "customers");
        p.put(name + ".delivery.concurrency", "1");
        p.put(name + ".target.url", fixture.target().url("/erp/" + name));
        p.putAll(overrides);
        p.forEach((k, v) -> {
            if (v == null) {
                fixture.properties().remove(k);
            } else {
                fixture.properties().put(k, v);
            }
        });
        return original.replace(C, name);
    }

    private void write(String name, String content) throws IOException {
        Files.writeString(routes.resolve(name + ".camel.yaml"), content);
    }

    private static int lineOf(String content, String text) {
        String[] lines = content.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(text)) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException(text);
    }

    @Test
    void eachBrokenFileIsReportedWithItsFileAndKeyAndTheOtherConnectorsDeliver() throws Exception {
        write("broken-yaml", connector("broken-yaml", Map.of()).replace("    steps:\n", "    steps: [\n"));
        String unknown = connector("unknown-component", Map.of()).replace("uri: \"{{unknown-component.target.url}}\"",
                "uri: \"no-such-component:erp\"");
        write("unknown-component", unknown);
        Map<String, String> noTarget = new LinkedHashMap<>();
        noTarget.put("no-placeholder.target.url", null);
        String placeholder = connector("no-placeholder", noTarget);
        write("no-placeholder", placeholder);
        write("ftp-target", connector("ftp-target", Map.of("ftp-target.target.url",
                "ftp://erp.example.com/customers?username=erp&password=Ftp-Secret-9")));
        // a copy that still names the customers connector would take it over
        write("copied", original);

        RunningFerry ferry = fixture.start();

        assertThat(problem("broken-yaml")).contains("broken-yaml.camel.yaml").containsPattern("line \\d+");
        assertThat(problem("unknown-component"))
                .contains("unknown-component.camel.yaml:" + lineOf(unknown, "no-such-component"))
                .contains("no-such-component");
        assertThat(problem("no-placeholder")).contains("no-placeholder.camel.yaml").contains("no-placeholder.target.url")
                .containsIgnoringCase("not found");
        assertThat(problem("ftp-target")).contains("ftp-target.target.url = 'ftp://erp.example.com/customers?...'")
                .contains("not an HTTP(S) URL").doesNotContain("Ftp-Secret-9");
        assertThat(problem("copied")).contains("copied.camel.yaml").contains("route id '" + C + "-gather'");
        for (String broken : new String[] {"broken-yaml", "unknown-component", "no-placeholder", "ftp-target", "copied"}) {
            assertThat(ferry.camel().getRoute(broken + "-gather")).as(broken).isNull();
            assertThat(ferry.camel().getRoute(broken + "-deliver")).as(broken).isNull();
        }

        Run customers = ferry.runAndAwait(C);
        assertThat(customers.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(customers.delivered()).isEqualTo(60);
        assertThat(ferry.runAndAwait("invoices-to-erp").status()).isEqualTo(RunStatus.COMPLETED);
    }

    /**
     * Connectors start in groups (fifty at a time): one that cannot start takes its group down the slow way, file by
     * file, and is reported; the others of its group and of the other groups run.
     */
    @Test
    void aBrokenFileAmongManyIsReportedAndEveryOtherConnectorRuns() throws Exception {
        int copies = 60;
        String broken = "copy-55";
        for (int i = 1; i <= copies; i++) {
            String name = String.format("copy-%02d", i);
            String file = connector(name, Map.of());
            write(name, name.equals(broken) ? file.replace("uri: \"{{" + name + ".target.url}}\"",
                    "uri: \"no-such-component:erp\"") : file);
        }

        RunningFerry ferry = fixture.start();

        assertThat(problem(broken)).contains(broken + ".camel.yaml:").contains("no-such-component");
        assertOnlyTheBrokenDoNotRun(ferry, copies, Set.of(broken));
    }

    /** The broken copies have no routes; every other copy has both, and a run of some of them delivers. */
    private static void assertOnlyTheBrokenDoNotRun(RunningFerry ferry, int copies, Set<String> broken) throws Exception {
        for (int i = 1; i <= copies; i++) {
            String name = String.format("copy-%02d", i);
            boolean runs = !broken.contains(name);
            assertThat(ferry.camel().getRoute(name + "-gather") != null).as(name).isEqualTo(runs);
            assertThat(ferry.camel().getRoute(name + "-deliver") != null).as(name).isEqualTo(runs);
        }
        for (String connector : new String[] {"copy-01", "copy-56", C}) {
            Run run = ferry.runAndAwait(connector);
            assertThat(run.status()).as(connector).isEqualTo(RunStatus.COMPLETED);
            assertThat(run.delivered()).as(connector).isEqualTo(60);
        }
    }

    /**
     * The same with most connectors starting after ready ({@code ferry.connectors.start-before-ready}), in the
     * background: a broken file among them is reported with its file and line too, also one whose {@code ferry:gather}
     * step has an option that does not exist (found when the connector is defined, before ready), and every other
     * connector runs.
     */
    @Test
    void aBrokenFileAmongManyStartingAfterReadyIsReportedAndEveryOtherConnectorRuns() throws Exception {
        fixture.properties().put("ferry.connectors.start-before-ready", "5");
        int copies = 60;
        String broken = "copy-55";
        String badOption = "copy-57";
        String badOptionFile = null;
        for (int i = 1; i <= copies; i++) {
            String name = String.format("copy-%02d", i);
            String file = connector(name, Map.of());
            if (name.equals(broken)) {
                file = file.replace("uri: \"{{" + name + ".target.url}}\"", "uri: \"no-such-component:erp\"");
            } else if (name.equals(badOption)) {
                file = file.replace("              connector: " + name + "\n",
                        "              connector: " + name + "\n              noSuchOption: 3\n");
                assertThat(file).contains("noSuchOption");
                badOptionFile = file;
            }
            write(name, file);
        }

        RunningFerry ferry = fixture.start();
        ConnectorReloader files = ferry.bean("ferryReloader", ConnectorReloader.class);
        // the line of the step, '- to:', just above its 'uri: ferry:gather'
        assertThat(problem(badOption)).contains(badOption + ".camel.yaml:" + (lineOf(badOptionFile, "uri: ferry:gather") - 1)
                + ": ferry:gather")
                .contains("noSuchOption");
        await().atMost(Duration.ofSeconds(60)).until(files::allStarted);

        assertThat(problem(broken)).contains(broken + ".camel.yaml:").contains("no-such-component");
        assertOnlyTheBrokenDoNotRun(ferry, copies, Set.of(broken, badOption));
    }

    @Test
    void withHotReloadOnABrokenFileSkippedAtStartLoadsWhenItIsSavedFixed() throws Exception {
        String fixed = connector("late", Map.of());
        write("late", fixed.replace("    steps:\n", "    steps: [\n"));
        fixture.config(Path.of("config/application.properties"), "dev");
        RunningFerry ferry = fixture.start();
        assertThat(problem("late")).contains("late.camel.yaml");

        ConnectorReloader reloader = ferry.bean("ferryReloader", ConnectorReloader.class);
        ConnectorReloader.Outcome before = reloader.lastOutcome("late").orElseThrow();
        write("late", fixed);
        ConnectorReloader.Outcome after = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> reloader.lastOutcome("late").orElseThrow(), o -> o != before);

        assertThat(after.reloaded()).as(after.message()).isTrue();
        Run late = ferry.runAndAwait("late");
        assertThat(late.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(late.delivered()).isEqualTo(60);
    }

    private String problem(String connector) {
        ConnectorReloader.Outcome outcome = fixture.ferry().bean("ferryReloader", ConnectorReloader.class)
                .lastOutcome(connector).orElseThrow(() -> new AssertionError("no outcome for " + connector));
        assertThat(outcome.reloaded()).as(outcome.message()).isFalse();
        System.out.println("BadConnectorFileTest: " + connector + ": " + outcome.message());
        return outcome.message();
    }
}
