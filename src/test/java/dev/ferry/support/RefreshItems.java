package dev.ferry.support;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * The full-refresh tests' source: a new H2 database with a table {@code items}, read by the connector
 * {@code items-refresh} (routes in {@code dev/ferry/refresh}), whose settings it puts in a Ferry's properties.
 */
public final class RefreshItems {

    public static final String CONNECTOR = "items-refresh";
    public static final String PATH = "/items";

    private final String url;

    private RefreshItems(String url) {
        this.url = url;
    }

    /** A new database in {@code dir} with an empty table {@code items}. */
    public static RefreshItems create(Path dir) throws SQLException {
        RefreshItems items = new RefreshItems(TestDatabase.H2.newDatabase(dir));
        items.sql("CREATE TABLE items (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL,"
                + " amount DECIMAL(12, 2) NOT NULL, updated_at TIMESTAMP(6) NOT NULL)");
        return items;
    }

    /** The connector's route, its source and its target: what a Ferry needs to run it, scheduled never. */
    public void configure(Map<String, String> properties, Target target) {
        properties.put("camel.main.routes-include-pattern", "classpath:dev/ferry/refresh/*.camel.yaml");
        properties.put("camel.beans.source.jdbc-url", url);
        properties.put("camel.beans.source.username", TestDatabase.H2.user());
        properties.put(CONNECTOR + ".schedule.cron", RunningFerry.NEVER);
        properties.put(CONNECTOR + ".target.url", target.url(PATH));
    }

    /** Rows 1 to {@code rows}, version v1, stamped an hour ago. */
    public void insert(int rows) throws SQLException {
        sql("INSERT INTO items SELECT X, 'v1', X + 0.5, LOCALTIMESTAMP - INTERVAL '1' HOUR FROM SYSTEM_RANGE(1, " + rows + ")");
    }

    public String url() {
        return url;
    }

    public void sql(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, TestDatabase.H2.user(), "");
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    public long count() throws SQLException {
        try (Connection c = DriverManager.getConnection(url, TestDatabase.H2.user(), "");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM items")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
