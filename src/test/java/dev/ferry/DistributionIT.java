package dev.ferry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.support.Api;
import dev.ferry.support.PostgresServer;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/**
 * The distribution as an operator installs it (target/ferry-&lt;version&gt;.tar.gz, built by {@code package}): unpacked
 * into a temporary directory and run with nothing but {@code java} (and the few shell tools the launcher uses) on the
 * PATH, from a working directory that is neither the installation nor the instance. An instance is created, a
 * connector scaffolded for a PostgreSQL table unlike the demo's (a text key, a {@code timestamptz} cursor, a numeric,
 * a JSON and a soft-delete column), checked, run against a WireMock target, stopped with SIGTERM mid-delivery and
 * started again, then upgraded to another installation. The source table's schema is the same before and after.
 */
class DistributionIT {

    private static final String C = "ledger-to-crm";
    private static final String PATH = "/crm/accounts";
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
    /** The launcher's tools besides java: a POSIX shell and what it calls. */
    private static final List<String> TOOLS = List.of("sh", "dirname", "readlink", "sed", "tr", "mkdir", "cat");

    @TempDir
    Path dir;

    private Path home;
    private Path instance;
    private Path elsewhere;
    private Path path;
    private Target target;
    private String sourceUrl;
    private Process ferry;

    @BeforeEach
    void unpack() throws Exception {
        Path tarball = Path.of(System.getProperty("ferry.distribution"));
        assertThat(tarball).as("built by mvn package").exists();
        Path installations = Files.createDirectories(dir.resolve("opt"));
        assertThat(new ProcessBuilder("tar", "xzf", tarball.toString(), "-C", installations.toString()).inheritIO()
                .start().waitFor()).isZero();
        home = installations.resolve("ferry-" + System.getProperty("ferry.version"));
        assertThat(home.resolve("bin/ferry")).isExecutable();
        for (String monitoring : List.of("ferry-alerts.yml", "ferry-dashboard.json")) {
            assertThat(home.resolve("share/monitoring").resolve(monitoring))
                    .hasSameTextualContentAs(Path.of("src/dist/share/monitoring").resolve(monitoring));
        }
        instance = dir.resolve("srv/billing-sync");
        elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        // a PATH of java and the launcher's tools only: no Maven, no JAVA_HOME
        path = Files.createDirectories(dir.resolve("path"));
        Files.createSymbolicLink(path.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
        for (String tool : TOOLS) {
            Path found = List.of(Path.of("/usr/bin", tool), Path.of("/bin", tool)).stream().filter(Files::isExecutable)
                    .findFirst().orElseThrow(() -> new AssertionError("no " + tool + " on this machine"));
            Files.createSymbolicLink(path.resolve(tool), found);
        }
        target = new Target();
        sourceUrl = PostgresServer.shared().newDatabase();
    }

    @AfterEach
    void stop() throws Exception {
        if (ferry != null && ferry.isAlive()) {
            ferry.destroyForcibly().waitFor();
        }
        target.close();
    }

    @Test
    void anInstanceMadeFromTheDistributionSyncsATableOfItsOwnAndStopsCleanly() throws Exception {
        assertThat(command(home.resolve("bin/ferry"), "--version").output()).startsWith("Ferry " + System.getProperty("ferry.version"));
        Result created = command(home.resolve("bin/ferry"), "create", instance.toString(),
                "--port", String.valueOf(RunningFerry.freePort()), "--management-port", String.valueOf(RunningFerry.freePort()));
        assertThat(created.exit()).as(created.output()).isZero();
        Path ferryOf = instance.resolve("bin/ferry");

        createAccounts();
        insertAccounts(1, 25);
        String schemaBefore = schema();

        Result scaffolded = command(ferryOf, "new-connector", C, "--table", "accounts", "--cursor", "modified",
                "--key", "account_code", "--target", target.url(PATH), "--delete-column", "is_removed", "--every", "1h");
        assertThat(scaffolded.exit()).as(scaffolded.output()).isZero();
        Files.writeString(instance.resolve("config/application.properties"), String.join("\n", "",
                "camel.beans.source.jdbc-url = " + sourceUrl,
                "camel.beans.source.username = ferry",
                "camel.main.shutdown-timeout = " + SHUTDOWN_TIMEOUT.toSeconds(),
                // one delivery at a time, so that a stop finds records still queued
                C + ".delivery.concurrency = 1", ""), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);

        Result check = command(ferryOf, "check");
        assertThat(check.exit()).as(check.output()).isZero();
        assertThat(check.output()).contains(C + " (routes/" + C + ".camel.yaml): OK");

        ferry = start(ferryOf);
        Api api = api();
        JsonNode connectors = api.get("/api/connectors").json();
        assertThat(connectors).hasSize(1);
        assertThat(connectors.get(0).get("id").asText()).isEqualTo(C);
        assertThat(api.get("/demo/erp").status()).isEqualTo(404);
        // the console, served from Ferry's jar with its own policy
        Api.Answer console = api.get("/console/");
        assertThat(console.status()).isEqualTo(200);
        assertThat(console.text()).contains("<script type=\"module\" src=\"./app.mjs\">");
        assertThat(console.response().headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                policy -> assertThat(policy).startsWith("default-src 'none'; script-src 'self' 'sha256-"));
        assertThat(api.get("/console/vendor/preact.mjs").status()).isEqualTo(200);
        long first = startRun(api);
        awaitCompleted(api, first);
        List<JsonNode> received = target.received(PATH);
        assertThat(received).hasSize(25);
        assertThat(received.stream().map(b -> b.get("account_code").asText()).distinct()).hasSize(25);
        JsonNode a7 = received.stream().filter(b -> b.get("account_code").asText().equals("ACC 007/x")).findFirst()
                .orElseThrow();
        assertThat(a7.get("balance").decimalValue()).isEqualByComparingTo("7007.07");
        assertThat(a7.get("attributes").get("tier").asText()).isEqualTo("gold");
        assertThat(a7.get("is_removed").asBoolean()).isFalse();
        assertThat(a7.get("modified").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*");
        String log = Files.readString(instance.resolve("logs/ferry.log"));
        assertThat(log.lines().findFirst().orElse("")).contains("Ferry " + System.getProperty("ferry.version")
                + " starting: instance " + instance);

        // every delivery now takes 1 s: a stop in the middle of the next run finds records queued
        StubMapping slow = target.server().stubFor(any(urlPathMatching("/crm/.*")).atPriority(1)
                .willReturn(aResponse().withStatus(200).withFixedDelay(1000)));
        target.forgetRequests();
        updateAccounts(1, 20);
        removeAccount(21);
        long second = startRun(api);
        await().atMost(Duration.ofSeconds(30)).until(() -> target.server().findAll(anyRequestedFor(urlPathMatching("/crm/.*")))
                .size() >= 2);
        long stopping = System.nanoTime();
        ferry.destroy(); // SIGTERM
        assertThat(ferry.waitFor(SHUTDOWN_TIMEOUT.toSeconds() + 20, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
        Duration stopped = Duration.ofNanos(System.nanoTime() - stopping);
        assertThat(stopped).isLessThan(SHUTDOWN_TIMEOUT.plusSeconds(10));
        int beforeRestart = target.server().findAll(anyRequestedFor(urlPathMatching("/crm/.*"))).size();
        assertThat(beforeRestart).as("records were still queued when it stopped").isLessThan(21);
        System.out.printf("DistributionIT: SIGTERM to exit %d ms (shutdown timeout %d s); %d of 21 records delivered"
                + " before the stop%n", stopped.toMillis(), SHUTDOWN_TIMEOUT.toSeconds(), beforeRestart);

        target.server().removeStub(slow);
        ferry = start(ferryOf);
        awaitCompleted(api(), second);
        Set<String> versions = new HashSet<>();
        for (LoggedRequest r : target.server().findAll(anyRequestedFor(urlPathMatching("/crm/.*")))) {
            versions.add(r.getMethod() + " " + r.getUrl() + " " + r.getHeader("Idempotency-Key"));
        }
        // every changed account once (a record in flight at the stop may come twice, with the same idempotency key)
        assertThat(versions).hasSize(21);
        assertThat(target.deleted(PATH)).containsExactly("ACC%20021%2Fx");

        assertThat(schema()).isEqualTo(schemaBefore);

        // an upgrade: a new installation unpacked beside the old one, the stopped instance pointed at it
        ferry.destroy();
        assertThat(ferry.waitFor(SHUTDOWN_TIMEOUT.toSeconds() + 20, TimeUnit.SECONDS)).isTrue();
        Path newer = Files.createDirectories(dir.resolve("opt-new"));
        assertThat(new ProcessBuilder("tar", "xzf", System.getProperty("ferry.distribution"), "-C", newer.toString())
                .inheritIO().start().waitFor()).isZero();
        Path newHome = newer.resolve(home.getFileName());
        Result upgraded = command(newHome.resolve("bin/ferry"), "upgrade", instance.toString());
        assertThat(upgraded.exit()).as(upgraded.output()).isZero();
        assertThat(upgraded.output()).contains(home + " -> " + newHome);
        assertThat(Files.readString(ferryOf)).contains("FERRY_HOME='" + newHome + "'").doesNotContain("FERRY_HOME='" + home + "'");
        Result checked = command(ferryOf, "check");
        assertThat(checked.exit()).as(checked.output()).isZero();
        ferry = start(ferryOf);
        assertThat(Files.readString(instance.resolve("logs/ferry.log"))).contains("installation " + newHome);
        long third = startRun(api());
        awaitCompleted(api(), third);
        assertThat(api().get("/api/runs/" + third).json().at("/run/gathered").asLong()).as("the watermark survived").isZero();
    }

    // ------------------------------------------------------------------------------------------------ the source

    private void createAccounts() throws SQLException {
        try (Connection c = source(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE accounts (account_code text PRIMARY KEY, modified timestamptz NOT NULL,"
                    + " balance numeric(14,2), attributes jsonb, is_removed boolean NOT NULL DEFAULT false, note text)");
        }
    }

    private void insertAccounts(int from, int to) throws SQLException {
        try (Connection c = source(); PreparedStatement ps = c.prepareStatement("INSERT INTO accounts"
                + " (account_code, modified, balance, attributes, note) VALUES (?, now() - interval '1 hour', ?, ?::jsonb, ?)")) {
            for (int i = from; i <= to; i++) {
                ps.setString(1, String.format("ACC %03d/x", i));
                ps.setBigDecimal(2, new java.math.BigDecimal(i * 1001 + "." + String.format("%02d", i)));
                ps.setString(3, "{\"tier\": \"gold\", \"n\": " + i + "}");
                ps.setString(4, i % 3 == 0 ? null : "note " + i);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void updateAccounts(int from, int to) throws SQLException {
        try (Connection c = source(); PreparedStatement ps = c.prepareStatement("UPDATE accounts SET balance = balance + 1,"
                + " modified = now() - interval '1 minute' WHERE account_code = ?")) {
            for (int i = from; i <= to; i++) {
                ps.setString(1, String.format("ACC %03d/x", i));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void removeAccount(int i) throws SQLException {
        try (Connection c = source(); PreparedStatement ps = c.prepareStatement("UPDATE accounts SET is_removed = true,"
                + " modified = now() - interval '1 minute' WHERE account_code = ?")) {
            ps.setString(1, String.format("ACC %03d/x", i));
            ps.executeUpdate();
        }
    }

    /** Columns, constraints, indexes and triggers of the table: what Ferry must never change. */
    private String schema() throws SQLException {
        StringBuilder text = new StringBuilder();
        try (Connection c = source(); Statement s = c.createStatement()) {
            for (String sql : List.of(
                    "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns"
                            + " WHERE table_name = 'accounts' ORDER BY ordinal_position",
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'accounts'::regclass"
                            + " ORDER BY conname",
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'accounts' ORDER BY indexname",
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'accounts'::regclass ORDER BY tgname",
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")) {
                try (ResultSet rs = s.executeQuery(sql)) {
                    while (rs.next()) {
                        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                            text.append(rs.getString(i)).append(i < rs.getMetaData().getColumnCount() ? " | " : "\n");
                        }
                    }
                }
            }
        }
        return text.toString();
    }

    private Connection source() throws SQLException {
        return DriverManager.getConnection(sourceUrl);
    }

    // ------------------------------------------------------------------------------------------------ Ferry

    private Api api() throws IOException {
        return Api.at(port("camel.server.port"));
    }

    private int port(String key) throws IOException {
        String config = Files.readString(instance.resolve("config/application.properties"));
        java.util.regex.Matcher port = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(key)
                + " = (\\d+)").matcher(config);
        assertThat(port.find()).as(key).isTrue();
        return Integer.parseInt(port.group(1));
    }

    private long startRun(Api api) {
        Api.Answer started = api.post("/api/connectors/" + C + "/runs", "{\"mode\": \"SYNC\"}");
        assertThat(started.status()).as(started.text()).isEqualTo(202);
        return started.json().get("id").asLong();
    }

    private void awaitCompleted(Api api, long run) {
        await().atMost(Duration.ofSeconds(90)).until(() -> api.get("/api/runs/" + run).json().at("/run/status").asText(),
                "COMPLETED"::equals);
    }

    private Process start(Path launcher) throws Exception {
        Path out = dir.resolve("ferry-" + System.nanoTime() + ".out");
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "run").directory(elsewhere.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        environment(builder);
        Process process = builder.start();
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("Ferry stopped:\n" + Files.readString(out));
            }
            // Camel has started, and then the connector files have loaded
            return Files.readString(out).contains("started in") && Files.readString(out).contains("Connectors loaded:");
        });
        return process;
    }

    private record Result(int exit, String output) {
    }

    private Result command(Path launcher, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(elsewhere.toFile()).redirectErrorStream(true);
        environment(builder);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }

    /** Nothing of this JVM's environment: java and the launcher's tools on the PATH, the test's time zone. */
    private void environment(ProcessBuilder builder) {
        builder.environment().clear();
        builder.environment().put("PATH", path.toString());
        builder.environment().put("JAVA_OPTS", "-Xmx384m -Duser.timezone=" + System.getProperty("user.timezone", "UTC"));
    }
}
