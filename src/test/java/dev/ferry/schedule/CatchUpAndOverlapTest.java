package dev.ferry.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.runs.Trigger;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.Gate;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.SettableClock;

/** Missed fires while Ferry was stopped, and a fire during a long run. */
class CatchUpAndOverlapTest {

    private static final String C = "customers-to-erp";

    private final SettableClock clock = new SettableClock(Instant.parse("2030-03-01T08:30:00Z"));

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture().clock(clock);

    private Map<String, String> properties;

    @BeforeEach
    void setUp() {
        properties = fixture.properties();
        // Hourly in 2030: on the wall clock it never fires; on the test's clock it does.
        properties.put(C + ".schedule.cron", "0 0 * * * ? 2030");
        properties.put(C + ".schedule.time-zone", "UTC");
    }

    @Test
    void stoppedAcrossThreeFireTimesFerryRunsExactlyOneCatchUpRunOnStart() throws Exception {
        {
            RunningFerry ferry = fixture.start();
            assertThat(ferry.schedules().states().get(C).activatedAt()).isEqualTo(clock.instant());
            assertThat(ferry.runsOf(C)).isEmpty();
            fixture.stop();
        }
        clock.tick(Duration.ofMinutes(190)); // 11:40: the 09:00, 10:00 and 11:00 fires were missed

        {
            RunningFerry ferry = fixture.start();
            List<Run> runs = await().atMost(Duration.ofSeconds(30)).until(() -> ferry.runsOf(C), r -> !r.isEmpty());
            Run catchUp = ferry.awaitEnded(runs.get(0).id());

            assertThat(catchUp.trigger()).isEqualTo(Trigger.SCHEDULE);
            assertThat(catchUp.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(catchUp.gathered()).isEqualTo(60);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> ferry.runsOf(C).size() == 1);
            assertThat(ferry.schedules().states().get(C).lastFireAt()).isEqualTo(clock.instant());
        }

        // Started again before the next fire time: nothing was missed, nothing runs.
        {
            RunningFerry ferry = fixture.start();
            assertThat(ferry.schedules().catchUp(C)).isZero();
            assertThat(ferry.runsOf(C)).hasSize(1);
        }
    }

    @Test
    void aFireDuringALongRunIsSkippedAndCountedAndStartsNoSecondRun() throws Exception {
        {
            RunningFerry ferry = fixture.bindOnce("ferryFaultHooks", Gate.HOOKS).start();
            Gate.close();
            long first = ferry.fire(C);
            assertThat(Gate.awaitReached(30)).isTrue();
            assertThat(ferry.runs().find(first).orElseThrow().status()).isEqualTo(RunStatus.PROCESSING);

            ferry.schedules().fireNow(C, Trigger.SCHEDULE);

            await().atMost(Duration.ofSeconds(30)).until(() -> ferry.schedules().states().get(C).skippedFires() == 1);
            assertThat(ferry.schedules().states().get(C).lastSkippedAt()).isEqualTo(clock.instant());
            assertThat(ferry.runsOf(C)).extracting(Run::id).containsExactly(first);

            Gate.open();
            Run run = ferry.awaitEnded(first);
            assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(run.gathered()).isEqualTo(60);
            assertThat(ferry.runsOf(C)).hasSize(1);
        }
    }
}
