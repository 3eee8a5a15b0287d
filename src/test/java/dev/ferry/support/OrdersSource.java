package dev.ferry.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A PostgreSQL table an application writes and a Ferry reads as another role, for the late-commit tests: {@code orders}
 * (id, version, kind, updated_at) in a new database, an application role that may insert and update it, and a role
 * for Ferry that may only SELECT it — so that, as without {@code pg_read_all_stats}, Ferry cannot see when the
 * application's transactions began. The connectors are route files of the test's own, run by a Ferry on its
 * default profile ({@link FerryProcess}).
 *
 * @param url    the database, as its owner (a superuser)
 * @param appUrl the database as the application's role
 * @param app    the application's role
 * @param reader Ferry's role
 */
public record OrdersSource(String url, String appUrl, String app, String reader) {

    private static final AtomicInteger ROLES = new AtomicInteger();

    public static OrdersSource create(PostgresServer server) throws SQLException {
        String url = server.newDatabase();
        String suffix = ProcessHandle.current().pid() + "_" + ROLES.incrementAndGet();
        String app = "orders_app_" + suffix;
        String reader = "orders_ferry_" + suffix;
        server.admin("CREATE ROLE " + app + " LOGIN");
        server.admin("CREATE ROLE " + reader + " LOGIN");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id BIGINT PRIMARY KEY, version INT NOT NULL, kind TEXT NOT NULL,"
                    + " updated_at TIMESTAMP(6) NOT NULL)");
            s.execute("CREATE INDEX orders_cursor ON orders (updated_at, id)");
            s.execute("GRANT SELECT, INSERT, UPDATE ON orders TO " + app);
            s.execute("GRANT SELECT ON orders TO " + reader);
        }
        return new OrdersSource(url, base(url) + "?user=" + app, app, reader);
    }

    /** The database as Ferry's role. */
    public String readerUrl() {
        return base(url) + "?user=" + reader;
    }

    private static String base(String url) {
        return url.substring(0, url.indexOf('?'));
    }

    /** A connection as the application, in a transaction of its own (auto-commit off). */
    public Connection begin() throws SQLException {
        Connection c = DriverManager.getConnection(appUrl);
        c.setAutoCommit(false);
        return c;
    }

    /**
     * Writes the route file of a connector {@code id} from {@code orders} to {@code <id>.target.url} into
     * {@code routes}, with no settle lag and {@code waitForOpenTransactions} as given, plus {@code more} gather options.
     */
    public static void connector(Path routes, String id, boolean wait, String more) throws IOException {
        Files.createDirectories(routes);
        Files.writeString(routes.resolve(id + ".camel.yaml"), """
                - route:
                    id: %1$s-gather
                    from:
                      uri: quartz:ferry/%1$s
                      parameters:
                        cron: "{{schedule:%1$s}}"
                      steps:
                        - to:
                            uri: ferry:gather
                            parameters:
                              connector: %1$s
                              dataSource: "#source"
                              table: orders
                              cursorColumn: updated_at
                              keyColumn: id
                              settleLag: 0s
                              waitForOpenTransactions: %2$s
                %3$s
                - route:
                    id: %1$s-deliver
                    routeConfigurationId: ferry-delivery
                    from:
                      uri: ferry:queue
                      parameters:
                        connector: %1$s
                      steps:
                        - to:
                            uri: "{{%1$s.target.url}}"
                            parameters:
                              headerFilterStrategy: "#ferryTargetHeaders"
                        - to:
                            uri: ferry:delivered
                """.formatted(id, wait, more.isEmpty() ? "" : "              " + more));
    }

    /**
     * An instance configuration file with these connector keys, for {@code --config}: a connector's schedule keys are
     * found in the configuration files (and the environment), not among the JVM's system properties.
     */
    public static Path config(Path file, Map<String, String> keys) throws IOException {
        StringBuilder text = new StringBuilder();
        keys.forEach((key, value) -> text.append(key).append(" = ").append(value).append('\n'));
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    /** The settings of a Ferry whose connectors are the route files in {@code routes}, reading this source as Ferry's role. */
    public Map<String, String> ferrySettings(Path data, Path routes) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("ferry.data-dir", data.toString());
        settings.put("camel.main.routes-include-pattern", "file:" + routes + "/*.camel.yaml");
        settings.put("camel.beans.source.jdbc-url", base(url));
        settings.put("camel.beans.source.username", reader);
        settings.put("camel.main.shutdown-timeout", "10");
        return settings;
    }
}
