package dev.ferry.schedule;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.component.PackProgress;
import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.runs.Trigger;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;

/** Disable keeps queued records queued — through a restart — and enable delivers them, none lost. */
class ToggleTest {

    private static final String C = "customers-to-erp";
    private static final String PATH = "/erp/customers";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    @Test
    void disabledItsQueuedRecordsWaitAcrossARestartAndEnabledTheyAreAllDelivered() throws Exception {
        Target target = fixture.target();
        // A slow back office: 60 records at 4 at a time take seconds, so some are still queued when disabled.
        target.server().stubFor(post(PATH).atPriority(1).willReturn(aResponse().withStatus(200).withFixedDelay(250)));
        long runId;
        int deliveredBeforeDisable;
        {
            RunningFerry ferry = fixture.start();
            runId = ferry.fire(C);
            ferry.awaitStatus(runId, RunStatus.SUBMITTED);
            await().atMost(Duration.ofSeconds(30)).until(() -> !target.customerNumbers(PATH).isEmpty());

            ferry.schedules().disable(C, "operator");

            assertThat(ferry.camel().getRouteController().getRouteStatus(C + "-deliver")).isEqualTo(ServiceStatus.Stopped);
            ConnectorState state = ferry.schedules().states().get(C);
            assertThat(state.enabled()).isFalse();
            assertThat(state.changedBy()).isEqualTo("operator");
            deliveredBeforeDisable = target.customerNumbers(PATH).size();
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> target.customerNumbers(PATH).size() == deliveredBeforeDisable);
            assertThat(deliveredBeforeDisable).isLessThan(60);
            // Lanes stopped in the middle of packs of records and recorded how far they got.
            assertThat(ferry.bean("ferryPackProgress", PackProgress.class).done(C)).isPositive();
            assertThat(queuedRecords(ferry)).isEqualTo(60 - deliveredBeforeDisable);

            // No run starts while disabled, manual or scheduled.
            NotifyBuilder handled = new NotifyBuilder(ferry.camel()).fromRoute(C + "-gather").whenDone(2).create();
            ferry.schedules().fireNow(C, Trigger.MANUAL);
            ferry.schedules().fireNow(C, Trigger.SCHEDULE);
            assertThat(handled.matches(30, TimeUnit.SECONDS)).isTrue();
            assertThat(ferry.runsOf(C)).hasSize(1);
        }

        {
            RunningFerry ferry = fixture.start();
            assertThat(ferry.schedules().states().get(C).enabled()).isFalse();
            assertThat(ferry.camel().getRouteController().getRouteStatus(C + "-deliver")).isEqualTo(ServiceStatus.Stopped);
            assertThat(queuedRecords(ferry)).isEqualTo(60 - deliveredBeforeDisable);
            assertThat(target.customerNumbers(PATH)).hasSize(deliveredBeforeDisable);

            ferry.schedules().enable(C, "operator");

            Run run = ferry.awaitEnded(runId);
            assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(run.delivered()).isEqualTo(60);
            assertThat(target.customerNumbers(PATH)).hasSize(60).doesNotHaveDuplicates();
            assertThat(queueDepth(ferry)).isZero();
            assertThat(ferry.bean("ferryPackProgress", PackProgress.class).done(C)).isZero();
            assertThat(ferry.schedules().states().get(C).enabled()).isTrue();
        }
    }

    private static long queueDepth(RunningFerry ferry) throws Exception {
        return ferry.bean("ferrySyncQueue", SyncQueue.class).depth("ferry." + C);
    }

    /**
     * Records waiting, not messages: single records travel packed, many to a message, and a pack that disabling cut
     * short waits whole, with how far it got recorded (its delivered records are not delivered again).
     */
    private static long queuedRecords(RunningFerry ferry) throws Exception {
        return ferry.bean("ferrySyncQueue", SyncQueue.class).browse("ferry." + C, 1_000).size()
                - ferry.bean("ferryPackProgress", PackProgress.class).done(C);
    }
}
