package dev.ferry.prod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.ops.Operations;
import dev.ferry.runs.Conflict;
import dev.ferry.runs.Trigger;
import dev.ferry.schedule.ScheduleOverrides;
import dev.ferry.support.PostgresServer;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;

/**
 * What an operator changes on one instance holds on the others — the toggle, the run lock, a run-time schedule: two
 * Ferry instances in this JVM on one PostgreSQL state database (the second uses the first one's broker in-VM).
 */
class AcrossInstancesTest {

    private static final String C = "customers-to-erp";

    @TempDir
    Path data;
    private Target target;
    private RunningFerry a;
    private RunningFerry b;

    @AfterEach
    void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
        if (target != null) {
            target.close();
        }
    }

    /** Starts a, then b on a's state database, broker and demo source; returns the state database's URL. */
    private String startTwo(Map<String, String> extra) {
        target = new Target();
        String state = PostgresServer.shared().newDatabase();
        Map<String, String> pa = RunningFerry.testProperties(data.resolve("a"), target);
        pa.put("ferry.state.url", state);
        pa.put("ferry.state.username", "ferry");
        pa.putAll(extra);
        a = RunningFerry.start(pa);
        Map<String, String> pb = RunningFerry.testProperties(data.resolve("b"), target);
        pb.put("ferry.state.url", state);
        pb.put("ferry.state.username", "ferry");
        pb.put("camel.main.name", "ferry-b");
        // b uses a's broker and a's demo source (a's embedded broker is in this JVM: b reaches it in-VM)
        pb.put("ferry.broker.embedded", "false");
        pb.put("ferry.broker.url", a.camel().resolvePropertyPlaceholders("{{ferry.broker.url}}"));
        pb.put("ferry.demo.enabled", "false");
        pb.put("camel.beans.demoSource.jdbc-url", a.camel().resolvePropertyPlaceholders("{{camel.beans.demoSource.jdbc-url}}"));
        pb.put("camel.beans.demoSource.username", a.camel().resolvePropertyPlaceholders("{{camel.beans.demoSource.username}}"));
        pb.putAll(extra);
        b = RunningFerry.start(pb);
        return state;
    }

    @Test
    void aRunTimeScheduleSetOnOneInstanceIsInForceOnBoth() throws Exception {
        startTwo(Map.of());
        Operations onA = a.bean("ferryOperations", Operations.class);
        Operations onB = b.bean("ferryOperations", Operations.class);

        onA.setSchedule(C, Map.of("cron", "0/2 * * * * ?", "time-zone", "UTC"), "faster for the migration", "anna");

        await().atMost(Duration.ofSeconds(10)).until(() -> "run-time".equals(onB.connector(C).schedule().source()));
        assertThat(onB.connector(C).schedule().nextFires()).isEqualTo(onA.connector(C).schedule().nextFires());
        assertThat(onB.connector(C).schedule().setBy()).isEqualTo("anna");
        // the fires come, on whichever instance takes them
        await().atMost(Duration.ofSeconds(30)).until(() -> a.runsOf(C).stream().filter(r -> r.trigger() == Trigger.SCHEDULE).count() >= 2);

        onB.clearSchedule(C, "migration done", "bob");
        await().atMost(Duration.ofSeconds(10)).until(() -> "file".equals(onA.connector(C).schedule().source()));
        assertThat(onA.connector(C).schedule().nextFires().get(0).getYear()).isEqualTo(2099);
        assertThat(onA.scheduleChanges(C)).extracting(ScheduleOverrides.Change::changedBy).containsExactly("anna", "bob");
    }

    @Test
    void disablingOnOneInstanceStopsDeliveriesOnTheOtherAndRunsAreLockedAcrossThem() throws Exception {
        String state = startTwo(Map.of());
        assertThat(b.camel().getRouteController().getRouteStatus(C + "-deliver").isStarted()).isTrue();

        a.bean("ferryOperations", Operations.class).disable(C, "anna");
        await().atMost(Duration.ofSeconds(10)).until(
                () -> b.camel().getRouteController().getRouteStatus(C + "-deliver").isStopped());

        a.bean("ferryOperations", Operations.class).enable(C, "anna");
        await().atMost(Duration.ofSeconds(10)).until(
                () -> b.camel().getRouteController().getRouteStatus(C + "-deliver").isStarted());

        // only a change of the toggle acts: a deliver route stopped by hand (JMX, Hawtio) stays stopped
        b.camel().getRouteController().stopRoute(C + "-deliver");
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(
                () -> b.camel().getRouteController().getRouteStatus(C + "-deliver").isStopped());
        b.camel().getRouteController().startRoute(C + "-deliver");

        // while another instance holds the connector for a run, this one may not start one
        Operations onB = b.bean("ferryOperations", Operations.class);
        try (dev.ferry.state.StateDatabase other = dev.ferry.state.StateDatabase.open(state, "ferry", null, 3);
             dev.ferry.connector.ConnectorLock.Held held = dev.ferry.connector.ConnectorLock.of(state, other.dataSource())
                     .tryLock(C).orElseThrow()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> onB.start(C, false, "bob"))
                    .isInstanceOf(Conflict.class).hasMessageContaining("has a run processing on another Ferry instance");
        }
        assertThat(b.runAndAwait(C).delivered()).isEqualTo(60);
    }
}
