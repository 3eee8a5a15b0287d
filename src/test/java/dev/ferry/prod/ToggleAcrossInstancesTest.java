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
import dev.ferry.support.PostgresServer;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;

/**
 * The toggle and the run lock hold across instances: two Ferry instances in this JVM on one PostgreSQL state
 * database (the second uses the first one's broker in-VM).
 */
class ToggleAcrossInstancesTest {

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

    @Test
    void disablingOnOneInstanceStopsDeliveriesOnTheOtherAndRunsAreLockedAcrossThem() throws Exception {
        target = new Target();
        String state = PostgresServer.shared().newDatabase();
        Map<String, String> pa = RunningFerry.testProperties(data.resolve("a"), target);
        pa.put("ferry.state.url", state);
        pa.put("ferry.state.username", "ferry");
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
        b = RunningFerry.start(pb);
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

    @Test
    void aSubmittedRunWhoseInstanceDiedWithItsCountsIsFinishedOnceItsQueueIsEmpty() throws Exception {
        target = new Target();
        dev.ferry.support.SettableClock clock = new dev.ferry.support.SettableClock(java.time.Instant.now());
        Map<String, String> pa = RunningFerry.testProperties(data.resolve("a"), target);
        pa.put("ferry.state.url", PostgresServer.shared().newDatabase());
        pa.put("ferry.state.username", "ferry");
        a = RunningFerry.start(java.nio.file.Path.of("config/application.properties"), null, pa, clock);
        // what an instance that died leaves: a run submitted with 5 records, 3 counted delivered, none in the queue
        dev.ferry.runs.RunLedger runs = a.runs();
        long orphan = runs.create(C, dev.ferry.runs.Trigger.SCHEDULE, dev.ferry.runs.RunMode.SYNC, null);
        runs.markProcessing(orphan);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(pa.get("ferry.state.url"))) {
            runs.markSubmitted(c, orphan, 5, 0, 0, null);
            try (var s = c.createStatement()) {
                s.executeUpdate("UPDATE ferry_run SET delivered = 3 WHERE id = " + orphan);
            }
        }

        // once its counts have stood still for a minute (Ferry's clock moves a minute at every look)
        dev.ferry.runs.Run finished = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
                .until(() -> {
                    clock.tick(Duration.ofSeconds(61));
                    return runs.find(orphan).orElseThrow();
                }, r -> r.status().isFinal());
        assertThat(finished.status()).isEqualTo(dev.ferry.runs.RunStatus.COMPLETED);
        assertThat(finished.delivered()).isEqualTo(5);
        assertThat(finished.error()).contains("delivered count was completed from the queue");
    }
}
