package dev.ferry.prod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.support.FerryProcess;
import dev.ferry.support.PostgresServer;
import dev.ferry.support.StandaloneBroker;
import dev.ferry.support.Target;

/**
 * The key registry is the cluster's (issue 22, acceptance 2): two Ferry instances in JVMs of their own on one PostgreSQL
 * and one broker; a full refresh on one of them registers what it queued, and a full refresh on the other compares with
 * that — it delivers only the rows changed since and the keys deleted since.
 */
class FullRefreshClusterTest {

    private static final String C = "items-refresh";
    private static final String PATH = "/items";

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
    void aFullRefreshOnOneInstanceComparesWithWhatTheOtherRegistered() throws Exception {
        StandaloneBroker broker = StandaloneBroker.start(data.resolve("broker"));
        started.add(broker);
        Target target = new Target();
        started.add(target);
        String stateUrl = PostgresServer.shared().newDatabase();
        String sourceUrl = PostgresServer.shared().newDatabase();
        sql(sourceUrl, "CREATE TABLE items (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL,"
                + " amount DECIMAL(12, 2) NOT NULL, updated_at TIMESTAMP(6) NOT NULL)");
        sql(sourceUrl, "INSERT INTO items SELECT g, 'v1', g + 0.5, LOCALTIMESTAMP - INTERVAL '1 hour'"
                + " FROM generate_series(1, 2000) g");

        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("ferry.state.url", stateUrl);
        settings.put("ferry.state.username", "ferry");
        settings.put("ferry.broker.url", broker.url());
        settings.put("camel.beans.source.jdbc-url", sourceUrl);
        settings.put("camel.beans.source.username", "ferry");
        settings.put("camel.main.routes-include-pattern", "classpath:dev/ferry/refresh/*.camel.yaml");
        settings.put(C + ".target.url", target.url(PATH));
        // one record a message: the route sends a delete as DELETE /<id> (a batch would carry deletes among upserts)
        settings.put(C + ".batch-size", "1");
        settings.put("ferry.runs.flush-interval", "100ms");
        FerryProcess a = instance("a", settings);
        FerryProcess b = instance("b", settings);

        JsonNode first = a.runAndAwait(C);
        assertThat(first.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(first.get("gathered").asLong()).isEqualTo(2000);
        assertThat(first.get("gatheredBy").asText()).isEqualTo("refresh-a");
        await().atMost(Duration.ofSeconds(30)).until(() -> target.postedIds(PATH).size() == 2000);

        target.forgetRequests();
        sql(sourceUrl, "UPDATE items SET name = 'v2', updated_at = LOCALTIMESTAMP WHERE id % 20 = 0");
        sql(sourceUrl, "DELETE FROM items WHERE id % 100 = 1");
        JsonNode second = b.runAndAwait(C);

        assertThat(second.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(second.get("gatheredBy").asText()).isEqualTo("refresh-b");
        assertThat(second.get("refresh").asText()).isEqualTo("FULL");
        assertThat(second.get("gathered").asLong()).isEqualTo(120);
        assertThat(second.get("deleted").asLong()).isEqualTo(20);
        assertThat(second.get("unchanged").asLong()).isEqualTo(1880);
        await().atMost(Duration.ofSeconds(30)).until(() -> target.postedIds(PATH).size() + target.deleted(PATH).size() == 120);
        assertThat(target.postedIds(PATH)).hasSize(100).allMatch(id -> id % 20 == 0);
        assertThat(new HashSet<>(target.deleted(PATH))).hasSize(20).allMatch(id -> Long.parseLong(id) % 100 == 1);

        target.forgetRequests();
        JsonNode third = a.runAndAwait(C);
        assertThat(third.get("gathered").asLong()).isZero();
        assertThat(third.get("unchanged").asLong()).isEqualTo(1980);
        assertThat(target.requests(PATH)).isEmpty();
    }

    private FerryProcess instance(String name, Map<String, String> settings) throws Exception {
        Map<String, String> own = new LinkedHashMap<>(settings);
        own.put("ferry.data-dir", data.resolve(name).toString());
        own.put("ferry.instance-name", "refresh-" + name);
        FerryProcess ferry = FerryProcess.start(name, "prod", own, data);
        started.add(ferry);
        return ferry;
    }

    private static void sql(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
