package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.FerryConfiguration;
import dev.ferry.ops.Operations;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.runs.Trigger;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.Gate;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.SettableClock;

/**
 * Ferry is ready once the connectors due first run ({@code ferry.connectors.start-before-ready}); the others are
 * known from the start and their routes start right after, in the background. Here one connector starts before
 * ready, and the gate holds the other's start so that what an operator sees and does meanwhile can be checked.
 */
class StartAfterReadyTest {

    private static final String SOON = "customers-to-erp";
    private static final String LATER = "invoices-to-erp";
    /** The demo's third connector, scheduled never by the tests: it waits throughout. */
    private static final String NEVER = "payments-to-billing";

    private final SettableClock clock = new SettableClock(Instant.parse("2030-03-01T08:30:00Z"));

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture().clock(clock);

    private Map<String, String> properties;

    @BeforeEach
    void setUp() {
        properties = fixture.properties();
        properties.put("ferry.connectors.start-before-ready", "1");
        // due at 09:00 on the test's clock (never on the wall clock); the other one never
        properties.put(SOON + ".schedule.cron", "0 0 * * * ? 2030");
        properties.put(SOON + ".schedule.time-zone", "UTC");
        properties.put(LATER + ".schedule.cron", "0 0 0 1 1 ? 2099");
    }

    @AfterEach
    void openGate() {
        Gate.open();
    }

    @Test
    void theConnectorDueFirstRunsAtReadyTheOtherIsKnownAndAnOperatorsRunStartsItAtOnce() throws Exception {
        Gate.close();
        RunningFerry ferry = fixture.bindOnce("ferryFaultHooks", Gate.BEFORE_WAITING_CONNECTORS_START).start();
        ConnectorReloader files = ferry.bean(FerryConfiguration.CONNECTOR_FILES, ConnectorReloader.class);
        assertThat(Gate.awaitReached(30)).isTrue();

        assertThat(files.loaded()).isTrue();
        assertThat(files.allStarted()).isFalse();
        assertThat(readiness(ferry).getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(readiness(ferry).getDetails()).containsEntry("waiting", 2);
        assertThat(ferry.camel().getRoute(SOON + "-gather")).isNotNull();
        assertThat(ferry.camel().getRoute(SOON + "-deliver")).isNotNull();
        assertThat(ferry.camel().getRoute(LATER + "-gather")).isNull();
        assertThat(ferry.camel().getRoute(LATER + "-deliver")).isNull();
        // known all the same: listed with its schedule and queue
        Operations ops = ferry.bean("ferryOperations", Operations.class);
        assertThat(ops.connectors()).extracting(Operations.ConnectorView::id).containsExactly(SOON, LATER, NEVER);
        assertThat(ops.connector(LATER).queue().name()).isEqualTo("ferry." + LATER);

        // an operator's run starts the connector's routes first, and its records are delivered
        Run run = ops.start(LATER, false, "operator");
        assertThat(ferry.camel().getRoute(LATER + "-deliver")).isNotNull();
        Run ended = ferry.awaitEnded(run.id());
        assertThat(ended.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(ended.gathered()).isEqualTo(120);
        assertThat(ended.delivered()).isEqualTo(120);
        assertThat(fixture.target().received("/erp/invoices")).hasSize(120);

        assertThat(readiness(ferry).getDetails()).containsEntry("waiting", 1);
        Gate.open();
        await().atMost(Duration.ofSeconds(30)).until(files::allStarted);
        assertThat(ferry.camel().getRoutes()).extracting(r -> r.getRouteId())
                .contains(SOON + "-gather", SOON + "-deliver", LATER + "-gather", LATER + "-deliver");
        // started once only: no second run of it came from the background start
        assertThat(ferry.runsOf(LATER)).hasSize(1);
    }

    private static HealthCheck.Result readiness(RunningFerry ferry) {
        return HealthCheckRegistry.get(ferry.camel()).getCheck("ferry-connectors").orElseThrow().call();
    }

    @Test
    @Timeout(60)
    void ferryStoppedWhileRoutesWaitToStartStopsWithoutStartingThem() throws Exception {
        properties.put("ferry.connectors.start-before-ready", "0");
        Gate.close();
        RunningFerry ferry = fixture.bindOnce("ferryFaultHooks", Gate.BEFORE_WAITING_CONNECTORS_START).start();
        assertThat(Gate.awaitReached(30)).isTrue();
        CamelContext camel = ferry.camel();

        fixture.stop(); // the gate stays closed: the background start is interrupted, not let through

        assertThat(camel.isStopped()).isTrue();
        assertThat(camel.getRoutes()).extracting(r -> r.getRouteId()).noneMatch(id -> id.startsWith(SOON) || id.startsWith(LATER));
    }

    @Test
    void aConnectorWhoseRoutesStartAfterReadyRunsOnceForTheFiresItMissed() throws Exception {
        properties.put(LATER + ".schedule.cron", "0 0 * * * ? 2030");
        properties.put(LATER + ".schedule.time-zone", "UTC");
        properties.put("ferry.connectors.start-before-ready", "0");
        fixture.start();
        fixture.stop();
        clock.tick(Duration.ofMinutes(100)); // 10:10: the 09:00 and 10:00 fires were missed by both

        Gate.close();
        RunningFerry ferry = fixture.bindOnce("ferryFaultHooks", Gate.BEFORE_WAITING_CONNECTORS_START).start();
        assertThat(Gate.awaitReached(30)).isTrue();
        // none started before ready: nothing ran yet
        assertThat(ferry.runsOf(SOON)).isEmpty();
        assertThat(ferry.runsOf(LATER)).isEmpty();

        Gate.open();
        for (String connector : List.of(SOON, LATER)) {
            List<Run> runs = await().atMost(Duration.ofSeconds(30)).until(() -> ferry.runsOf(connector), r -> !r.isEmpty());
            Run catchUp = ferry.awaitEnded(runs.get(0).id());
            assertThat(catchUp.trigger()).isEqualTo(Trigger.SCHEDULE);
            assertThat(catchUp.status()).isEqualTo(RunStatus.COMPLETED);
        }
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> ferry.runsOf(SOON).size() == 1 && ferry.runsOf(LATER).size() == 1);
    }
}
