package dev.ferry.gather;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;

import jakarta.jms.Message;
import jakarta.jms.TextMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.queue.RecordHeaders;
import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.Failure;
import dev.ferry.runs.FailureLedger;
import dev.ferry.state.StateDatabase;
import dev.ferry.support.BrokerFixture;
import dev.ferry.support.SettableClock;
import dev.ferry.support.TestDatabase;
import dev.ferry.watermark.Watermark;

/**
 * The gatherer against a real source and the real embedded broker, on every database Ferry supports
 * (one subclass each); source and state in the same kind of database, the JVM in a non-UTC zone.
 */
abstract class GatherContract {

    /** The database this subclass runs the contract on. */
    protected abstract TestDatabase database();

    private static final String QUEUE = "ferry.items";
    private static final LocalDateTime TIE = LocalDateTime.parse("2026-01-15T08:00:00.250000");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private BrokerFixture broker;
    private StateDatabase state;
    private FailureLedger failures;
    private HikariDataSource source;

    @BeforeEach
    void setUp() throws Exception {
        broker = new BrokerFixture(dir.resolve("broker"));
        state = StateDatabase.open(database().newDatabase(dir), database().user(), "", 2);
        failures = new FailureLedger(state.dataSource(), new SettableClock(Instant.parse("2026-11-21T10:00:00Z")));
        source = new HikariDataSource();
        source.setJdbcUrl(database().newDatabase(dir));
        source.setUsername(database().user());
        try (Connection c = source.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR(50), amount DOUBLE PRECISION,"
                    + " updated_at TIMESTAMP(6) NOT NULL)");
        }
        // 25 rows written by one transaction (one timestamp), then 5 later ones, each 1 µs apart.
        for (long id = 1; id <= 25; id++) {
            insert(id, TIE);
        }
        for (long id = 26; id <= 30; id++) {
            insert(id, TIE.plusNanos(1_000 * (id - 25)));
        }
    }

    @AfterEach
    void tearDown() {
        source.close();
        state.close();
        broker.close();
    }

    @Test
    void rowsSharingATimestampAreAllGatheredAcrossTransactionsAndTheWatermarkIsTheLastRow() throws Exception {
        Gatherer.Result result = gather(null, 7, Duration.ZERO);

        assertThat(result.gathered()).isEqualTo(30);
        assertThat(result.failed()).isZero();
        assertThat(result.after()).isEqualTo(new Watermark(TIE.plusNanos(5_000), 30L));
        List<Message> messages = broker.drain(QUEUE);
        assertThat(messages).extracting(m -> m.getStringProperty(RecordHeaders.RECORD_KEY))
                .containsExactlyElementsOf(keys(1, 30));
        Message first = messages.get(0);
        assertThat(first.getStringProperty(RecordHeaders.CONNECTOR)).isEqualTo("items");
        assertThat(first.getLongProperty(RecordHeaders.RUN_ID)).isEqualTo(1L);
        assertThat(first.getStringProperty(RecordHeaders.RECORD_VERSION)).isEqualTo("2026-01-15T08:00:00.250");
        assertThat(first.getStringProperty(RecordHeaders.IDEMPOTENCY_KEY))
                .isEqualTo(IdempotencyKey.of("items", "1", "2026-01-15T08:00:00.250"));
        assertThat(first.getStringProperty(RecordHeaders.GROUP_ID)).isEqualTo("1");
        JsonNode row = JSON.readTree(((TextMessage) first).getText());
        assertThat(row.get("id").asLong()).isEqualTo(1);
        assertThat(row.get("name").asText()).isEqualTo("item 1");
        assertThat(row.get("updated_at").asText()).isEqualTo("2026-01-15T08:00:00.250");
        assertThat(JSON.readTree(((TextMessage) messages.get(29)).getText()).get("updated_at").asText())
                .isEqualTo("2026-01-15T08:00:00.250005");
    }

    @Test
    void aWatermarkInsideATieResumesAfterItsKeyAndMicrosecondsApartRowsAreEachGatheredOnce() throws Exception {
        Gatherer.Result result = gather(new Watermark(TIE, 12L), 500, Duration.ZERO);

        assertThat(result.gathered()).isEqualTo(18);
        assertThat(broker.drain(QUEUE)).extracting(m -> m.getStringProperty(RecordHeaders.RECORD_KEY))
                .containsExactlyElementsOf(keys(13, 30));

        Gatherer.Result next = gather(new Watermark(TIE.plusNanos(3_000), 28L), 500, Duration.ZERO);

        assertThat(broker.drain(QUEUE)).extracting(m -> m.getStringProperty(RecordHeaders.RECORD_KEY))
                .containsExactly("29", "30");
        assertThat(next.after()).isEqualTo(new Watermark(TIE.plusNanos(5_000), 30L));
    }

    @Test
    void rowsNewerThanTheDatabaseClockMinusTheSettleLagWaitForALaterRun() throws Exception {
        try (Connection c = source.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO items VALUES (31, 'fresh', 1.0, LOCALTIMESTAMP - INTERVAL '10' SECOND)");
        }
        Gatherer.Result settled = gather(new Watermark(TIE.plusNanos(5_000), 30L), 500, Duration.ofMinutes(1));

        assertThat(settled.gathered()).isZero();
        assertThat(settled.after()).isEqualTo(new Watermark(TIE.plusNanos(5_000), 30L));

        Gatherer.Result later = gather(settled.after(), 500, Duration.ofSeconds(1));

        assertThat(later.gathered()).isEqualTo(1);
        assertThat(later.after().key()).isEqualTo(31L);
    }

    @Test
    void failedKeysAreReadAgainWithTheirCurrentStateOnceAndGoneOnesAreResolved() throws Exception {
        failures.record("items", "3", "old", 1, 500, "HTTP 500", 10);
        failures.record("items", "28", "old", 1, 500, "HTTP 500", 10);
        failures.record("items", "99", "old", 1, 500, "HTTP 500", 10);
        update(3, "item 3 renamed");

        Gatherer.Result result = gather(new Watermark(TIE.plusNanos(1_000), 26L), 500, Duration.ZERO);

        // 27..30 from the main pass (28 among them), 3 from the retry pass; 99 no longer exists.
        List<Message> messages = broker.drain(QUEUE);
        assertThat(messages).extracting(m -> m.getStringProperty(RecordHeaders.RECORD_KEY))
                .containsExactly("27", "28", "29", "30", "3");
        assertThat(JSON.readTree(((TextMessage) messages.get(4)).getText()).get("name").asText()).isEqualTo("item 3 renamed");
        assertThat(messages).allSatisfy(m -> assertThat(m.getBooleanProperty(RecordHeaders.LEDGER_CHECK)).isTrue());
        assertThat(result.gathered()).isEqualTo(5);
        assertThat(result.skipped()).isEqualTo(1);
        assertThat(result.after()).isEqualTo(new Watermark(TIE.plusNanos(5_000), 30L));
        assertThat(failures.find("items", "99").orElseThrow().status()).isEqualTo(Failure.Status.RESOLVED);
        assertThat(failures.find("items", "3").orElseThrow().status()).isEqualTo(Failure.Status.OPEN);
    }

    @Test
    void aValueJsonCannotCarryFailsThatRecordIntoTheLedgerAndTheOthersAreQueued() throws Exception {
        try (Connection c = source.getConnection(); Statement s = c.createStatement()) {
            s.execute("UPDATE items SET amount = CAST('NaN' AS DOUBLE PRECISION) WHERE id = 4");
        }

        Gatherer.Result result = gather(null, 500, Duration.ZERO);

        assertThat(result.gathered()).isEqualTo(30);
        assertThat(result.failed()).isEqualTo(1);
        assertThat(broker.drain(QUEUE)).hasSize(29)
                .noneMatch(m -> "4".equals(propertyOrNull(m)));
        Failure failure = failures.find("items", "4").orElseThrow();
        assertThat(failure.lastError()).contains("column amount").contains("NaN");
    }

    @Test
    void aMissingColumnFailsTheGatherWithTheDatabasesMessageAndQueuesNothing() {
        Source broken = new Source(source, "items", null, "modified_at", "id", 100, Duration.ZERO);
        assertThatThrownBy(() -> {
            try (SyncQueue.Writer writer = broker.queue().open(QUEUE, 10)) {
                new Gatherer(failures, new OpenTransactions(state.dataSource())).gather(new Gatherer.Request("items", 1, broken, null, false, 10, () -> false), writer);
            }
        }).satisfies(e -> assertThat(e.getMessage()).containsIgnoringCase("modified_at"));
    }

    @Test
    void aStopRequestedDuringTheGatherAbortsIt() throws Exception {
        for (long id = 31; id <= 1_200; id++) {
            insert(id, TIE.plusSeconds(id));
        }
        assertThatThrownBy(() -> {
            try (SyncQueue.Writer writer = broker.queue().open(QUEUE, 100)) {
                new Gatherer(failures, new OpenTransactions(state.dataSource())).gather(new Gatherer.Request("items", 1,
                        new Source(source, "items", null, "updated_at", "id", 100, Duration.ZERO), null, false, 10,
                        () -> true), writer);
            }
        }).isInstanceOf(Gatherer.StoppedException.class);
    }

    @Test
    void aRowCommittedLateButWithinTheSettleLagIsGatheredByTheNextRun() throws Exception {
        Watermark start = new Watermark(TIE.plusNanos(5_000), 30L);
        try (Connection late = source.getConnection(); Statement s = late.createStatement()) {
            // A transaction writes row 41 stamped 30 s ago and is slow to commit; row 42, stamped 20 s ago,
            // commits at once. The settle lag is 60 s.
            late.setAutoCommit(false);
            s.execute("INSERT INTO items VALUES (41, 'late', 1.0, LOCALTIMESTAMP - INTERVAL '30' SECOND)");
            try (Connection other = source.getConnection(); Statement o = other.createStatement()) {
                o.execute("INSERT INTO items VALUES (42, 'prompt', 1.0, LOCALTIMESTAMP - INTERVAL '20' SECOND)");
            }

            Gatherer.Result first = gather(start, 500, Duration.ofMinutes(1));

            assertThat(first.gathered()).isZero();
            assertThat(first.after()).isEqualTo(start);
            late.commit();
        }
        // Later (here: the same rows, now older than the settle lag), the next run carries both, in order.
        Gatherer.Result next = gather(start, 500, Duration.ofSeconds(10));

        assertThat(broker.drain(QUEUE)).extracting(m -> m.getStringProperty(RecordHeaders.RECORD_KEY))
                .containsExactly("41", "42");
        assertThat(next.after().key()).isEqualTo(42L);
    }

    @Test
    void withoutASettleLagTheSameLateCommitIsLostWhichIsWhatTheLagIsFor() throws Exception {
        Watermark start = new Watermark(TIE.plusNanos(5_000), 30L);
        try (Connection late = source.getConnection(); Statement s = late.createStatement()) {
            late.setAutoCommit(false);
            s.execute("INSERT INTO items VALUES (41, 'late', 1.0, LOCALTIMESTAMP - INTERVAL '30' SECOND)");
            try (Connection other = source.getConnection(); Statement o = other.createStatement()) {
                o.execute("INSERT INTO items VALUES (42, 'prompt', 1.0, LOCALTIMESTAMP - INTERVAL '20' SECOND)");
            }
            Gatherer.Result first = gather(start, 500, Duration.ZERO);
            assertThat(broker.drain(QUEUE)).extracting(m -> m.getStringProperty(RecordHeaders.RECORD_KEY)).containsExactly("42");
            late.commit();

            Gatherer.Result next = gather(first.after(), 500, Duration.ZERO);

            assertThat(next.gathered()).isZero();
        }
    }

    @Test
    void theStartUpCheckRejectsWhatCannotWorkAndWarnsAboutWhatIsSlowOrRisky() throws Exception {
        try (Connection c = source.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE loose (id BIGINT, updated_at TIMESTAMP(6) NOT NULL)");
            s.execute("CREATE VIEW items_view AS SELECT id, name, updated_at FROM items");
            s.execute("CREATE VIEW items_unset AS SELECT id, CASE WHEN id = 3 THEN NULL ELSE updated_at END AS updated_at FROM items");
        }

        // items: NOT NULL columns, but no index starts with updated_at.
        assertThat(SourceCheck.check(new Source(source, "items", null, "updated_at", "id", 100, Duration.ZERO)))
                .singleElement().satisfies(f -> {
                    assertThat(f.fatal()).isFalse();
                    assertThat(f.option()).isEqualTo("cursorColumn");
                    assertThat(f.message()).startsWith("no index of items starts with updated_at");
                });
        // A nullable key column of a table cannot work.
        assertThat(SourceCheck.check(new Source(source, "loose", null, "updated_at", "id", 100, Duration.ZERO)))
                .filteredOn(SourceCheck.Finding::fatal).singleElement()
                .satisfies(f -> assertThat(f.option()).isEqualTo("keyColumn"));
        // A view: NULLs now are an error, none is only a warning.
        assertThat(SourceCheck.check(new Source(source, "items_unset", null, "updated_at", "id", 100, Duration.ZERO)))
                .filteredOn(SourceCheck.Finding::fatal).singleElement()
                .satisfies(f -> assertThat(f.message()).startsWith("1 row(s) have no updated_at"));
        assertThat(SourceCheck.check(new Source(source, "items_view", null, "updated_at", "id", 100, Duration.ZERO)))
                .noneMatch(SourceCheck.Finding::fatal);
        // Nothing is wrong with an indexed table whose columns cannot be NULL.
        try (Connection c = source.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE INDEX items_cursor ON items (updated_at, id)");
        }
        assertThat(SourceCheck.check(new Source(source, "items", null, "updated_at", "id", 100, Duration.ZERO))).isEmpty();
    }

    private Gatherer.Result gather(Watermark from, int transactionSize, Duration settleLag) throws Exception {
        Source items = new Source(source, "items", null, "updated_at", "id", 100, settleLag);
        try (SyncQueue.Writer writer = broker.queue().open(QUEUE, transactionSize)) {
            Gatherer.Result result = new Gatherer(failures, new OpenTransactions(state.dataSource())).gather(
                    new Gatherer.Request("items", 1, items, from, failures.hasUnresolved("items"), 10, () -> false), writer);
            assertThat(writer.committed()).isEqualTo(result.gathered() - result.failed());
            return result;
        }
    }

    private void insert(long id, LocalDateTime updatedAt) throws Exception {
        try (Connection c = source.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO items VALUES (?, ?, ?, ?)")) {
            ps.setLong(1, id);
            ps.setString(2, "item " + id);
            ps.setDouble(3, id * 1.5);
            ps.setObject(4, updatedAt);
            ps.executeUpdate();
        }
    }

    private void update(long id, String name) throws Exception {
        try (Connection c = source.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE items SET name = ? WHERE id = ?")) {
            ps.setString(1, name);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }

    private static String propertyOrNull(Message m) {
        try {
            return m.getStringProperty(RecordHeaders.RECORD_KEY);
        } catch (Exception e) {
            return null;
        }
    }

    private static List<String> keys(int from, int to) {
        return java.util.stream.IntStream.rangeClosed(from, to).mapToObj(String::valueOf).toList();
    }
}
