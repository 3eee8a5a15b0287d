package dev.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.security.Passwords;
import dev.ferry.support.Api;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;

/** The management server: Jolokia with its access policy, Prometheus metrics, health (issue 7, acceptance 1-2). */
class ObservabilityTest {

    private static final String C = "customers-to-erp";
    private static final String ROUTE_MBEAN = "org.apache.camel:context=ferry,type=routes,name=\"customers-to-erp-gather\"";
    private static final String RUN_MANAGER_MBEAN = "org.apache.camel:context=ferry,type=ferry,name=\"run-manager\"";
    private static final String CONNECTOR_MBEAN = "org.apache.camel:context=ferry,type=ferry-connectors,name=\"customers-to-erp\"";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private Api management() {
        return Api.at(Integer.parseInt(fixture.properties().get("camel.management.port")));
    }

    private static String jolokia(String type, String mbean, String more) {
        return "{\"type\":\"" + type + "\",\"mbean\":" + quote(mbean) + (more.isEmpty() ? "" : "," + more) + "}";
    }

    private static String quote(String text) {
        return "\"" + text.replace("\"", "\\\"") + "\"";
    }

    @Test
    void jolokiaReadsCamelAndFerryMBeansInvokesFerryOperationsAndRefusesWhatChangesTheJvm() throws Exception {
        RunningFerry ferry = fixture.start();
        Api m = management();

        Api.Answer route = m.post("/observe/jolokia", jolokia("read", ROUTE_MBEAN, "\"attribute\":\"State\""));
        assertThat(route.json().path("status").asInt()).as(route.text()).isEqualTo(200);
        assertThat(route.json().path("value").asText()).isEqualTo("Started");
        // MBeans of one class share their MBean info (ClassMBeanInfoAssembler), each answers for its own object
        for (String id : List.of("customers-to-erp-gather", "customers-to-erp-deliver")) {
            Api.Answer own = m.post("/observe/jolokia", jolokia("read",
                    "org.apache.camel:context=ferry,type=routes,name=\"" + id + "\"", "\"attribute\":\"RouteId\""));
            assertThat(own.json().path("value").asText()).as(own.text()).isEqualTo(id);
        }

        // an MBean per route, consumer and endpoint, none per step (camel.main.jmx-management-mbeans-level = RoutesOnly):
        // each takes ~19 KB of heap, and steps were two thirds of a connector's MBeans
        for (String type : List.of("routes", "consumers", "endpoints", "processors", "producers")) {
            Api.Answer found = m.post("/observe/jolokia", jolokia("search", "org.apache.camel:context=ferry,type=" + type + ",*", ""));
            assertThat(found.json().path("value").size()).as(type + ": " + found.text())
                    .matches(n -> type.startsWith("p") ? n == 0 : n > 0);
        }

        Api.Answer connector = m.get("/observe/jolokia/read/" + CONNECTOR_MBEAN.replace("\"", "%22") + "/Enabled");
        assertThat(connector.json().path("status").asInt()).as(connector.text()).isEqualTo(200);
        assertThat(connector.json().path("value").asBoolean()).isTrue();

        // Ferry's own operation: runs the connector
        Api.Answer run = m.post("/observe/jolokia", jolokia("exec", CONNECTOR_MBEAN, "\"operation\":\"runNow\""));
        assertThat(run.json().path("status").asInt()).as(run.text()).isEqualTo(200);
        Run ended = ferry.awaitEnded(run.json().path("value").asLong());
        assertThat(ended.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(ended.delivered()).isEqualTo(60);

        // the run manager's operations too
        Api.Answer recent = m.post("/observe/jolokia", jolokia("exec", RUN_MANAGER_MBEAN,
                "\"operation\":\"recentRuns(java.lang.String,int)\",\"arguments\":[\"customers-to-erp\",5]"));
        assertThat(recent.json().path("status").asInt()).as(recent.text()).isEqualTo(200);
        assertThat(recent.text()).contains("COMPLETED");

        // Camel's read-only dumps (Hawtio's route diagram) are allowed
        Api.Answer dump = m.post("/observe/jolokia", jolokia("exec", ROUTE_MBEAN, "\"operation\":\"dumpRouteAsXml()\""));
        assertThat(dump.json().path("status").asInt()).as(dump.text()).isEqualTo(200);

        // What changes the JVM, or Camel's routes behind Ferry's back, is refused — alone or in bulk
        Api.Answer gc = m.post("/observe/jolokia", jolokia("exec", "java.lang:type=Memory", "\"operation\":\"gc\""));
        assertThat(gc.json().path("status").asInt()).isEqualTo(403);
        assertThat(gc.json().path("error").asText()).contains("Operation gc forbidden for MBean java.lang:type=Memory");
        // and nothing but reading goes by GET, which any web page can make a browser send
        Api.Answer byGet = m.get("/observe/jolokia/exec/" + CONNECTOR_MBEAN.replace("\"", "%22") + "/disable");
        assertThat(byGet.status()).isEqualTo(403);
        assertThat(byGet.json().path("error").asText()).contains("send exec and write by POST");
        Api.Answer bulk = m.post("/observe/jolokia", "[" + jolokia("read", ROUTE_MBEAN, "\"attribute\":\"State\"") + ","
                + jolokia("exec", "com.sun.management:type=DiagnosticCommand",
                        "\"operation\":\"gcRun()\"") + "," + jolokia("exec", "com.sun.management:type=HotSpotDiagnostic",
                        "\"operation\":\"dumpHeap\",\"arguments\":[\"/tmp/ferry-heap.hprof\",true]") + ","
                + jolokia("write", "java.lang:type=Memory", "\"attribute\":\"Verbose\",\"value\":true") + ","
                + jolokia("exec", ROUTE_MBEAN, "\"operation\":\"stop()\"") + "]");
        JsonNode answers = bulk.json();
        assertThat(answers.get(0).path("status").asInt()).isEqualTo(200);
        for (int i = 1; i < answers.size(); i++) {
            assertThat(answers.get(i).path("status").asInt()).as(answers.get(i).toString()).isEqualTo(403);
        }
        assertThat(ferry.camel().getRouteController().getRouteStatus("customers-to-erp-gather").isStarted()).isTrue();
        assertThat(java.nio.file.Files.exists(java.nio.file.Path.of("/tmp/ferry-heap.hprof"))).isFalse();

        // A web page of another site may not make a browser call it (CSRF)
        Api.Answer foreign = m.send("GET", "/observe/jolokia/version", null);
        assertThat(foreign.status()).isEqualTo(200);
        java.net.http.HttpResponse<String> fromOtherSite = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                        + fixture.properties().get("camel.management.port") + "/observe/jolokia/exec/"
                        + CONNECTOR_MBEAN.replace("\"", "%22") + "/disable")).header("Origin", "https://evil.example").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(fromOtherSite.statusCode()).isEqualTo(403);
        assertThat(ferry.schedules().states().get(C).enabled()).isTrue();

        // Without authentication only this machine calls, by its own name (no DNS name rebound to 127.0.0.1)
        assertThat(rawGet("/observe/jolokia/version", "127.0.0.1")).startsWith("HTTP/1.1 200");
        assertThat(rawGet("/observe/jolokia/version", "localhost")).startsWith("HTTP/1.1 200");
        assertThat(rawGet("/observe/jolokia/version", "rebound.example")).startsWith("HTTP/1.1 403")
                .contains("is not this machine's loopback name");
    }

    /** A GET with the Host header a browser would send after DNS rebinding (HttpClient may not set Host). */
    private String rawGet(String path, String host) throws java.io.IOException {
        int port = Integer.parseInt(fixture.properties().get("camel.management.port"));
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
                    + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void jolokiaIsCoveredByTheApiAuthenticationAndOnlyAnOperatorMayExec() throws Exception {
        fixture.properties().put("ferry.security.users", "anna:" + Passwords.hash("op-Secret-1") + ":operator;audit:"
                + Passwords.hash("read-Secret-2") + ":reader");
        fixture.start();
        Api m = management();
        String read = jolokia("read", CONNECTOR_MBEAN, "\"attribute\":\"Enabled\"");
        String disable = jolokia("exec", CONNECTOR_MBEAN, "\"operation\":\"disable\"");

        assertThat(m.post("/observe/jolokia", read).status()).isEqualTo(401);
        assertThat(m.get("/observe/metrics").status()).isEqualTo(401);
        assertThat(m.as("audit", "wrong").post("/observe/jolokia", read).status()).isEqualTo(401);

        Api reader = m.as("audit", "read-Secret-2");
        assertThat(reader.post("/observe/jolokia", read).json().path("value").asBoolean()).isTrue();
        Api.Answer refused = reader.post("/observe/jolokia", disable);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().path("error").asText()).contains("user audit may only read over Jolokia")
                .contains("operator role");
        assertThat(reader.get("/observe/jolokia/exec/" + CONNECTOR_MBEAN.replace("\"", "%22") + "/disable").status())
                .isEqualTo(403);
        // forms Jolokia reads as exec but a naive check would not: escaped type, the p parameter, a body
        // only Jolokia's lenient parser reads, another request type, an unknown one
        String disablePath = "exec/" + CONNECTOR_MBEAN.replace("\"", "%22") + "/disable";
        assertThat(reader.get("/observe/jolokia/ex!ec/" + CONNECTOR_MBEAN.replace("\"", "%22") + "/disable").status())
                .isEqualTo(403);
        assertThat(reader.get("/observe/jolokia/read/x?p=/" + disablePath).status()).isEqualTo(403);
        assertThat(reader.get("/observe/jolokia/?p=/" + disablePath).status()).isEqualTo(403);
        assertThat(reader.post("/observe/jolokia", disable.replace("}", ",\"x\":\"a\tb\"}")).status()).isEqualTo(403);
        assertThat(reader.post("/observe/jolokia", "[" + read + "," + disable + "]").status()).isEqualTo(403);
        assertThat(reader.post("/observe/jolokia", "{\"type\":\"notification\",\"command\":\"register\"}").status())
                .isEqualTo(403);
        assertThat(reader.post("/observe/jolokia", "{\"type\":\"EXEC\",\"mbean\":\"x:y=z\"}").status()).isEqualTo(403);
        assertThat(fixture.ferry().schedules().states().get(C).enabled()).isTrue();

        Api operator = m.as("anna", "op-Secret-1");
        assertThat(operator.post("/observe/jolokia", disable).json().path("status").asInt()).isEqualTo(200);
        assertThat(fixture.ferry().schedules().states().get(C).enabled()).isFalse();
        // audited as done by the user who called Jolokia, not as "jmx"
        assertThat(fixture.ferry().schedules().states().get(C).changedBy()).isEqualTo("anna");
    }

    @Test
    void metricsExposeEachFerryMeterAndTheyMoveAfterARun() throws Exception {
        RunningFerry ferry = fixture.start();
        // one set of meters, refreshed by one thread, however many routes the connector files started (Camel tells
        // its start-up listeners again for each; once each started meters of their own, two threads a connector)
        assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().endsWith(" - ferry-metrics")))
                .hasSize(1);
        fixture.target().server().stubFor(post(urlEqualTo("/erp/customers")).withRequestBody(containing("C-000007"))
                .atPriority(1).willReturn(aResponse().withStatus(422).withBody("{\"error\":\"VAT number is invalid\"}")));
        Map<String, Double> before = ferryMetrics(management().get("/observe/metrics").text());
        assertThat(before).containsEntry("ferry_info{version=\"" + FerryInfo.version() + "\"}", 1.0);
        assertThat(before).containsKeys(
                "ferry_records_gathered_total{connector=\"customers-to-erp\"}",
                "ferry_records_delivered_total{connector=\"customers-to-erp\"}",
                "ferry_records_failed_total{connector=\"customers-to-erp\"}",
                "ferry_queue_depth{connector=\"customers-to-erp\"}",
                "ferry_watermark_lag_seconds{connector=\"customers-to-erp\"}");
        assertThat(before.get("ferry_records_gathered_total{connector=\"customers-to-erp\"}")).isZero();
        assertThat(before.get("ferry_runs_total{connector=\"customers-to-erp\",status=\"FAILED\"}")).isZero();
        assertThat(before.get("ferry_run_duration_seconds_count{connector=\"customers-to-erp\"}")).isZero();
        assertThat(before.get("ferry_watermark_lag_seconds{connector=\"customers-to-erp\"}")).isNaN();

        Run run = ferry.runAndAwait(C);
        assertThat(run.status()).isEqualTo(RunStatus.INCOMPLETE);

        Map<String, Double> after = ferryMetrics(management().get("/observe/metrics").text());
        assertThat(after.get("ferry_records_gathered_total{connector=\"customers-to-erp\"}")).isEqualTo(60.0);
        assertThat(after.get("ferry_records_delivered_total{connector=\"customers-to-erp\"}")).isEqualTo(59.0);
        assertThat(after.get("ferry_records_failed_total{connector=\"customers-to-erp\"}")).isEqualTo(1.0);
        assertThat(after.get("ferry_runs_total{connector=\"customers-to-erp\",status=\"INCOMPLETE\"}")).isEqualTo(1.0);
        assertThat(after.get("ferry_run_duration_seconds_count{connector=\"customers-to-erp\"}")).isEqualTo(1.0);
        assertThat(after.get("ferry_run_duration_seconds_sum{connector=\"customers-to-erp\"}")).isPositive();
        assertThat(after).containsKey("ferry_run_duration_seconds_bucket{connector=\"customers-to-erp\",le=\"+Inf\"}");
        // the gauges are read again when a run ends (and every ferry.metrics.refresh-interval): a periodic
        // read during the run may have seen the watermark committed and a record still queued, so the test
        // waits for the read after the run's end
        Map<String, Double> gauges = await().atMost(Duration.ofSeconds(15)).until(
                () -> ferryMetrics(management().get("/observe/metrics").text()),
                m -> !m.get("ferry_watermark_lag_seconds{connector=\"customers-to-erp\"}").isNaN()
                        && m.get("ferry_queue_depth{connector=\"customers-to-erp\"}") == 0.0);
        // now minus the watermark's cursor (a timestamp column, read in the schedules' zone)
        java.time.Instant cursor = ((java.time.LocalDateTime) ferry.watermark(C).cursor())
                .atZone(java.time.ZoneId.systemDefault()).toInstant();
        double expected = Duration.between(cursor, java.time.Instant.now()).toMillis() / 1000.0;
        assertThat(gauges.get("ferry_watermark_lag_seconds{connector=\"customers-to-erp\"}")).isPositive()
                .isCloseTo(expected, org.assertj.core.data.Offset.offset(30.0));

        // The queue depth follows the broker: with delivery stopped, a run's records wait in the queue
        ferry.camel().getRouteController().stopRoute(C + "-deliver");
        ferry.sourceUpdate("UPDATE customers SET credit_limit = credit_limit + 1, updated_at = LOCALTIMESTAMP - INTERVAL '10' SECOND WHERE id <= 5");
        long waiting = ferry.bean("ferryOperations", Operations.class).start(C, false, "test").id();
        ferry.awaitStatus(waiting, RunStatus.SUBMITTED);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(ferryMetrics(management()
                .get("/observe/metrics").text()).get("ferry_queue_depth{connector=\"customers-to-erp\"}")).isGreaterThan(0.0));
    }

    @Test
    void healthIsUpAndAConnectorWithRepeatedFailedRunsIsDegradedWithItsLastError() throws Exception {
        RunningFerry ferry = fixture.start();
        Api m = management();
        assertThat(m.get("/observe/health/live").status()).isEqualTo(200);
        Api.Answer ready = m.get("/observe/health/ready?exposureLevel=full");
        assertThat(ready.status()).as(ready.text()).isEqualTo(200);
        assertThat(ready.text()).contains("\"ferry-state-database\"").contains("\"ferry-broker\"");

        // info says what Ferry is, not where it lives
        JsonNode info = m.get("/observe/info").json();
        assertThat(info.at("/ferry/version").asText()).isNotBlank().isNotEqualTo("unknown");
        assertThat(info.at("/ferry/instance").asText()).isNotBlank();
        assertThat(info.at("/ferry/uptime").asText()).startsWith("PT");
        assertThat(info.at("/camel/version").asText()).isEqualTo(ferry.camel().getVersion());
        assertThat(info.at("/java/version").asText()).isEqualTo(Runtime.version().toString());
        assertThat(info.toString()).doesNotContain(System.getProperty("user.dir")).doesNotContain(System.getProperty("user.home"))
                .doesNotContain("\"user\"").doesNotContain("\"dir\"").doesNotContain("\"home\"");

        ferry.sourceUpdate("ALTER TABLE customers RENAME TO customers_archived");
        for (int i = 0; i < 3; i++) {
            assertThat(ferry.runAndAwait(C).status()).isEqualTo(RunStatus.FAILED);
        }
        Api.Answer health = m.get("/observe/health?data=true");
        assertThat(health.status()).as(health.text()).isEqualTo(503);
        JsonNode check = check(health.json(), "ferry-connector-" + C);
        assertThat(check.path("status").asText()).isEqualTo("DOWN");
        assertThat(check.path("message").asText()).contains("degraded: its last 3 runs FAILED")
                .containsIgnoringCase("customers");
        assertThat(check.path("data").path("connector.status").asText()).isEqualTo("DEGRADED");
        // One broken connector does not take Ferry out of service
        assertThat(m.get("/observe/health/ready").status()).isEqualTo(200);

        ferry.sourceUpdate("ALTER TABLE customers_archived RENAME TO customers");
        assertThat(ferry.runAndAwait(C).status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(m.get("/observe/health").status()).isEqualTo(200);
    }

    static JsonNode check(JsonNode health, String id) {
        for (JsonNode c : health.path("checks")) {
            if (c.path("name").asText().endsWith(id)) {
                return c;
            }
        }
        throw new AssertionError("no check " + id + " in " + health);
    }

    private static final Pattern SAMPLE = Pattern.compile("^(ferry_[a-z_]+(?:\\{[^}]*\\})?) (\\S+)$", Pattern.MULTILINE);

    /** The ferry_* samples of a Prometheus text exposition. */
    static Map<String, Double> ferryMetrics(String exposition) {
        Map<String, Double> samples = new LinkedHashMap<>();
        Matcher matcher = SAMPLE.matcher(exposition);
        while (matcher.find()) {
            samples.put(matcher.group(1), Double.valueOf(matcher.group(2)));
        }
        return samples;
    }
}
