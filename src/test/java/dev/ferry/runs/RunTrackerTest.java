package dev.ferry.runs;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ferry.state.StateDatabase;
import dev.ferry.support.SettableClock;

/** Outcome counting and run completion, on a real state database. */
class RunTrackerTest {

    private StateDatabase state;
    private RunLedger runs;
    private ScheduledExecutorService executor;
    private RunTracker tracker;

    @BeforeEach
    void setUp() throws Exception {
        state = StateDatabase.open("jdbc:h2:mem:state-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", 2);
        runs = new RunLedger(state.dataSource(), new SettableClock(Instant.parse("2026-11-21T10:00:00Z")), "a");
        executor = Executors.newSingleThreadScheduledExecutor();
        // Flushes are driven by the test: the scheduled interval is an hour.
        tracker = new RunTracker(runs, Clock.systemUTC(), executor, 3_600_000);
    }

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
        state.close();
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
    void aRunThatBrokeOffWhileGatheringCountsItsQueuedRecordsAsGatheredAsTheirOutcomesArrive() throws Exception {
        long id = runs.create("c", Trigger.SCHEDULE, RunMode.SYNC, null);
        runs.markProcessing(id);
        tracker.delivered(id, 3);
        tracker.flush();
        assertThat(runs.find(id).orElseThrow()).extracting(Run::gathered, Run::delivered).containsExactly(3L, 3L);

        runs.fail(id, "Ferry stopped while this run was gathering");
        tracker.delivered(id, 4);
        tracker.failed(id, 1);
        tracker.flush();

        Run run = runs.find(id).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run).extracting(Run::gathered, Run::delivered, Run::failed).containsExactly(8L, 7L, 1L);
        assertThat(run.gatheredBy()).isEqualTo("a");
        assertThat(run.deliveredBy()).containsExactly(new Run.Delivery("a", 7, 1));
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
