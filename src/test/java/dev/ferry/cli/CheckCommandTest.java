package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.FerryApplication.Launch;
import dev.ferry.Installation;

/**
 * {@code ferry check} on an instance of its own (made as {@code ferry create} and {@code ferry new-connector} make
 * one, its source an H2 table): a scaffolded connector passes; each piece a deliver route needs, taken out, fails the
 * check (exit code 1) with the file, the line and the fix; a source table that lacks the key column is named.
 */
class CheckCommandTest {

    private static final String C = "orders-to-erp";

    @TempDir
    Path dir;

    private Installation installation;
    private Path routeFile;
    private String scaffolded;

    @BeforeEach
    void instance() throws Exception {
        Path instance = dir.resolve("instance");
        Files.createDirectories(instance.resolve("config"));
        Files.createDirectories(instance.resolve("routes"));
        String source = "jdbc:h2:file:" + dir.resolve("source") + ";DB_CLOSE_ON_EXIT=FALSE";
        try (Connection c = DriverManager.getConnection(source, "sa", ""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (order_no VARCHAR(20) PRIMARY KEY, changed_at TIMESTAMP(6) NOT NULL,"
                    + " amount DECIMAL(12,2))");
            s.execute("CREATE INDEX orders_changed ON orders (changed_at, order_no)");
        }
        Files.writeString(instance.resolve("config/application.properties"), String.join("\n",
                "camel.beans.source.jdbc-url = " + source, "camel.beans.source.username = sa", ""));
        // the source tree is the installation: its config/ holds the defaults
        installation = new Installation(Path.of(""), instance);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(NewConnector.run(installation, List.of(C, "--table", "orders", "--cursor", "changed_at", "--key",
                "order_no", "--target", "http://127.0.0.1:9/erp/orders"), quiet, quiet)).isZero();
        routeFile = instance.resolve("routes/" + C + ".camel.yaml");
        scaffolded = Files.readString(routeFile);
    }

    private record Checked(int exit, String output) {
    }

    private Checked check() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit = new CheckCommand(installation, Launch.parse(new String[0], Map.of()),
                new PrintStream(bytes, true, StandardCharsets.UTF_8)).run();
        return new Checked(exit, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aScaffoldedConnectorPassesAsWritten() throws Exception {
        Checked checked = check();
        assertThat(checked.exit()).as(checked.output()).isZero();
        assertThat(checked.output()).contains(C + " (routes/" + C + ".camel.yaml): OK, every 15 min")
                .contains("1 connector file, 0 problems, 0 warnings");
    }

    @Test
    void aFullRefreshScheduleIsShownAndABadKeyOfItFailsTheCheckNamingFileAndKey() throws Exception {
        Path properties = installation.instance().resolve("config/application.properties");
        String config = Files.readString(properties);
        Files.writeString(properties, config + C + ".full-refresh.days = SUN\n" + C + ".full-refresh.at = 03:00\n");
        Checked good = check();
        assertThat(good.exit()).as(good.output()).isZero();
        assertThat(good.output()).contains(C + " (routes/" + C + ".camel.yaml): OK, every 15 min")
                .contains("; full refresh after Sun at 03:00");

        Files.writeString(properties, config + C + ".full-refresh.days = FUNDAY\n");
        Checked bad = check();
        assertThat(bad.exit()).as(bad.output()).isEqualTo(1);
        assertThat(bad.output()).contains("full-refresh schedule of " + C + ": ")
                .contains("config/application.properties").contains(C + ".full-refresh.days = 'FUNDAY'");
    }

    @Test
    void aDeliverRouteThatSendsNoIdempotencyKeyIsAWarningThatNamesTheFix() throws Exception {
        String from = "\n        connector: " + C + "\n";
        assertThat(scaffolded).contains(from);
        Files.writeString(routeFile, scaffolded.replace(from, from + "        idempotencyKeyHeader: \"\"\n"));

        Checked checked = check();

        assertThat(checked.exit()).as(checked.output()).isZero();
        assertThat(checked.output()).containsPattern("routes/" + C + "\\.camel\\.yaml:\\d+: warning: route " + C
                + "-deliver sends no idempotency key").contains("Fix: leave ferry:queue's idempotencyKeyHeader at its"
                + " default").contains("1 connector file, 0 problems, 1 warning");
    }

    static List<List<String>> missingPieces() {
        return List.of(
                List.of("        - to:\n            uri: ferry:delivered\n", "",
                        "does not end with ferry:delivered", "Fix: end the route with '- to: ferry:delivered'"),
                List.of("    routeConfigurationId: ferry-delivery\n", "",
                        "does not use Ferry's delivery error handling", "Fix: add 'routeConfigurationId: ferry-delivery'"),
                List.of("              headerFilterStrategy: \"#ferryTargetHeaders\"\n", "              bridgeEndpoint: true\n",
                        "without Ferry's header filter", "Fix: add 'headerFilterStrategy: \"#ferryTargetHeaders\"'"),
                List.of("\n        connector: " + C + "\n", "\n        connector: elsewhere\n",
                        "no route consumes the sync queue ferry." + C, "Fix: add a deliver route"));
    }

    @ParameterizedTest
    @MethodSource("missingPieces")
    void aMissingPieceFailsTheCheckWithFileLineAndFix(List<String> change) throws Exception {
        assertThat(scaffolded).contains(change.get(0));
        Files.writeString(routeFile, scaffolded.replace(change.get(0), change.get(1)));

        Checked checked = check();

        assertThat(checked.exit()).as(checked.output()).isEqualTo(1);
        assertThat(checked.output()).containsPattern("routes/" + C + "\\.camel\\.yaml(:\\d+)?: .*" + java.util.regex.Pattern
                .quote(change.get(2))).contains(change.get(3)).contains(C + " (routes/" + C + ".camel.yaml): NOT OK");
    }

    @Test
    void theLineNamedIsTheStepAtFault() throws Exception {
        String unfinished = scaffolded.replace("        - to:\n            uri: ferry:delivered\n", "");
        Files.writeString(routeFile, unfinished);

        Checked checked = check();

        java.util.regex.Matcher at = java.util.regex.Pattern.compile("routes/" + C + "\\.camel\\.yaml:(\\d+): route " + C
                + "-deliver does not end with ferry:delivered").matcher(checked.output());
        assertThat(at.find()).as(checked.output()).isTrue();
        // the route's last step, which should have been followed by ferry:delivered: the target
        String line = unfinished.lines().toList().get(Integer.parseInt(at.group(1)) - 1);
        assertThat(line).as("line %s", at.group(1)).containsAnyOf("- to:", "{{" + C + ".target.url}}");
    }

    @Test
    void aSourceTableWithoutTheKeyColumnIsNamedAndTheRestIsChecked() throws Exception {
        Files.writeString(routeFile, scaffolded.replace("keyColumn: order_no", "keyColumn: order_id"));
        Files.writeString(installation.config(), "orders-to-erp.schedule.every = 0m\n", StandardOpenOption.APPEND);

        Checked checked = check();

        assertThat(checked.exit()).isEqualTo(1);
        assertThat(checked.output()).contains("ferry:gather keyColumn").containsIgnoringCase("order_id")
                .contains("schedule of " + C);
    }
}
