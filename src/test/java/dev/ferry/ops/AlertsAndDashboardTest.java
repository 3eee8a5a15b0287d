package dev.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.runs.RunStatus;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;

/**
 * The alerting rules and the Grafana dashboard Ferry ships ({@value #RULES}, {@value #DASHBOARD}) against the metrics
 * a real run exposes: every metric they read is in a scrape of a Ferry that ran a connector, with every label they
 * group or match by; promtool (Debian's {@code prometheus}, which {@code .ci/run} installs) parses every expression
 * and evaluates each rule over series with the scrape's own names and labels, firing for the connector whose values
 * cross the line and not for the one whose do not.
 */
class AlertsAndDashboardTest {

    static final String RULES = "src/dist/share/monitoring/ferry-alerts.yml";
    static final String DASHBOARD = "src/dist/share/monitoring/ferry-dashboard.json";
    private static final Pattern METRIC = Pattern.compile("\\bferry_[a-z_]+\\b");
    private static final Pattern GROUPING = Pattern.compile("\\b(?:by|on|without|ignoring)\\s*\\(([^)]*)\\)");
    private static final Pattern MATCHER = Pattern.compile("(ferry_[a-z_]+)\\{([^}]*)}");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final String LATE = "customers-to-erp";
    private static final String FINE = "invoices-to-erp";

    @TempDir
    Path data;
    private Target target;
    private RunningFerry ferry;
    private Map<String, List<Map<String, String>>> scrape;

    // a Ferry for each test: on the prod profile the test's broker stops after each (support/TestProfile)
    @BeforeEach
    void runAConnectorAndScrape() throws Exception {
        target = new Target();
        Map<String, String> properties = RunningFerry.testProperties(data, target);
        ferry = RunningFerry.start(properties);
        assertThat(ferry.runAndAwait(LATE).status()).isEqualTo(RunStatus.COMPLETED);
        scrape = scrape(Integer.parseInt(properties.get("camel.management.port")));
    }

    @AfterEach
    void stop() {
        if (ferry != null) {
            ferry.close();
        }
        if (target != null) {
            target.close();
        }
    }

    @Test
    void everyPanelOfTheDashboardReadsMetricsOfARealRunAndParses() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Path.of(DASHBOARD).toFile());
        assertThat(dashboard.get("uid").asText()).isEqualTo("ferry-connectors");
        StringBuilder recording = new StringBuilder("groups:\n  - name: ferry-dashboard\n    rules:\n");
        int n = 0;
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode t : panel.get("targets")) {
                String expr = t.get("expr").asText().replace("$connector", ".*");
                String what = panel.get("title").asText() + ": " + expr;
                assertReadsTheScrape(what, expr);
                recording.append("      - record: ferry_dashboard_").append(n++).append("\n        expr: ")
                        .append(quoted(expr)).append('\n');
            }
        }
        assertThat(n).isGreaterThanOrEqualTo(10);
        Path rules = data.resolve("dashboard-expressions.yml");
        Files.writeString(rules, recording, StandardCharsets.UTF_8);
        assertThat(promtool("check", "rules", rules.toString())).contains("SUCCESS: " + n + " rules found");
    }

    /** Every metric the expression reads is in the scrape, with the labels it groups and matches by. */
    private void assertReadsTheScrape(String what, String expr) {
        Set<String> metrics = names(METRIC.matcher(expr));
        assertThat(metrics).as(what).isNotEmpty();
        assertThat(scrape.keySet()).as("%s reads metrics a real run exposes", what).containsAll(metrics);
        for (String metric : metrics) {
            for (String label : grouping(expr)) {
                assertThat(scrape.get(metric)).as("%s groups %s by %s", what, metric, label)
                        .allSatisfy(series -> assertThat(series).containsKey(label));
            }
        }
        Matcher m = MATCHER.matcher(expr);
        while (m.find()) {
            Map<String, String> wanted = labels(m.group(2));
            wanted.remove("connector"); // the dashboard's variable: any connector
            assertThat(scrape.get(m.group(1))).as("%s matches %s%s", what, m.group(1), wanted)
                    .anySatisfy(series -> assertThat(series).containsAllEntriesOf(wanted));
        }
    }

    @Test
    void everyAlertReadsMetricsOfARealRunAndFiresInPromtoolForTheConnectorThatCrossesTheLine() throws Exception {
        JsonNode rules = new YAMLMapper().readTree(Path.of(RULES).toFile()).at("/groups/0/rules");
        List<String> alerts = new ArrayList<>();
        Map<String, String> descriptions = new LinkedHashMap<>();
        for (JsonNode rule : rules) {
            String alert = rule.get("alert").asText();
            String expr = rule.get("expr").asText();
            alerts.add(alert);
            descriptions.put(alert, rule.at("/annotations/description").asText());
            assertThat(rule.at("/labels/severity").asText()).as(alert).isIn("warning", "critical");
            assertThat(rule.at("/annotations/summary").asText()).as(alert).contains("{{ $labels.connector }}");
            assertReadsTheScrape(alert, expr);
        }
        assertThat(alerts).containsExactly("FerryWatermarkLagHigh", "FerryRunOverrun", "FerryRunsFailing",
                "FerryParkedFailuresGrowing", "FerryQueueNotDraining", "FerrySourceHeldByOpenTransaction",
                "FerryOpenTransactionOverLimit");

        Path tests = data.resolve("ferry-alerts.test.yml");
        Files.copy(Path.of(RULES), data.resolve("ferry-alerts.yml"));
        Files.writeString(tests, promtoolTests(scrape, descriptions), StandardCharsets.UTF_8);
        assertThat(promtool("check", "rules", data.resolve("ferry-alerts.yml").toString())).contains("SUCCESS: 7 rules found");
        assertThat(promtool("test", "rules", tests.toString())).contains("SUCCESS");
    }

    /** Every series of the scrape, by metric name: its labels (samples of a histogram under their own names). */
    private static Map<String, List<Map<String, String>>> scrape(int port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/observe/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, List<Map<String, String>>> series = new TreeMap<>();
        for (String line : response.body().split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.matches()) {
                series.computeIfAbsent(m.group(1), name -> new ArrayList<>())
                        .add(m.group(2) == null ? Map.of() : labels(m.group(2)));
            }
        }
        return series;
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        Matcher m = LABEL.matcher(text);
        while (m.find()) {
            labels.put(m.group(1), m.group(2));
        }
        return labels;
    }

    private static Set<String> names(Matcher m) {
        Set<String> names = new LinkedHashSet<>();
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    private static Set<String> grouping(String expr) {
        Set<String> labels = new LinkedHashSet<>();
        Matcher m = GROUPING.matcher(expr);
        while (m.find()) {
            for (String label : m.group(1).split(",")) {
                if (!label.isBlank()) {
                    labels.add(label.trim());
                }
            }
        }
        return labels;
    }

    /**
     * promtool's unit tests of every alert: series named and labelled exactly as in the scrape (as one instance's
     * Prometheus would store them), one connector's values crossing the rule's line and the other's not.
     */
    private static String promtoolTests(Map<String, List<Map<String, String>>> scrape, Map<String, String> descriptions) {
        StringBuilder y = new StringBuilder("rule_files: [ferry-alerts.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n"
                + "    input_series:\n");
        series(y, scrape, "ferry_watermark_lag_seconds", LATE, Map.of(), "100000+60x100");
        series(y, scrape, "ferry_watermark_lag_seconds", FINE, Map.of(), "60x100");
        series(y, scrape, "ferry_watermark_lag_threshold_seconds", LATE, Map.of(), "3600x100");
        series(y, scrape, "ferry_watermark_lag_threshold_seconds", FINE, Map.of(), "3600x100");
        series(y, scrape, "ferry_run_processing_seconds", LATE, Map.of(), "0+60x100");
        series(y, scrape, "ferry_run_processing_seconds", FINE, Map.of(), "30x100");
        series(y, scrape, "ferry_schedule_interval_seconds", LATE, Map.of(), "600x100");
        series(y, scrape, "ferry_schedule_interval_seconds", FINE, Map.of(), "600x100");
        series(y, scrape, "ferry_runs_total", LATE, Map.of("status", "FAILED"), "0+1x100");
        series(y, scrape, "ferry_runs_total", FINE, Map.of("status", "FAILED"), "0x100");
        series(y, scrape, "ferry_failures", LATE, Map.of("status", "PARKED"), "0+1x100");
        series(y, scrape, "ferry_failures", FINE, Map.of("status", "PARKED"), "4x100");
        series(y, scrape, "ferry_queue_depth", LATE, Map.of(), "500x100");
        series(y, scrape, "ferry_queue_depth", FINE, Map.of(), "500x100");
        series(y, scrape, "ferry_connector_enabled", LATE, Map.of(), "1x100");
        series(y, scrape, "ferry_connector_enabled", FINE, Map.of(), "0x100");
        series(y, scrape, "ferry_source_held_seconds", LATE, Map.of(), "0+60x100");
        series(y, scrape, "ferry_source_held_seconds", FINE, Map.of(), "5x100");
        series(y, scrape, "ferry_source_open_transactions_over_limit", LATE, Map.of(), "0 0 0 1x100");
        series(y, scrape, "ferry_source_open_transactions_over_limit", FINE, Map.of(), "0x100");
        y.append("    alert_rule_test:\n");
        // when each fires, and its summary then: the values above at that time
        for (String[] t : new String[][] {
            {"FerryWatermarkLagHigh", "15m", "Connector customers-to-erp is 1d 4h 1m 40s behind its source"},
            {"FerryRunOverrun", "15m", "A run of customers-to-erp has been going for 15m 0s, longer than its schedule's interval"},
            {"FerryRunsFailing", "30m", "30 runs of customers-to-erp FAILED within an hour"},
            {"FerryParkedFailuresGrowing", "70m", "customers-to-erp parked 60 more record(s) within an hour"},
            {"FerryQueueNotDraining", "40m", "The sync queue of customers-to-erp has not drained for 30 minutes (500 queued)"},
            {"FerrySourceHeldByOpenTransaction", "40m",
                "An open transaction on the source of customers-to-erp holds its reads 40m 0s back"},
            {"FerryOpenTransactionOverLimit", "5m",
                "1 transaction(s) on the source of customers-to-erp open longer than its openTransactionLimit"}}) {
            String severity = t[0].equals("FerryRunsFailing") || t[0].equals("FerryOpenTransactionOverLimit")
                    ? "critical" : "warning";
            y.append("      - eval_time: ").append(t[1]).append("\n        alertname: ").append(t[0])
                    .append("\n        exp_alerts:\n          - exp_labels:\n              connector: ").append(LATE)
                    .append("\n              severity: ").append(severity)
                    .append("\n            exp_annotations:\n              summary: ").append(quoted(t[2]))
                    .append("\n              description: ").append(quoted(descriptions.get(t[0]))).append('\n');
            // before the line is crossed (or for long enough), nothing fires
            y.append("      - eval_time: 0m\n        alertname: ").append(t[0]).append("\n        exp_alerts: []\n");
        }
        return y.toString();
    }

    /** A YAML double-quoted string. */
    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** One input series: the scrape's series of that metric for that connector (and labels), with Prometheus' own. */
    private static void series(StringBuilder y, Map<String, List<Map<String, String>>> scrape, String metric,
                               String connector, Map<String, String> more, String values) {
        Map<String, String> labels = scrape.get(metric).stream()
                .filter(s -> connector.equals(s.get("connector")) && s.entrySet().containsAll(more.entrySet()))
                .findFirst().orElseThrow(() -> new AssertionError("the scrape has no " + metric + " of " + connector + " " + more));
        Map<String, String> stored = new TreeMap<>(labels);
        stored.put("job", "ferry");
        stored.put("instance", "ferry-a:9876");
        StringBuilder name = new StringBuilder(metric).append('{');
        stored.forEach((k, v) -> name.append(k).append("=\"").append(v).append("\","));
        name.setLength(name.length() - 1);
        y.append("      - series: '").append(name).append("}'\n        values: '").append(values).append("'\n");
    }

    private static String promtool(String... args) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        assertThat(promtool).as("promtool is installed (Debian's prometheus; .ci/run installs it)").exists();
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool %s:%n%s", String.join(" ", args), output).isZero();
        return output;
    }
}
