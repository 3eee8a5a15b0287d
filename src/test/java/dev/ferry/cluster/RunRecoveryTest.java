package dev.ferry.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.connector.ConnectorLock;
import dev.ferry.queue.QueuedRecord;
import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunMode;
import dev.ferry.runs.RunStatus;
import dev.ferry.runs.RunTracker;
import dev.ferry.runs.Trigger;
import dev.ferry.state.StateDatabase;
import dev.ferry.support.BrokerFixture;
import dev.ferry.support.SettableClock;

/**
 * Runs that an instance which stopped uncleanly left delivering: finished once their queue is empty and every
 * instance alive then has written its counts, or is gone — on a real state database and the real broker, with
 * instance a's clock in the test's hands and instance b dead (its beat count never moves).
 */
class RunRecoveryTest {

    private static final String QUEUE = "ferry.c";
    private static final Duration LEASE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private BrokerFixture broker;
    private StateDatabase state;
    private ScheduledExecutorService executor;
    private RunLedger runsOnA;
    private RunLedger runsOnB;
    private RunTracker trackerOnA;
    private Heartbeat heartbeatOfA;
    private RunRecovery recoveryOnA;

    @BeforeEach
    void setUp() throws Exception {
        broker = new BrokerFixture(dir);
        state = StateDatabase.open("jdbc:h2:mem:state-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", 4);
        executor = Executors.newSingleThreadScheduledExecutor();
        runsOnA = new RunLedger(state.dataSource(), clock, "a");
        runsOnB = new RunLedger(state.dataSource(), clock, "b");
        Instances instances = new Instances(state.dataSource());
        instances.register("b", "host-b", "test", "b-1");
        trackerOnA = new RunTracker(runsOnA, clock, executor, 3_600_000);
        // the test beats and looks: the scheduled intervals are an hour
        heartbeatOfA = new Heartbeat(instances, new InstanceName("a", "host-a"), "test", trackerOnA, executor,
                Duration.ofHours(1));
        heartbeatOfA.start();
        recoveryOnA = new RunRecovery(runsOnA, trackerOnA, ConnectorLock.LOCAL, connector -> false,
                connector -> broker.queue().depth(QUEUE), instances, clock, LEASE, executor, Duration.ofHours(1));
    }

    @AfterEach
    void tearDown() {
        heartbeatOfA.stop();
        executor.shutdownNow();
        state.close();
        broker.close();
    }

    @Test
    void aRunWhoseCountsDiedWithAnInstanceFinishesOnceItsQueueIsEmptyTheLiveOnesWroteTheirsAndTheDeadOneIsGone()
            throws Exception {
        long id = submitted(5);
        // b delivered 3 and wrote their counts, and 1 more that it never wrote; 1 record is still queued
        countedOnB(id, 3);
        try (SyncQueue.Writer writer = broker.queue().open(QUEUE, 10)) {
            writer.send(new QueuedRecord("c", id, "5", "v", QueuedRecord.Operation.UPSERT, false, "{}"));
            writer.commit();
        }

        lookAfterBeats();
        assertThat(status(id)).as("a record still queued").isEqualTo(RunStatus.SUBMITTED);

        // a delivers the last record (its count is in a's memory until a beats)
        assertThat(broker.drain(QUEUE)).hasSize(1);
        trackerOnA.delivered("c", id, 1);
        lookAfterBeats();
        assertThat(status(id)).as("b may still hold counts: it is alive until its lease is over").isEqualTo(RunStatus.SUBMITTED);

        clock.tick(LEASE.minusSeconds(1));
        lookAfterBeats();
        assertThat(status(id)).isEqualTo(RunStatus.SUBMITTED);

        clock.tick(Duration.ofSeconds(1));
        recoveryOnA.check();
        Run run = runsOnA.find(id).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run).extracting(Run::gathered, Run::delivered, Run::failed).containsExactly(5L, 5L, 0L);
        assertThat(run.deliveredBy()).containsExactly(new Run.Delivery("a", 1, 0), new Run.Delivery("b", 3, 0));
        assertThat(run.error()).isEqualTo("Instance(s) b stopped uncleanly while this run was delivering; all its"
                + " records were processed, and the delivered count was completed from the queue (1 record(s) whose"
                + " outcome was not written)");
    }

    @Test
    void aFailedRecordWhoseCountWasLostIsCountedFromTheRunsFailedRecords() throws Exception {
        long id = submitted(3);
        try (SyncQueue.Writer writer = broker.queue().open(QUEUE, 10)) {
            for (int key = 5; key <= 7; key++) {
                writer.send(new QueuedRecord("c", id, String.valueOf(key), "v", QueuedRecord.Operation.UPSERT, false, "{}"));
            }
            writer.commit();
        }
        // b took all three: delivered two, wrote the count of one
        assertThat(broker.drain(QUEUE)).hasSize(3);
        countedOnB(id, 1);
        // b recorded a failed record (durable before it left the queue) and died before writing its count
        new FailureLedger(state.dataSource(), clock).recordInRun("c", "7", "v", id, 422, "HTTP 422");
        recoveryOnA.check();
        clock.tick(LEASE);

        lookAfterBeats();

        Run run = runsOnA.find(id).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.INCOMPLETE);
        assertThat(run).extracting(Run::gathered, Run::delivered, Run::failed).containsExactly(3L, 2L, 1L);
        assertThat(run.error()).startsWith("Instance(s) b stopped uncleanly while this run was delivering");
    }

    /** A looks, then beats twice (each beat writes a's counts first). */
    private void lookAfterBeats() throws Exception {
        recoveryOnA.check();
        heartbeatOfA.beat();
        heartbeatOfA.beat();
        recoveryOnA.check();
    }

    /** What b delivered of a run and wrote before it died. */
    private void countedOnB(long id, int delivered) throws Exception {
        RunTracker trackerOnB = new RunTracker(runsOnB, clock, executor, 3_600_000);
        trackerOnB.delivered("c", id, delivered);
        trackerOnB.flush();
    }

    private RunStatus status(long id) throws Exception {
        return runsOnA.find(id).orElseThrow().status();
    }

    private long submitted(long gathered) throws Exception {
        long id = runsOnB.create("c", Trigger.SCHEDULE, RunMode.SYNC, null);
        runsOnB.markProcessing(id);
        try (Connection c = state.dataSource().getConnection()) {
            runsOnB.markSubmitted(c, id, gathered, 0, 0, null);
        }
        return id;
    }
}
