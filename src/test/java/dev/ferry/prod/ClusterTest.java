package dev.ferry.prod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.support.FerryProcess;
import dev.ferry.support.PostgresServer;
import dev.ferry.support.StandaloneBroker;
import dev.ferry.support.Target;

/**
 * Two Ferry instances in JVMs of their own share one PostgreSQL and one broker (issue 8, acceptance 1): Quartz's
 * clustered job store gives each fire to one instance, and both deliver from the shared queue.
 */
class ClusterTest {

    private static final String C = "customers-to-erp";

    @TempDir
    Path data;
    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    @Test
    void everyFireRunsOnceAcrossTheClusterAndBothInstancesDeliver() throws Exception {
        StandaloneBroker broker = StandaloneBroker.start(data.resolve("broker"));
        started.add(broker);
        Target target = new Target();
        started.add(target);
        String stateUrl = PostgresServer.shared().newDatabase();
        String sourceUrl = PostgresServer.shared().newDatabase();

        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("ferry.state.url", stateUrl);
        settings.put("ferry.state.username", "ferry");
        settings.put("ferry.broker.url", broker.url());
        settings.put("camel.beans.source.jdbc-url", sourceUrl);
        settings.put("camel.beans.source.username", "ferry");
        settings.put("customers-to-erp.schedule.cron", "0/10 * * * * ?");
        settings.put("invoices-to-erp.schedule.cron", "0 0 0 1 1 ? 2099");
        settings.put("customers-to-erp.target.url", target.url("/erp/customers"));
        settings.put("invoices-to-erp.target.url", target.url("/erp/invoices"));
        settings.put("ferry.runs.flush-interval", "100ms");
        // the first instance seeds the source with the demo's customers
        Map<String, String> first = new LinkedHashMap<>(settings);
        first.put("ferry.demo.enabled", "true");
        first.put("ferry.demo.customers", "400");
        first.put("ferry.demo.invoices", "10");
        first.put("ferry.data-dir", data.resolve("a").toString());
        FerryProcess a = FerryProcess.start("ferry-a", "prod", first, data);
        started.add(a);
        Map<String, String> second = new LinkedHashMap<>(settings);
        second.put("ferry.data-dir", data.resolve("b").toString());
        FerryProcess b = FerryProcess.start("ferry-b", "prod", second, data);
        started.add(b);

        // a minute of fires every 10 s, with customers changing in between
        Instant from = Instant.now();
        Instant until = from.plus(Duration.ofSeconds(60));
        try (Connection source = DriverManager.getConnection(sourceUrl)) {
            await().atMost(Duration.ofSeconds(100)).pollInterval(Duration.ofSeconds(3)).until(() -> {
                try (PreparedStatement touch = source.prepareStatement("UPDATE customers SET credit_limit ="
                        + " credit_limit + 1, updated_at = LOCALTIMESTAMP - INTERVAL '6 seconds'"
                        + " WHERE id % 40 = (EXTRACT(EPOCH FROM now())::int % 40)")) {
                    touch.executeUpdate();
                }
                return Instant.now().isAfter(until);
            });
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> unfinished(stateUrl) == 0);

        Map<Long, Integer> runsPerFire = new TreeMap<>();
        for (Instant started : scheduledRunStarts(stateUrl)) {
            if (!started.isBefore(from.plusSeconds(10)) && started.isBefore(until)) {
                runsPerFire.merge(started.getEpochSecond() / 10, 1, Integer::sum);
            }
        }
        assertThat(runsPerFire).as("runs per 10-second fire").hasSizeGreaterThanOrEqualTo(4);
        assertThat(runsPerFire.values()).as("runs per fire").allMatch(n -> n == 1);
        assertThat(a.log() + b.log()).doesNotContain("has a run processing on another Ferry instance");
        // both instances fired some, and both delivered
        assertThat(scheduledRunsIn(a.log())).as("fires run by a").isPositive();
        assertThat(scheduledRunsIn(b.log())).as("fires run by b").isPositive();
        assertThat(delivered(a)).as("records delivered by a").isPositive();
        assertThat(delivered(b)).as("records delivered by b").isPositive();
    }

    private static int unfinished(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT COUNT(*) FROM ferry_run WHERE status IN ('CREATED', 'PROCESSING', 'SUBMITTED')");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static List<Instant> scheduledRunStarts(String url) throws Exception {
        List<Instant> starts = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT created_at FROM ferry_run WHERE connector = ? AND run_trigger = 'SCHEDULE' ORDER BY id")) {
            ps.setString(1, C);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp t = rs.getTimestamp(1);
                    starts.add(t.toInstant());
                }
            }
        }
        return starts;
    }

    private static int scheduledRunsIn(String log) {
        Matcher m = Pattern.compile("customers-to-erp started \\(SCHEDULE").matcher(log);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static double delivered(FerryProcess ferry) {
        Matcher m = Pattern.compile("ferry_records_delivered_total\\{connector=\"customers-to-erp\"\\} (\\S+)")
                .matcher(ferry.management().get("/observe/metrics").text());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
