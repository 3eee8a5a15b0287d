package dev.ferry.fault;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import dev.ferry.runs.Failure;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.Reconciliation;
import dev.ferry.support.RunningFerry;

/**
 * A target that misbehaves: down for longer than the retry budget, slow beyond the timeout, rate-limiting with
 * {@code Retry-After}, answering garbage, resetting connections. Every test ends with the reconciliation: the
 * target accepted the latest version of every source row, and every repeat carries its original's key.
 */
@Tag("fault")
class TargetFaultTest {

    private static final String C = "customers-to-erp";
    private static final String PATH = "/erp/customers";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private void reconcile(RunningFerry ferry) throws Exception {
        Reconciliation result = await().atMost(Duration.ofSeconds(30)).until(
                () -> Reconciliation.customers(ferry.source(), fixture.target(), PATH), Reconciliation::reconciled);
        assertThat(result.rows()).isEqualTo(60);
        System.out.println("TargetFaultTest: " + result);
    }

    /** The first request whose body contains {@code text} gets {@code fault}; later ones the usual 200. */
    private void failFirst(String text, ResponseDefinitionBuilder fault) {
        String scenario = "first " + text;
        fixture.target().server().stubFor(post(urlEqualTo(PATH)).withRequestBody(containing(text)).atPriority(1)
                .inScenario(scenario).whenScenarioStateIs(Scenario.STARTED).willSetStateTo("answered").willReturn(fault));
    }

    private List<LoggedRequest> requestsFor(String customer) {
        return fixture.target().requests(PATH).stream().filter(r -> r.getBodyAsString().contains(customer)).toList();
    }

    @Test
    void aTargetDownForLongerThanTheRetryBudgetLeavesEveryRecordInTheLedgerAndTheNextRunDeliversThem() throws Exception {
        RunningFerry ferry = fixture.start();
        // every request, POSTs and the DELETEs of customers deleted at the source
        fixture.target().server().stubFor(any(urlPathMatching(PATH + ".*")).atPriority(1)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        Run down = ferry.runAndAwait(C);

        assertThat(down.status()).isEqualTo(RunStatus.INCOMPLETE);
        assertThat(down.failed()).isEqualTo(60);
        assertThat(ferry.failures().list(C, Failure.Status.OPEN)).hasSize(60)
                .allSatisfy(f -> assertThat(f.lastError()).containsIgnoringCase("connection reset"));

        fixture.target().acceptEverything();
        Run back = ferry.runAndAwait(C);

        assertThat(back.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(back.delivered()).isEqualTo(60);
        assertThat(ferry.failures().list(C, Failure.Status.OPEN)).isEmpty();
        reconcile(ferry);
    }

    @Test
    void aSlowTargetTimesOutAndTheRecordIsRepeatedUnderItsKey() throws Exception {
        fixture.properties().put("camel.component.http.response-timeout", "500");
        for (String customer : List.of("C-000003", "C-000017", "C-000042")) {
            failFirst(customer, aResponse().withStatus(200).withFixedDelay(1_500));
        }
        RunningFerry ferry = fixture.start();

        Run run = ferry.runAndAwait(C);

        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.delivered()).isEqualTo(60);
        // the slow answer arrived after the timeout: the target got it twice, under one key
        assertThat(requestsFor("C-000042")).hasSize(2).extracting(r -> r.getHeader("Idempotency-Key")).containsOnly(
                requestsFor("C-000042").get(0).getHeader("Idempotency-Key"));
        reconcile(ferry);
    }

    @Test
    void aRateLimitingTargetIsRetriedAfterTheTimeItAsksFor() throws Exception {
        // what the target asks for is capped at the policy's longest delay (the tests' is 50 ms)
        fixture.properties().put("camel.beans.ferryDeliveryRetries.maximum-redelivery-delay", "10000");
        failFirst("C-000005", aResponse().withStatus(429).withHeader("Retry-After", "2").withBody("slow down"));
        RunningFerry ferry = fixture.start();
        // an HTTP date ~3 s ahead of the run (made once Ferry runs: its start-up must not eat into the wait)
        failFirst("C-000006", aResponse().withStatus(503).withHeader("Retry-After",
                java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(3))));

        Run run = ferry.runAndAwait(C);

        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.delivered()).isEqualTo(60);
        // the test's retry policy waits 10 ms between attempts; the target asked for 2 s, and an HTTP date ~3 s ahead
        assertThat(gap(requestsFor("C-000005"))).isGreaterThanOrEqualTo(Duration.ofMillis(1_900));
        assertThat(gap(requestsFor("C-000006"))).isGreaterThanOrEqualTo(Duration.ofMillis(1_000));
        reconcile(ferry);
    }

    private static Duration gap(List<LoggedRequest> requests) {
        assertThat(requests).hasSize(2);
        Instant first = requests.get(0).getLoggedDate().toInstant();
        Instant second = requests.get(1).getLoggedDate().toInstant();
        return Duration.between(first, second).abs();
    }

    @Test
    void garbageAnswersAreJudgedByTheirStatusAndLedgeredWithAReadableExcerpt() throws Exception {
        // 200 with a body that is not JSON: the target accepted the record (Ferry does not read 2xx bodies)
        fixture.target().server().stubFor(post(urlEqualTo(PATH)).withRequestBody(containing("C-000010")).atPriority(1)
                .willReturn(aResponse().withStatus(200).withBody("<html>OK?</html>\u0000\u0001")));
        // the first time only: an error status with binary garbage, a malformed chunked body, random bytes
        // (customer 11 is one the demo deleted at the source: it goes as DELETE)
        failFirst("C-000014", aResponse().withStatus(400).withBody(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, 'x'}));
        failFirst("C-000012", aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK));
        failFirst("C-000013", aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE));
        RunningFerry ferry = fixture.start();

        Run first = ferry.runAndAwait(C);

        assertThat(first.status()).isEqualTo(RunStatus.INCOMPLETE);
        assertThat(first.failed()).isEqualTo(1);
        Failure garbage = ferry.failures().find(C, "14").orElseThrow();
        assertThat(garbage.httpStatus()).isEqualTo(400);
        assertThat(garbage.lastError()).startsWith("HTTP 400 from " + fixture.target().url(PATH))
                .doesNotContainPattern("\\p{Cc}").endsWith("x");
        // the 400 was permanent for that version; the next run gathers it again and the target now takes it
        Run second = ferry.runAndAwait(C);
        assertThat(second.status()).isEqualTo(RunStatus.COMPLETED);
        reconcile(ferry);
    }

    @Test
    void connectionResetsAreRetriedWithinTheRun() throws Exception {
        for (String customer : List.of("C-000001", "C-000020", "C-000033", "C-000059")) {
            failFirst(customer, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
        }
        failFirst("C-000021", aResponse().withFault(Fault.EMPTY_RESPONSE));
        RunningFerry ferry = fixture.start();

        Run run = ferry.runAndAwait(C);

        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.delivered()).isEqualTo(60);
        assertThat(run.failed()).isZero();
        reconcile(ferry);
    }
}
