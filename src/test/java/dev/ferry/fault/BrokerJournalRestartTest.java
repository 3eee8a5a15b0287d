package dev.ferry.fault;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.Reconciliation;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.StandaloneBroker;
import dev.ferry.support.Target;

/**
 * The external broker is killed ({@code kill -9}) three times while a run's records are being delivered, and
 * restarted from its journal each time; rows change while it is down. Ferry reconnects by itself, and the
 * reconciliation holds: the latest version of every row at the target, repeats only under their original key.
 */
@Tag("fault")
class BrokerJournalRestartTest {

    private static final String C = "customers-to-erp";
    private static final String PATH = "/erp/customers";
    private static final int CUSTOMERS = 600;

    @TempDir
    Path data;
    private StandaloneBroker broker;
    private Target target;
    private RunningFerry ferry;

    @BeforeEach
    void startBroker() throws Exception {
        broker = StandaloneBroker.start(data.resolve("broker"));
        target = new Target();
        // slow enough that each kill finds records in flight
        target.server().stubFor(any(urlPathMatching(PATH + ".*")).atPriority(5).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"ok\":true}").withFixedDelay(15)));
    }

    @AfterEach
    void stop() throws Exception {
        if (ferry != null) {
            ferry.close();
        }
        target.close();
        broker.close();
    }

    @Test
    void theBrokerKilledThreeTimesDuringDeliveryLosesNothingAndReordersNothing() throws Exception {
        Map<String, String> p = broker.prodProperties(data.resolve("ferry"), target);
        p.put("ferry.demo.customers", String.valueOf(CUSTOMERS));
        ferry = RunningFerry.start(Path.of("config/application.properties"), "prod", p, null);

        List<RunStatus> statuses = new ArrayList<>();
        long runId = ferry.fire(C);
        for (int kill = 1; kill <= 3; kill++) {
            int seen = target.requests(PATH).size();
            await().atMost(Duration.ofSeconds(60)).until(() -> target.requests(PATH).size() >= seen + 60);
            broker.kill();
            // changes while the broker is down: new versions of rows that may be queued already
            ferry.sourceUpdate("UPDATE customers SET credit_limit = credit_limit + " + kill
                    + ", updated_at = LOCALTIMESTAMP - INTERVAL '10' SECOND WHERE deleted_at IS NULL AND MOD(id, 37) = " + kill);
            broker.start();
        }
        statuses.add(ferry.awaitEnded(runId).status());
        // the next runs carry the changes and whatever failed meanwhile; Ferry was not restarted
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            Run run = ferry.runAndAwait(C);
            statuses.add(run.status());
            return run.status() == RunStatus.COMPLETED && ferry.failures().list(C, dev.ferry.runs.Failure.Status.OPEN).isEmpty();
        });
        assertThat(statuses.get(0)).as("the run the kills hit").isIn(RunStatus.COMPLETED, RunStatus.INCOMPLETE);

        Reconciliation result = await().atMost(Duration.ofSeconds(30)).until(
                () -> Reconciliation.customers(ferry.source(), target, PATH), Reconciliation::reconciled);
        assertThat(result.rows()).isEqualTo(CUSTOMERS);
        System.out.println("BrokerJournalRestartTest: runs " + statuses + "; " + result);
    }
}
