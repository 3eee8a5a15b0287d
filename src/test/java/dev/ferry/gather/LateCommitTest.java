package dev.ferry.gather;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.jms.Message;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.queue.RecordHeaders;
import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.FailureLedger;
import dev.ferry.state.StateDatabase;
import dev.ferry.support.BrokerFixture;
import dev.ferry.support.OrdersSource;
import dev.ferry.support.PostgresServer;
import dev.ferry.support.SettableClock;
import dev.ferry.watermark.Watermark;

/**
 * Rows that a transaction stamps and commits later than runs pass their stamp, on a real PostgreSQL: the runs read
 * as a role that may only SELECT the table (so that the writers' {@code xact_start} is hidden from it, as without
 * {@code pg_read_all_stats}), with no settle lag, and each row must be gathered exactly once, by the first run after
 * its commit. The negative control turns the mechanism off and shows the loss.
 */
class LateCommitTest {

    private static final String QUEUE = "ferry.orders";
    private static final AtomicInteger STATES = new AtomicInteger();

    @TempDir
    Path dir;

    private BrokerFixture broker;
    private StateDatabase state;
    private Gatherer gatherer;
    private OpenTransactions openTransactions;
    private HikariDataSource reader;
    private String writerUrl;
    private OrdersSource orders;
    private final List<Connection> held = new ArrayList<>();
    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();
    private Watermark watermark;

    @BeforeEach
    void setUp() throws Exception {
        broker = new BrokerFixture(dir.resolve("broker"));
        state = StateDatabase.open("jdbc:h2:mem:late-" + STATES.incrementAndGet() + ";DB_CLOSE_DELAY=-1", "sa", "", 2);
        openTransactions = new OpenTransactions(state.dataSource());
        gatherer = new Gatherer(new FailureLedger(state.dataSource(), new SettableClock(Instant.now())), openTransactions);
        orders = OrdersSource.create(PostgresServer.shared());
        writerUrl = orders.appUrl();
        reader = new HikariDataSource();
        reader.setJdbcUrl(orders.readerUrl());
        reader.setMaximumPoolSize(2);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Connection c : held) {
            c.close();
        }
        reader.close();
        state.close();
        broker.close();
    }

    @Test
    void aRowStampedBeforeRunsPassAndCommittedAfterThemIsGatheredOnceByTheFirstRunAfterItsCommit() throws Exception {
        commit(3);
        run(true);        // Ferry has looked at the source before the late transaction began
        Connection late = begin();
        insert(late, 3);  // stamped now(): the transaction's start
        for (int i = 0; i < 4; i++) {
            commit(2);     // rows stamped after it, committed at once
            run(true);
        }
        Map<Long, List<Long>> before = gathered();
        assertThat(before.values().stream().flatMap(List::stream)).hasSize(3);
        assertThat(openTransactions.report("orders")).get()
                .satisfies(r -> assertThat(r.holder().description()).contains("role " + orders.app())
                        .contains("open since at least").doesNotContain("begun"));

        late.commit();
        long first = run(true);
        run(true);

        Map<Long, List<Long>> all = gathered();
        assertThat(all.get(first)).containsExactlyInAnyOrder(4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L);
        assertThat(all.values().stream().flatMap(List::stream)).doesNotHaveDuplicates().hasSize(14);
        assertThat(openTransactions.report("orders")).get().satisfies(r -> assertThat(r.held()).isZero());
    }

    @Test
    void withoutWaitingForOpenTransactionsTheLateRowsAreMissed() throws Exception {
        commit(3);
        Connection late = begin();
        insert(late, 3);
        commit(2);
        run(false);
        late.commit();
        run(false);
        run(false);

        List<Long> delivered = gathered().values().stream().flatMap(List::stream).sorted().toList();
        assertThat(delivered).containsExactly(1L, 2L, 3L, 7L, 8L);
    }

    @Test
    void aTransactionThatWritesOnlyLaterInASubtransactionOrPreparedIsWaitedForAsWell() throws Exception {
        commit(1);
        run(true);
        Connection reading = begin();
        try (Statement s = reading.createStatement()) {
            s.execute("SELECT count(*) FROM orders");  // no transaction id yet: it has not written
        }
        Connection prepared = begin();
        insert(prepared, 1);
        commit(1);
        run(true);
        try (Statement s = prepared.createStatement()) {
            s.execute("PREPARE TRANSACTION 'late-orders'");  // its session is free again; the transaction is not
        }
        commit(1);
        run(true);
        try (Statement s = reading.createStatement()) {
            s.execute("SAVEPOINT part");
        }
        insert(reading, 2);                // stamped now(): when it began, before every run so far
        try (Statement s = reading.createStatement()) {
            s.execute("RELEASE SAVEPOINT part");
        }
        run(true);
        assertThat(gathered().values().stream().flatMap(List::stream)).containsExactly(1L);

        reading.commit();
        run(true);
        assertThat(gathered().values().stream().flatMap(List::stream)).containsExactly(1L);
        try (Connection c = DriverManager.getConnection(writerUrl); Statement s = c.createStatement()) {
            s.execute("COMMIT PREPARED 'late-orders'");
        }
        run(true);

        assertThat(gathered().values().stream().flatMap(List::stream)).doesNotHaveDuplicates()
                .containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L);
    }

    @Test
    void aTransactionOfFerrysOwnRoleIsDatedByTheServerAndAnotherFerryReadHoldsNothing() throws Exception {
        commit(1);
        Connection own = DriverManager.getConnection(reader.getJdbcUrl());
        held.add(own);
        own.setAutoCommit(false);
        Instant began;
        try (Statement s = own.createStatement(); ResultSet rs = s.executeQuery("SELECT now()")) {
            rs.next();
            began = rs.getObject(1, OffsetDateTime.class).toInstant();
        }
        Connection otherGather = DriverManager.getConnection(writerUrl);
        held.add(otherGather);
        otherGather.setAutoCommit(false);
        try (Statement s = otherGather.createStatement()) {
            s.execute("SET LOCAL application_name = 'ferry: gather invoices'");
            s.execute("SELECT count(*) FROM orders");
        }
        run(true);

        OpenTransactions.Report report = openTransactions.report("orders").orElseThrow();
        assertThat(report.holder().exact()).isTrue();
        assertThat(report.holder().since()).isEqualTo(began);
        assertThat(report.horizon()).isEqualTo(began);
        assertThat(report.holder().description()).contains("begun").contains("idle in transaction");
    }

    @Test
    void aTransactionOpenLongerThanTheLimitIsNamedAndNoLongerWaitedFor() throws Exception {
        Connection idle = begin();
        insert(idle, 1);
        commit(2);
        Duration limit = Duration.ofSeconds(2);
        run(true, limit);
        assertThat(gathered().values().stream().flatMap(List::stream)).isEmpty();
        OpenTransactions.Report held = openTransactions.report("orders").orElseThrow();
        assertThat(held.overLimit()).isEmpty();
        assertThat(held.held()).isPositive();

        // the transaction's age is what the runs have seen of it: it grows with the source's clock
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    run(true, limit);
                    return !openTransactions.report("orders").orElseThrow().overLimit().isEmpty();
                });

        OpenTransactions.Report report = openTransactions.report("orders").orElseThrow();
        assertThat(report.held()).isZero();
        assertThat(report.overLimit()).singleElement()
                .satisfies(open -> assertThat(open.description()).contains("role " + orders.app()).contains("xid"));
        assertThat(gathered().values().stream().flatMap(List::stream)).containsExactlyInAnyOrder(2L, 3L);
    }

    private Connection begin() throws SQLException {
        Connection c = orders.begin();
        held.add(c);
        return c;
    }

    /** {@code rows} new rows stamped now(), in a transaction of their own, committed. */
    private void commit(int rows) throws SQLException {
        try (Connection c = DriverManager.getConnection(writerUrl)) {
            insert(c, rows);
        }
    }

    private void insert(Connection c, int rows) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (int i = 0; i < rows; i++) {
                s.execute("INSERT INTO orders VALUES (" + ids.incrementAndGet() + ", 1, 'order', now())");
            }
        }
    }

    private long run(boolean wait) throws Exception {
        return run(wait, Source.DEFAULT_OPEN_TRANSACTION_LIMIT);
    }

    /** One run from the last watermark; returns its id. */
    private long run(boolean wait, Duration limit) throws Exception {
        long id = runs.incrementAndGet();
        Source orders = new Source(reader, "orders", null, "updated_at", "id", 100, Duration.ZERO, null, wait, limit);
        try (SyncQueue.Writer writer = broker.queue().open(QUEUE, 100)) {
            Gatherer.Result result = gatherer.gather(new Gatherer.Request("orders", id, orders, watermark, false, 10,
                    () -> false), writer);
            watermark = result.after();
        }
        return id;
    }

    private final Map<Long, List<Long>> received = new TreeMap<>();

    /** The keys each run queued, by run id (everything so far). */
    private Map<Long, List<Long>> gathered() throws Exception {
        for (Message m : broker.drain(QUEUE)) {
            received.computeIfAbsent(m.getLongProperty(RecordHeaders.RUN_ID), r -> new ArrayList<>())
                    .add(Long.parseLong(m.getStringProperty(RecordHeaders.RECORD_KEY)));
        }
        return received;
    }
}
