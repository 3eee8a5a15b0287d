package dev.ferry.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.connector.ConnectorRunner;
import dev.ferry.gather.Refresh;
import dev.ferry.ops.Operations;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.runs.Trigger;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RefreshItems;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.SettableClock;
import dev.ferry.support.Target;

/**
 * "Hourly incremental, weekly full": a connector whose runs read what changed and whose {@code full-refresh} keys name
 * the times after which its next scheduled run reads everything. Ferry's clock is the test's; the fires are the
 * connector's Quartz job's, as a schedule's.
 */
class FullRefreshScheduleTest {

    private static final String C = RefreshItems.CONNECTOR;
    private static final String PATH = RefreshItems.PATH;
    /** A Saturday. */
    private static final Instant SATURDAY_NOON = Instant.parse("2026-12-05T12:00:00Z");

    private final SettableClock clock = new SettableClock(SATURDAY_NOON);

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture().clock(clock);

    private RefreshItems items;
    private Target target;

    @BeforeEach
    void setUp() throws SQLException {
        target = fixture.target();
        items = RefreshItems.create(fixture.data());
        items.configure(fixture.properties(), target);
        fixture.properties().put(C + ".batch-size", "1");
        fixture.properties().put(C + ".refresh", "incremental");
        items.insert(20);
    }

    @Test
    void theFirstScheduledRunAfterEachFullRefreshTimeReadsEverythingAndTheOthersWhatChanged() throws Exception {
        fixture.properties().put(C + ".full-refresh.days", "SUN");
        fixture.properties().put(C + ".full-refresh.at", "03:00");
        fixture.properties().put(C + ".full-refresh.time-zone", "UTC");
        RunningFerry ferry = fixture.start();
        Operations.RefreshView refresh = ferry.bean("ferryOperations", Operations.class).connector(C).refresh();
        assertThat(refresh.scheduled()).isEqualTo(Refresh.Kind.INCREMENTAL);
        assertThat(refresh.keyRegistry()).as("kept for the full refreshes").isTrue();
        assertThat(refresh.fullRefreshSchedule()).isEqualTo("Sun at 03:00 (UTC)");
        assertThat(refresh.nextFullRefresh().toInstant()).isEqualTo(Instant.parse("2026-12-06T03:00:00Z"));

        // Saturday: the first run, incremental, registers what it queues
        Run first = scheduledRun(ferry);
        assertThat(first.refresh()).isEqualTo(Refresh.Kind.INCREMENTAL);
        assertThat(first.delivered()).isEqualTo(20);

        // Sunday 03:30: the first scheduled run after 03:00 reads everything and finds it all delivered
        clock.tick(Duration.ofHours(15).plusMinutes(30));
        Run sunday = scheduledRun(ferry);
        assertThat(sunday.refresh()).isEqualTo(Refresh.Kind.FULL);
        assertThat(sunday.gathered()).isZero();
        assertThat(sunday.unchanged()).isEqualTo(20);

        // the next runs read what changed again
        clock.tick(Duration.ofHours(1));
        items.sql("UPDATE items SET name = 'v2', updated_at = LOCALTIMESTAMP - INTERVAL '1' MINUTE WHERE id = 3");
        Run hourly = scheduledRun(ferry);
        assertThat(hourly.refresh()).isEqualTo(Refresh.Kind.INCREMENTAL);
        assertThat(hourly.gathered()).isEqualTo(1);

        // a week on, a row deleted meanwhile: the full refresh delivers its delete
        clock.tick(Duration.ofDays(7));
        items.sql("DELETE FROM items WHERE id = 5");
        Run nextSunday = scheduledRun(ferry);
        assertThat(nextSunday.refresh()).isEqualTo(Refresh.Kind.FULL);
        assertThat(nextSunday.deleted()).isEqualTo(1);
        assertThat(nextSunday.unchanged()).isEqualTo(19);
        await().atMost(Duration.ofSeconds(10)).until(() -> target.deleted(PATH).contains("5"));
    }

    @Test
    void aBadFullRefreshKeyKeepsTheConnectorFromRunningOnScheduleAndSaysWhichKey() throws Exception {
        fixture.properties().put(C + ".full-refresh.every", "7x");
        RunningFerry ferry = fixture.start();

        ConnectorSchedules.FullRefresh full = ferry.schedules().fullRefresh(C);
        assertThat(full.schedule()).isNull();
        assertThat(String.join("\n", full.problems())).contains("items-refresh.full-refresh.every = '7x'");
        ConnectorSchedules.Admission admission = ferry.schedules().admit(C, Trigger.SCHEDULE);
        assertThat(admission.run()).isFalse();
        assertThat(admission.reason()).contains("full-refresh schedule is invalid").contains("full-refresh.every");
        // an operator's run still goes
        assertThat(ferry.runAndAwait(C).status()).isEqualTo(RunStatus.COMPLETED);
    }

    private Run scheduledRun(RunningFerry ferry) throws Exception {
        ConnectorRunner runner = ferry.bean("ferryRunner", ConnectorRunner.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> !runner.claims().holds(C));
        long before = ferry.lastRunId(C);
        ferry.schedules().fireNow(C, Trigger.SCHEDULE);
        long run = await().atMost(Duration.ofSeconds(30)).until(() -> ferry.lastRunId(C), id -> id > before);
        Run ended = ferry.awaitEnded(run);
        assertThat(ended.status()).isEqualTo(RunStatus.COMPLETED);
        return ended;
    }
}
