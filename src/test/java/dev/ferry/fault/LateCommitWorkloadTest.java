package dev.ferry.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import dev.ferry.support.FerryProcess;
import dev.ferry.support.OrdersSource;
import dev.ferry.support.PostgresServer;
import dev.ferry.support.Target;

/**
 * Late commits under load, with Ferry killed in the middle: for five minutes an application writes to a PostgreSQL
 * table — short transactions all the time, some held a second or two; every 15 s one that stamps five new rows and
 * commits 30 or 60 s later; one that stamps its rows at the start and commits five minutes later — while a Ferry
 * reading as a role that may only SELECT the table (so it cannot see when the application's transactions began)
 * runs the connector every 2 s with no settle lag, and is killed with {@code kill -9} half-way and started again.
 * The target must end with the latest version of every row, each version under one idempotency key (0 missing, 0
 * stale). A second connector on the same table with {@code waitForOpenTransactions: false} is the negative control:
 * it misses the late rows.
 *
 * <p>The five minutes are the point, and the rest of the suite does not need to wait for them: the class runs
 * beside the others ({@code junit-platform.properties} enables that for classes that ask), on a PostgreSQL server
 * of its own (other tests stop the shared one), and on Ferry's default profile whatever the suite's (its subject is
 * the source, and the prod profile's brokers are stopped after each test of the others).
 */
@Tag("fault")
@Execution(ExecutionMode.CONCURRENT)
class LateCommitWorkloadTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WORKLOAD = Duration.ofMinutes(5);
    private static final int LONG_ROWS = 5;

    @TempDir
    Path dir;

    private Target target;
    private FerryProcess ferry;
    private ScheduledExecutorService writers;
    private PostgresServer pg;

    @AfterEach
    void stop() throws Exception {
        if (writers != null) {
            writers.shutdownNow();
        }
        if (ferry != null) {
            ferry.close();
        }
        if (target != null) {
            target.close();
        }
        if (pg != null && pg.restartable()) {
            pg.stop();
        }
    }

    @Test
    void rowsCommittedUpToFiveMinutesAfterTheirStampAreAllDeliveredAcrossAKill() throws Exception {
        long seed = Long.getLong("ferry.fault.seed", System.nanoTime());
        System.out.printf("LateCommitWorkloadTest: seed %d (replay: -Dferry.fault.seed=%d)%n", seed, seed);
        pg = PostgresServer.own();
        OrdersSource orders = OrdersSource.create(pg);
        String appUrl = orders.appUrl();

        target = new Target();
        Path routes = dir.resolve("routes");
        OrdersSource.connector(routes, "orders", true, "");
        OrdersSource.connector(routes, "orders-control", false, "");
        Map<String, String> settings = orders.ferrySettings(dir.resolve("data"), routes);
        Path config = OrdersSource.config(dir.resolve("ferry.properties"), Map.of(
                "orders.schedule.cron", "0/2 * * * * ?", "orders-control.schedule.cron", "1/2 * * * * ?",
                "orders.target.url", target.url("/orders"), "orders-control.target.url", target.url("/control")));

        ferry = FerryProcess.start("ferry-1", null, settings, dir, "--config", config.toString());
        awaitRuns(2);  // Ferry has looked at the source before the application starts

        Random random = new Random(seed);
        AtomicLong ids = new AtomicLong();
        Set<Long> lateIds = ConcurrentHashMap.newKeySet();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger lateTransactions = new AtomicInteger();
        writers = Executors.newScheduledThreadPool(8);

        // one transaction stamps its rows now and commits when the workload ends
        Connection fiveMinutes = DriverManager.getConnection(appUrl);
        fiveMinutes.setAutoCommit(false);
        lateIds.addAll(insert(fiveMinutes, ids, LONG_ROWS, "five-minutes"));
        // short ones, all the time: new rows, and new versions of committed short rows
        Set<Long> shortIds = ConcurrentHashMap.newKeySet();
        CountDownLatch shortWriters = new CountDownLatch(2);
        for (int w = 0; w < 2; w++) {
            long writerSeed = random.nextLong();
            writers.execute(() -> {
                try {
                    shortWrites(appUrl, ids, shortIds, new Random(writerSeed), writing, errors);
                } finally {
                    shortWriters.countDown();
                }
            });
        }
        // every 15 s: five rows stamped now, committed 30 or 60 s later, until a minute before the end
        long longCount = (WORKLOAD.toSeconds() - 60) / 15;
        for (int i = 0; i < longCount; i++) {
            int delay = i % 2 == 0 ? 60 : 30;
            writers.schedule(() -> {
                try {
                    Connection late = DriverManager.getConnection(appUrl);
                    late.setAutoCommit(false);
                    lateIds.addAll(insert(late, ids, LONG_ROWS, "late-" + delay + "s"));
                    writers.schedule(() -> {
                        try (late) {
                            late.commit();
                            lateTransactions.incrementAndGet();
                        } catch (SQLException e) {
                            errors.add(e);
                        }
                    }, delay, TimeUnit.SECONDS);
                } catch (SQLException e) {
                    errors.add(e);
                }
            }, 15L * i, TimeUnit.SECONDS);
        }

        long started = System.nanoTime();
        // half-way: kill -9, and a new process on the same data
        await().atMost(WORKLOAD).pollInterval(Duration.ofSeconds(1))
                .until(() -> System.nanoTime() - started > WORKLOAD.toNanos() / 2);
        ferry.kill();
        ferry = FerryProcess.start("ferry-2", null, settings, dir, "--config", config.toString());

        await().atMost(WORKLOAD).pollInterval(Duration.ofSeconds(1))
                .until(() -> System.nanoTime() - started > WORKLOAD.toNanos());
        writing.set(false);
        try (fiveMinutes) {
            fiveMinutes.commit();
        }
        // every transaction has ended: the source is final
        await().atMost(Duration.ofSeconds(90)).until(() -> lateTransactions.get() == longCount
                && shortWriters.getCount() == 0);
        assertThat(errors).isEmpty();

        Map<Long, Integer> source = source(orders.url());
        Check delivered = await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2))
                .until(() -> check(source, "/orders"), c -> c.missing.isEmpty() && c.stale.isEmpty());
        Check control = check(source, "/control");
        System.out.printf("LateCommitWorkloadTest: seed %d: %d rows (%d of them in %d transactions committed 30 s to 5 min"
                        + " after their stamp); orders: %d requests, %d duplicates, 0 missing, 0 stale; control"
                        + " (waitForOpenTransactions false): %d missing, %d of them late rows (the others held a second or"
                        + " two)%n", seed, source.size(),
                lateIds.size(), longCount + 1, delivered.requests, delivered.duplicates, control.missing.size(),
                control.missing.stream().filter(lateIds::contains).count());

        assertThat(delivered.keys).as("versions delivered under more than one idempotency key").isEmpty();
        // without waiting, every row committed after a run passed its stamp is lost: all the late ones, and some of
        // the short ones held a second or two
        assertThat(control.missing).as("the negative control misses the late rows").containsAll(lateIds);
    }

    /** Until the workload stops: a new row or a new version of a short one, each in a transaction of its own. */
    private static void shortWrites(String url, AtomicLong ids, Set<Long> shortIds, Random random, AtomicBoolean writing,
                                    List<Throwable> errors) {
        try (Connection c = DriverManager.getConnection(url)) {
            c.setAutoCommit(false);
            while (writing.get()) {
                List<Long> known = new ArrayList<>(shortIds);
                Long id = null;
                if (random.nextBoolean() || known.isEmpty()) {
                    id = insert(c, ids, 1, "short").get(0);
                } else {
                    long chosen = known.get(random.nextInt(known.size()));
                    try (Statement s = c.createStatement()) {
                        s.execute("UPDATE orders SET version = version + 1, updated_at = now() WHERE id = " + chosen);
                    }
                }
                // most commit at once; some are held a second or two, as a busy application's are
                if (random.nextInt(10) == 0) {
                    Thread.sleep(500 + random.nextInt(1500));
                } else {
                    Thread.sleep(20 + random.nextInt(80));
                }
                c.commit();
                if (id != null) {
                    shortIds.add(id);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            errors.add(e);
        }
    }

    private static List<Long> insert(Connection c, AtomicLong ids, int rows, String kind) throws SQLException {
        List<Long> inserted = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            for (int i = 0; i < rows; i++) {
                long id = ids.incrementAndGet();
                s.execute("INSERT INTO orders VALUES (" + id + ", 1, '" + kind + "', now())");
                inserted.add(id);
            }
        }
        return inserted;
    }

    private void awaitRuns(int completed) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
                ferry.api().get("/api/runs?connector=orders&status=COMPLETED").json().path("items").size() >= completed);
    }

    private static Map<Long, Integer> source(String url) throws SQLException {
        Map<Long, Integer> rows = new HashMap<>();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, version FROM orders")) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getInt(2));
            }
        }
        return rows;
    }

    /** What the target accepted under a path, against the source. */
    private record Check(int requests, int duplicates, Set<Long> missing, Set<Long> stale, Set<String> keys) {
    }

    private Check check(Map<Long, Integer> source, String path) throws IOException {
        Map<Long, Integer> last = new HashMap<>();
        Map<String, Set<String>> keysPerVersion = new HashMap<>();
        int duplicates = 0;
        List<LoggedRequest> requests = target.requests(path);
        for (LoggedRequest request : requests) {
            JsonNode row = JSON.readTree(request.getBodyAsString());
            long id = row.get("id").asLong();
            int version = row.get("version").asInt();
            last.put(id, version);
            String key = request.getHeader("Idempotency-Key");
            if (!keysPerVersion.computeIfAbsent(id + "@" + version, v -> new HashSet<>()).add(key)) {
                duplicates++;
            }
        }
        Set<Long> missing = new HashSet<>();
        Set<Long> stale = new HashSet<>();
        source.forEach((id, version) -> {
            Integer delivered = last.get(id);
            if (delivered == null) {
                missing.add(id);
            } else if (delivered != version.intValue()) {
                stale.add(id);
            }
        });
        Set<String> keys = new HashSet<>();
        keysPerVersion.forEach((version, k) -> {
            if (k.size() > 1) {
                keys.add(version + " " + k);
            }
        });
        return new Check(requests.size(), duplicates, missing, stale, keys);
    }
}
