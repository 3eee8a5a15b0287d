package dev.ferry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;
import dev.ferry.watermark.Watermark;

/** Ferry stopped with records still in the sync queue, started again on the same data directory. */
class RestartTest {

    private static final String CUSTOMERS = "customers-to-erp";
    private static final String PATH = "/erp/customers";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    @Test
    void recordsQueuedWhenFerryStopsAreDeliveredAfterItRestartsAndTheWatermarkSurvives() throws Exception {
        Target target = fixture.target();
        long runId;
        Watermark watermark;
        {
            RunningFerry ferry = fixture.start();
            // Delivery is stopped, so everything the run gathers stays queued.
            ferry.camel().getRouteController().stopRoute("customers-to-erp-deliver");
            runId = ferry.fire(CUSTOMERS);
            Run submitted = ferry.awaitStatus(runId, RunStatus.SUBMITTED);
            assertThat(submitted.gathered()).isEqualTo(60);
            // records, not messages: single records travel packed, many to a message
            assertThat(ferry.bean("ferrySyncQueue", SyncQueue.class).browse("ferry.customers-to-erp", 1_000)).hasSize(60);
            watermark = ferry.watermark(CUSTOMERS);
            assertThat(watermark).isNotNull();
            fixture.stop();
        }
        assertThat(target.requests(PATH)).isEmpty();

        {
            RunningFerry ferry = fixture.start();
            Run finished = ferry.awaitEnded(runId);

            assertThat(finished.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(finished.delivered()).isEqualTo(60);
            assertThat(target.customerNumbers(PATH)).hasSize(60).doesNotHaveDuplicates();
            assertThat(ferry.bean("ferrySyncQueue", SyncQueue.class).depth("ferry.customers-to-erp")).isZero();
            assertThat(ferry.watermark(CUSTOMERS)).isEqualTo(watermark);

            target.forgetRequests();
            Run next = ferry.runAndAwait(CUSTOMERS);

            assertThat(next.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(next.watermarkBefore()).isEqualTo(watermark.toString());
            assertThat(next.gathered()).isZero();
            assertThat(target.requests(PATH)).isEmpty();
        }
    }

    /**
     * What starts beside the state database (the embedded broker, the demo's databases) is stopped again when the
     * state database cannot be opened — in the same JVM the broker's journal could not be opened a second time — and
     * the next start-up runs.
     */
    @Test
    @Timeout(60) // without the clean-up, the second start waits for the journal's lock for ever
    void aStartUpThatFailsAtTheStateDatabaseLeavesNothingRunningAndTheNextOneRuns() throws Exception {
        // PostgreSQL's on the prod profile, else none: the configuration's H2 file in the data directory
        String stateUrl = fixture.properties().get("ferry.state.url");
        fixture.properties().put("ferry.state.url", stateUrl != null
                ? stateUrl.replaceFirst("/([^/?]+)(\\?|$)", "/ferry_nowhere$2")
                : "jdbc:h2:file:" + fixture.data().resolve("nowhere/ferry") + ";IFEXISTS=TRUE");
        assertThatThrownBy(fixture::start).hasStackTraceContaining(stateUrl != null ? "does not exist" : "not found");

        if (stateUrl != null) {
            fixture.properties().put("ferry.state.url", stateUrl);
        } else {
            fixture.properties().remove("ferry.state.url");
        }
        RunningFerry ferry = fixture.start();
        Run run = ferry.runAndAwait(CUSTOMERS);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.delivered()).isEqualTo(60);
    }
}
