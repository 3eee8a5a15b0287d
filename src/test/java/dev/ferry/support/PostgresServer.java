package dev.ferry.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL for tests: a private, throw-away cluster started once per test JVM from the
 * machine's PostgreSQL binaries (Debian's {@code postgresql} package), on 127.0.0.1 and a free port,
 * stopped when the JVM exits. As root it runs the server as the {@code postgres} user (PostgreSQL
 * refuses root). With {@code FERRY_TEST_PG_URL} set (a JDBC URL with user and password of a role that
 * may create databases), that server is used instead.
 *
 * <p>Each test gets a fresh database from {@link #newDatabase()}.
 */
public final class PostgresServer {

    private static PostgresServer shared;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final String adminUrl;
    private final String urlPrefix;
    private final String credentials;
    /** Restarts the server, or null when it is not ours to restart (FERRY_TEST_PG_URL). */
    private final List<String> restart;
    private final boolean asPostgres;

    private PostgresServer(String adminUrl, String urlPrefix, String credentials, List<String> restart, boolean asPostgres) {
        this.adminUrl = adminUrl;
        this.urlPrefix = urlPrefix;
        this.credentials = credentials;
        this.restart = restart;
        this.asPostgres = asPostgres;
    }

    /** Whether {@link #restart()} can restart it: the tests' private cluster, not an external server. */
    public boolean restartable() {
        return restart != null;
    }

    /** Restarts the server (fast shutdown: open connections are cut), as an operator's restart would. */
    public void restart() throws IOException {
        if (restart == null) {
            throw new IllegalStateException("an external PostgreSQL (FERRY_TEST_PG_URL) is not restarted by tests");
        }
        run(restart, asPostgres);
    }

    /** Stops the server (fast shutdown) until {@link #start()}: an outage of the state database. */
    public void stop() throws IOException {
        run(withAction("stop"), asPostgres);
    }

    /** Starts the server stopped by {@link #stop()}. */
    public void start() throws IOException {
        run(withAction("start"), asPostgres);
    }

    /** The restart command with another pg_ctl action. */
    private List<String> withAction(String action) {
        if (restart == null) {
            throw new IllegalStateException("an external PostgreSQL (FERRY_TEST_PG_URL) is not stopped by tests");
        }
        List<String> command = new ArrayList<>(restart);
        command.set(command.size() - 1, action);
        return command;
    }

    public static synchronized PostgresServer shared() {
        if (shared == null) {
            String external = System.getenv("FERRY_TEST_PG_URL");
            shared = external != null && !external.isBlank() ? external(external) : startPrivateCluster();
        }
        return shared;
    }

    /**
     * A cluster of the caller's own, for a test that runs beside others ({@code LateCommitWorkloadTest}) and must not
     * see the shared one stopped under it; {@link #stop()} it when done (the JVM's exit removes its files). With
     * {@code FERRY_TEST_PG_URL} set, that server.
     */
    public static PostgresServer own() {
        String external = System.getenv("FERRY_TEST_PG_URL");
        return external != null && !external.isBlank() ? external(external) : startPrivateCluster();
    }

    /** Creates an empty database and returns its JDBC URL (user and password included). */
    public String newDatabase() {
        String name = "ferry_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create test database " + name + ": " + e.getMessage(), e);
        }
        return urlPrefix + name + credentials;
    }

    /** Runs a statement as the administrator (on the server's maintenance database). */
    public void admin(String sql) {
        try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed: " + e.getMessage(), e);
        }
    }

    /** The database name of a URL {@link #newDatabase()} returned. */
    public static String databaseName(String url) {
        String path = url.substring(0, url.indexOf('?') < 0 ? url.length() : url.indexOf('?'));
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static PostgresServer external(String url) {
        // jdbc:postgresql://host:port/db?user=..&password=..
        int slash = url.indexOf('/', "jdbc:postgresql://".length());
        int query = url.indexOf('?');
        String prefix = url.substring(0, slash + 1);
        String credentials = query < 0 ? "" : url.substring(query);
        return new PostgresServer(url, prefix, credentials, null, false);
    }

    private static PostgresServer startPrivateCluster() {
        Path bin = binaries();
        try {
            Path dir = Files.createTempDirectory("ferry-pg-");
            boolean root = "root".equals(System.getProperty("user.name"));
            if (root) {
                run(List.of("chown", "postgres:postgres", dir.toString()), false);
            }
            run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "ferry",
                    "--auth=trust", "-E", "UTF8", "--no-sync"), root);
            int port = RunningFerry.freePort();
            String options = "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir
                    + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
                    + " -c max_prepared_transactions=20";
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-l",
                    dir.resolve("server.log").toString(), "-o", options, "start"), root);
            List<String> restart = List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w",
                    "-m", "fast", "-l", dir.resolve("server.log").toString(), "-o", options, "restart");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m",
                            "immediate", "stop"), root);
                } catch (IOException e) {
                    // the JVM is going away; the directory is temporary
                } finally {
                    delete(dir);
                }
            }));
            String prefix = "jdbc:postgresql://127.0.0.1:" + port + "/";
            return new PostgresServer(prefix + "postgres?user=ferry", prefix, "?user=ferry", restart, root);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start a PostgreSQL for the tests: " + e.getMessage(), e);
        }
    }

    private static Path binaries() {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(Path::toString))
                    .orElseThrow(() -> new IOException("no initdb under /usr/lib/postgresql/*/bin"));
        } catch (IOException e) {
            throw new IllegalStateException("The PostgreSQL tests need PostgreSQL 15 on this machine"
                    + " (apt-get install -y postgresql, as .ci/run does) or FERRY_TEST_PG_URL set: " + e.getMessage(), e);
        }
    }

    private static void run(List<String> command, boolean asPostgres) throws IOException {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", full) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temporary directory; nothing more to do
        }
    }
}
