package dev.ferry.fault;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import dev.ferry.ops.Operations;
import dev.ferry.runs.Failure;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.LogCapture;
import dev.ferry.support.PostgresServer;
import dev.ferry.support.Reconciliation;
import dev.ferry.support.RunningFerry;

/**
 * The state database goes away in the middle of a run's delivery (new connections refused, open ones
 * ended) and comes back. Records whose outcome needs no database write are delivered meanwhile; a record
 * whose failure must be written to the ledger is held, not given back to the broker — given back, it
 * would come straight again and be posted again, and again, for as long as the database is away.
 */
@Tag("fault")
class StateDatabaseLostTest {

    private static final String C = "customers-to-erp";
    private static final String PATH = "/erp/customers";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    @Test
    void aRecordWhoseFailureCannotBeWrittenIsHeldUntilTheDatabaseReturnsAndPostedOnce() throws Exception {
        PostgresServer pg = PostgresServer.shared();
        String url = pg.newDatabase();
        String database = PostgresServer.databaseName(url);
        fixture.properties().put("ferry.state.url", url);
        fixture.properties().put("ferry.state.username", "ferry");
        var invalid = fixture.target().server().stubFor(post(urlEqualTo(PATH)).withRequestBody(containing("C-000007")).atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"VAT number is invalid\"}")));
        RunningFerry ferry = fixture.start();

        // the run is gathered and its records queued; delivery starts only once the database is gone
        ferry.camel().getRouteController().stopRoute(C + "-deliver");
        long runId = ferry.bean("ferryOperations", Operations.class).start(C, false, "test").id();
        ferry.awaitStatus(runId, RunStatus.SUBMITTED);
        LogCapture log = new LogCapture(Level.INFO);
        pg.admin("ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
        try {
            pg.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
            ferry.camel().getRouteController().startRoute(C + "-deliver");

            // the failed one is posted once and held, with the records its consumer took behind it; the other
            // consumers deliver theirs meanwhile (counted in memory)
            await().atMost(Duration.ofSeconds(30)).until(() -> requestsFor("C-000007").size() == 1);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> requestsFor("C-000007").size() == 1);
            int meanwhile = fixture.target().requests(PATH).size();
            assertThat(meanwhile).as("delivered while the database was away").isGreaterThan(1);
            System.out.println("StateDatabaseLostTest: " + meanwhile + " of 60 records posted while the database was away");
        } finally {
            pg.admin("ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
        }

        Run run = await().atMost(Duration.ofSeconds(60)).until(() -> ferry.runs().find(runId).orElseThrow(),
                r -> r.status().isFinal());
        log.close();
        // the outage is a line when run counts cannot be written and one when they can again, not one per flush
        assertThat(log.lines()).filteredOn(l -> l.contains("The state database is unreachable since")).hasSize(1);
        assertThat(log.lines()).filteredOn(l -> l.contains("The state database answers again, after")).hasSize(1);
        assertThat(run.status()).isEqualTo(RunStatus.INCOMPLETE);
        assertThat(run.delivered()).isEqualTo(59);
        assertThat(run.failed()).isEqualTo(1);
        assertThat(ferry.failures().list(C, Failure.Status.OPEN)).singleElement()
                .satisfies(f -> assertThat(f.lastError()).contains("VAT number is invalid"));
        assertThat(requestsFor("C-000007")).hasSize(1);

        // the target accepts it now: the next run delivers it, and the target is in step with the source
        fixture.target().server().removeStub(invalid);
        assertThat(ferry.runAndAwait(C).status()).isEqualTo(RunStatus.COMPLETED);
        Reconciliation result = Reconciliation.customers(ferry.source(), fixture.target(), PATH);
        assertThat(result.reconciled()).as(result.toString()).isTrue();
        assertThat(result.rows()).isEqualTo(60);
        System.out.println("StateDatabaseLostTest: " + result);
    }

    private List<LoggedRequest> requestsFor(String customer) {
        return fixture.target().requests(PATH).stream().filter(r -> r.getBodyAsString().contains(customer)).toList();
    }
}
