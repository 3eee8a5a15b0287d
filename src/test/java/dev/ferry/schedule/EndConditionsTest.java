package dev.ferry.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.runs.Trigger;
import dev.ferry.support.Api;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.SettableClock;

/**
 * End conditions: after N runs, until a date; ended connectors show as such and run again once
 * an operator activates them (over the API and JMX), gathering what changed meanwhile. Fires go through the connector's Quartz job with
 * trigger SCHEDULE; the schedule itself (hourly, in 2030) never fires on the wall clock.
 */
class EndConditionsTest {

    private static final String C = "customers-to-erp";

    private final SettableClock clock = new SettableClock(Instant.parse("2030-01-07T10:30:00Z"));

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture().clock(clock);

    private Map<String, String> properties;
    private RunningFerry ferry;

    @BeforeEach
    void setUp() {
        properties = fixture.properties();
        properties.put(C + ".schedule.cron", "0 0 * * * ? 2030");
        properties.put(C + ".schedule.time-zone", "UTC");
    }

    @Test
    void afterThreeRunsTheFourthFireDoesNotRunAndActivationRunsAgainWithWhatChanged() throws Exception {
        properties.put(C + ".schedule.end-after-runs", "3");
        ferry = start();

        assertThat(scheduledRun().gathered()).isEqualTo(60);
        assertThat(scheduledRun().gathered()).isZero();
        assertThat(ferry.schedules().states().get(C).ended()).isFalse();
        assertThat(scheduledRun().status()).isEqualTo(RunStatus.COMPLETED);

        ConnectorState ended = ferry.schedules().states().get(C);
        assertThat(ended.ended()).isTrue();
        assertThat(ended.endedReason()).isEqualTo("after 3 runs (customers-to-erp.schedule.end-after-runs)");
        assertThat(fireWithoutRun()).isTrue();
        assertThat(ferry.runsOf(C)).hasSize(3);

        ferry.sourceUpdate("UPDATE customers SET status = 'SUSPENDED', updated_at = LOCALTIMESTAMP - INTERVAL '1' MINUTE"
                + " WHERE id IN (4, 8)");
        clock.tick(Duration.ofHours(2));
        // an operator activates it over the API (on loopback without users every caller is an operator, "local")
        Api.Answer activated = api().post("/api/connectors/" + C + "/activate");
        assertThat(activated.status()).as(activated.text()).isEqualTo(200);
        assertThat(activated.json().get("ended").asBoolean()).isFalse();

        ConnectorState active = ferry.schedules().states().get(C);
        assertThat(active.ended()).isFalse();
        assertThat(active.scheduledRuns()).isZero();
        assertThat(active.changedBy()).isEqualTo("local");
        Run again = scheduledRun();
        assertThat(again.gathered()).isEqualTo(2);
        assertThat(ferry.schedules().states().get(C).scheduledRuns()).isEqualTo(1);
    }

    @Test
    void untilADateNoRunAfterItAndActivationNeedsTheDateMoved() throws Exception {
        properties.put(C + ".schedule.end-at", "2030-01-07T12:00");
        ferry = start();
        assertThat(scheduledRun().status()).isEqualTo(RunStatus.COMPLETED);

        clock.tick(Duration.ofHours(2));
        assertThat(fireWithoutRun()).isTrue();

        assertThat(ferry.runsOf(C)).hasSize(1);
        assertThat(ferry.schedules().states().get(C).endedReason())
                .isEqualTo("on 2030-01-07T12:00 (customers-to-erp.schedule.end-at)");
        String message = "Connector customers-to-erp ended on 2030-01-07T12:00; change or remove"
                + " customers-to-erp.schedule.end-at to activate it again";
        Api.Answer refused = api().post("/api/connectors/" + C + "/activate");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("message").asText()).isEqualTo(message);
        assertThatThrownBy(() -> jmx().invoke(connectorMBean(), "activate", new Object[0], new String[0]))
                .hasRootCauseMessage(message);

        // The operator moves the end date and restarts; the connector stays ended until activated.
        properties.put(C + ".schedule.end-at", "2030-12-31");
        ferry = start();
        assertThat(fireWithoutRun()).isTrue();
        ferry.sourceUpdate("UPDATE customers SET status = 'CLOSED', updated_at = LOCALTIMESTAMP - INTERVAL '1' MINUTE"
                + " WHERE id = 15");
        // now over JMX, as Hawtio or jconsole would
        jmx().invoke(connectorMBean(), "activate", new Object[0], new String[0]);
        assertThat(ferry.schedules().states().get(C).ended()).isFalse();

        Run again = scheduledRun();
        assertThat(again.gathered()).isEqualTo(1);
        assertThat(ferry.runsOf(C)).hasSize(2);
    }

    private RunningFerry start() {
        return fixture.start();
    }

    private Api api() {
        return Api.at(Integer.parseInt(properties.get("camel.server.port")));
    }

    private static MBeanServer jmx() {
        return ManagementFactory.getPlatformMBeanServer();
    }

    private static ObjectName connectorMBean() throws Exception {
        return jmx().queryNames(new ObjectName("org.apache.camel:type=ferry-connectors,*"), null).stream()
                .filter(n -> n.getKeyProperty("name").contains(C)).findFirst().orElseThrow();
    }

    private Run scheduledRun() throws Exception {
        long before = ferry.lastRunId(C);
        ferry.schedules().fireNow(C, Trigger.SCHEDULE);
        long id = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> ferry.lastRunId(C), last -> last > before);
        Run run = ferry.awaitEnded(id);
        assertThat(run.trigger()).isEqualTo(Trigger.SCHEDULE);
        return run;
    }

    /** Fires on schedule and waits until the gather route has handled the fire; true if no run started. */
    private boolean fireWithoutRun() throws Exception {
        long before = ferry.lastRunId(C);
        NotifyBuilder handled = new NotifyBuilder(ferry.camel()).fromRoute(C + "-gather").whenDone(1).create();
        ferry.schedules().fireNow(C, Trigger.SCHEDULE);
        assertThat(handled.matches(30, TimeUnit.SECONDS)).isTrue();
        return ferry.lastRunId(C) == before;
    }
}
