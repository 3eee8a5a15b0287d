package dev.ferry.runs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.queue.QueuedRecord;
import dev.ferry.queue.SyncQueue;
import dev.ferry.state.StateDatabase;
import dev.ferry.support.BrokerFixture;
import dev.ferry.support.SettableClock;

/** Outcome counting and run completion, on a real state database and the real broker. */
class RunTrackerTest {

    private static final String QUEUE = "ferry.c";

    @TempDir
    Path dir;

    private BrokerFixture broker;
    private StateDatabase state;
    private RunLedger runs;
    private ScheduledExecutorService executor;
    private RunTracker tracker;

    @BeforeEach
    void setUp() throws Exception {
        broker = new BrokerFixture(dir);
        state = StateDatabase.open("jdbc:h2:mem:state-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", 2);
        runs = new RunLedger(state.dataSource(), new SettableClock(Instant.parse("2026-11-21T10:00:00Z")));
        executor = Executors.newSingleThreadScheduledExecutor();
        // Flushes are driven by the test: the scheduled interval is an hour; a drain check on every flush.
        tracker = new RunTracker(runs, connector -> broker.queue().depth(QUEUE), executor, 3_600_000, 1);
    }

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
        state.close();
        broker.close();
    }

    @Test
    void aRunFinishesWhenEveryGatheredRecordHasAnOutcome() throws Exception {
        long id = submitted(3);
        tracker.submitted(id);
        tracker.delivered(id);
        tracker.failed(id);
        tracker.flush();
        assertThat(runs.find(id).orElseThrow().status()).isEqualTo(RunStatus.SUBMITTED);

        tracker.delivered(id);
        tracker.flush();

        Run run = runs.find(id).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.INCOMPLETE);
        assertThat(run.delivered()).isEqualTo(2);
        assertThat(run.failed()).isEqualTo(1);
    }

    @Test
    void aRunWithNothingToDeliverFinishesWhenSubmitted() throws Exception {
        long id = submitted(0);
        tracker.submitted(id);
        assertThat(runs.find(id).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void aRecoveredRunWhoseCountsWereLostFinishesOnlyOnceItsQueueHoldsNoneOfItsRecords() throws Exception {
        long id = submitted(5);
        try (Connection c = state.dataSource().getConnection()) {
            runs.addOutcomes(c, id, 3, 0);
        }
        try (SyncQueue.Writer writer = broker.queue().open(QUEUE, 10)) {
            writer.send(new QueuedRecord("c", id, "5", "v", QueuedRecord.Operation.UPSERT, false, "{}"));
            writer.commit();
        }
        tracker.adopt(List.of(runs.find(id).orElseThrow()));

        tracker.flush();
        assertThat(runs.find(id).orElseThrow().status()).isEqualTo(RunStatus.SUBMITTED);

        assertThat(broker.drain(QUEUE)).hasSize(1);
        tracker.delivered(id);
        tracker.flush();

        Run run = runs.find(id).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.delivered()).isEqualTo(5);
        assertThat(run.error()).contains("Ferry stopped while this run was delivering");
    }

    private long submitted(long gathered) throws Exception {
        long id = runs.create("c", Trigger.SCHEDULE, RunMode.SYNC, null);
        runs.markProcessing(id);
        try (Connection c = state.dataSource().getConnection()) {
            runs.markSubmitted(c, id, gathered, 0, 0, null);
        }
        return id;
    }
}
