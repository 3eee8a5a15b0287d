package dev.ferry.gather;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.support.Api;
import dev.ferry.support.FerryProcess;
import dev.ferry.support.OrdersSource;
import dev.ferry.support.PostgresServer;
import dev.ferry.support.Target;

/**
 * An idle-in-transaction session on a PostgreSQL source (issue 21, acceptance 3): Ferry says what holds the
 * connector back — a log line, the connector's health check, a metric — and once the session has been open longer
 * than {@code openTransactionLimit} it reads up to the settle lag again, warning, and the rows committed meanwhile
 * are delivered.
 */
class IdleTransactionTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private Target target;
    private FerryProcess ferry;
    private Connection idle;

    @AfterEach
    void stop() throws Exception {
        if (idle != null) {
            idle.close();
        }
        if (ferry != null) {
            ferry.close();
        }
        if (target != null) {
            target.close();
        }
    }

    @Test
    void anIdleTransactionIsReportedAndPastTheLimitNoLongerHoldsTheReads() throws Exception {
        OrdersSource orders = OrdersSource.create(PostgresServer.shared());
        target = new Target();
        Path routes = dir.resolve("routes");
        OrdersSource.connector(routes, "orders", true, "openTransactionLimit: " + LIMIT.toSeconds() + "s");
        Map<String, String> settings = orders.ferrySettings(dir.resolve("data"), routes);
        Path config = OrdersSource.config(dir.resolve("ferry.properties"), Map.of(
                "orders.schedule.cron", "* * * * * ?", "orders.target.url", target.url("/orders")));
        ferry = FerryProcess.start("ferry", null, settings, dir, "--config", config.toString());
        Api management = ferry.management();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> heldSeconds(management) == 0.0);

        idle = orders.begin();
        try (Statement s = idle.createStatement()) {
            s.execute("INSERT INTO orders VALUES (1, 1, 'idle', now())");
        }
        try (Connection c = orders.begin(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO orders VALUES (2, 1, 'committed', now())");
            c.commit();
        }

        // held: the committed row waits, and Ferry names the session
        JsonNode held = await().atMost(Duration.ofSeconds(20)).until(() -> check(management),
                check -> check.path("data").path("source.held.seconds").asLong() >= 10);
        assertThat(held.path("data").path("source.held.by").asText()).contains("role " + orders.app())
                .contains("application 'PostgreSQL JDBC Driver'").contains("xid");
        assertThat(held.path("status").asText()).isEqualTo("UP");
        assertThat(heldSeconds(management)).isGreaterThanOrEqualTo(10.0);
        assertThat(metric(management, "ferry_source_open_transactions_over_limit")).isZero();
        assertThat(target.requests("/orders")).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> ferry.log().contains("Connector orders reads its source only up to"));
        assertThat(ferry.log()).contains("role " + orders.app()).contains("may still commit rows stamped from then on");

        // past the limit: a warning naming it, the reads go on up to the settle lag, the committed row is delivered
        await().atMost(LIMIT.plusSeconds(20)).until(() -> target.requests("/orders").size() == 1);
        assertThat(target.received("/orders").get(0).get("id").asLong()).isEqualTo(2);
        String log = ferry.log();
        assertThat(log).contains("WARN").contains("Connector orders no longer waits for the transaction of process")
                .contains("openTransactionLimit (20s)");
        JsonNode over = check(management);
        assertThat(over.path("data").path("source.over-limit").asText()).contains("role " + orders.app());
        assertThat(over.path("data").has("source.held.seconds")).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> metric(management, "ferry_source_open_transactions_over_limit") == 1.0);
        assertThat(heldSeconds(management)).isZero();

        // it ends: nothing is over the limit any more (its row was never committed)
        idle.rollback();
        await().atMost(Duration.ofSeconds(10)).until(() -> metric(management, "ferry_source_open_transactions_over_limit") == 0.0);
        assertThat(check(management).path("data").has("source.over-limit")).isFalse();
        assertThat(ferry.log().split("no longer waits for", -1)).as("warned once").hasSize(2);
    }

    private static JsonNode check(Api management) {
        Api.Answer health = management.get("/observe/health?exposureLevel=full&data=true");
        for (JsonNode c : health.json().path("checks")) {
            if (c.path("name").asText().endsWith("ferry-connector-orders")) {
                return c;
            }
        }
        throw new AssertionError("no health check of connector orders: " + health.text());
    }

    private static double heldSeconds(Api management) {
        return metric(management, "ferry_source_held_seconds");
    }

    private static double metric(Api management, String name) {
        Matcher m = Pattern.compile("^" + name + "\\{connector=\"orders\"[^}]*} (\\S+)$", Pattern.MULTILINE)
                .matcher(management.get("/observe/metrics").text());
        if (!m.find()) {
            throw new AssertionError(name + " is not in the scrape");
        }
        return Double.parseDouble(m.group(1));
    }
}
