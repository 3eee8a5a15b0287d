package dev.ferry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.queue.RecordHeaders;
import dev.ferry.runs.Failure;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;
import dev.ferry.watermark.Watermark;

/**
 * The real Main with the real route files against a real HTTP target: what a run delivers, and what
 * happens to a record the target rejects.
 */
class ConnectorSyncTest {

    private static final String CUSTOMERS = "customers-to-erp";
    private static final String PATH = "/erp/customers";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private Target target;
    private RunningFerry ferry;

    @BeforeEach
    void start() {
        target = fixture.target();
        ferry = fixture.start();
    }

    @Test
    void firstRunDeliversEveryRowOnceThenOnlyTheChangedRowsThenNothing() throws Exception {
        Run first = ferry.runAndAwait(CUSTOMERS);

        assertThat(first.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(first.watermarkBefore()).isNull();
        assertThat(first.gathered()).isEqualTo(60);
        assertThat(first.delivered()).isEqualTo(60);
        assertThat(first.failed()).isZero();
        // Customers deleted in billing (deleted_at set) arrive as a DELETE of their URL, the others as a POST.
        List<String> deleted = softDeleted();
        assertThat(deleted).isNotEmpty();
        assertThat(target.deleted(PATH)).containsExactlyInAnyOrderElementsOf(deleted);
        List<String> all = new java.util.ArrayList<>(numbers(target.received(PATH)));
        all.addAll(target.deleted(PATH));
        assertThat(all).containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 60).mapToObj(ConnectorSyncTest::number).toList());
        for (LoggedRequest request : target.requests(PATH)) {
            assertThat(request.getHeader("Idempotency-Key")).matches("[0-9a-f]{32}");
            assertThat(request.getHeader("Content-Type")).startsWith("application/json");
            assertThat(request.getHeaders().keys()).noneMatch(h -> h.startsWith("Ferry") || h.startsWith("JMS"));
            // Money stays exact from the source's DECIMAL(12, 2) to the wire.
            assertThat(request.getBodyAsString()).containsPattern("\"creditLimit\":\\d+\\.\\d{2}[,}]");
        }

        target.forgetRequests();
        int changed = ferry.sourceUpdate("UPDATE customers SET email = CONCAT('changed.', email),"
                + " updated_at = LOCALTIMESTAMP - INTERVAL '1' MINUTE WHERE id IN (7, 23, 42)");
        assertThat(changed).isEqualTo(3);

        Run second = ferry.runAndAwait(CUSTOMERS);

        assertThat(second.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(second.gathered()).isEqualTo(3);
        assertThat(second.delivered()).isEqualTo(3);
        List<JsonNode> bodies = target.received(PATH);
        assertThat(numbers(bodies)).containsExactlyInAnyOrder(number(7), number(23), number(42));
        assertThat(bodies).allSatisfy(body -> assertThat(body.at("/contact/email").asText()).startsWith("changed."));
        Watermark afterSecond = ferry.watermark(CUSTOMERS);
        assertThat(afterSecond.key()).isEqualTo(42L);

        target.forgetRequests();
        Run third = ferry.runAndAwait(CUSTOMERS);

        assertThat(third.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(third.gathered()).isZero();
        assertThat(third.delivered()).isZero();
        assertThat(target.requests(PATH)).isEmpty();
        assertThat(ferry.watermark(CUSTOMERS)).isEqualTo(afterSecond);
    }

    @Test
    void aRecordTheTargetRejectsGoesToTheLedgerAndTheNextRunDeliversIt() throws Exception {
        target.server().stubFor(post(PATH).atPriority(1)
                .withRequestBody(matchingJsonPath("$.customerNumber", equalTo(number(13))))
                .willReturn(aResponse().withStatus(500).withBody("ERP database is locked, try later")));

        Run first = ferry.runAndAwait(CUSTOMERS);

        assertThat(first.status()).isEqualTo(RunStatus.INCOMPLETE);
        assertThat(first.gathered()).isEqualTo(60);
        assertThat(first.delivered()).isEqualTo(59);
        assertThat(first.failed()).isEqualTo(1);
        // Retried inside the run: the first attempt plus the test's maximum-redeliveries (2).
        assertThat(numbers(target.received(PATH)).stream().filter(number(13)::equals)).hasSize(3);
        Failure failure = ferry.failures().find(CUSTOMERS, "13").orElseThrow();
        assertThat(failure.status()).isEqualTo(Failure.Status.OPEN);
        assertThat(failure.attempts()).isEqualTo(1);
        assertThat(failure.httpStatus()).isEqualTo(500);
        assertThat(failure.lastError()).contains("HTTP 500").contains("ERP database is locked, try later");
        assertThat(failure.runId()).isEqualTo(first.id());

        target.acceptEverything();
        Run second = ferry.runAndAwait(CUSTOMERS);

        assertThat(second.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(second.gathered()).isEqualTo(1);
        assertThat(second.delivered()).isEqualTo(1);
        assertThat(numbers(target.received(PATH))).containsExactly(number(13));
        Failure resolved = ferry.failures().find(CUSTOMERS, "13").orElseThrow();
        assertThat(resolved.status()).isEqualTo(Failure.Status.RESOLVED);
        assertThat(resolved.resolvedAt()).isNotNull();

        target.forgetRequests();
        assertThat(ferry.runAndAwait(CUSTOMERS).gathered()).isZero();
        assertThat(target.requests(PATH)).isEmpty();
    }

    @Test
    void aRecordTheTargetRefusesAsInvalidFailsAtOnceWithTheResponseInTheLedger() throws Exception {
        target.server().stubFor(post(PATH).atPriority(1)
                .withRequestBody(matchingJsonPath("$.customerNumber", equalTo(number(5))))
                .willReturn(aResponse().withStatus(422).withBody("{\"error\": \"VAT id missing for country DE\"}")));

        Run run = ferry.runAndAwait(CUSTOMERS);

        assertThat(run.status()).isEqualTo(RunStatus.INCOMPLETE);
        assertThat(run.failed()).isEqualTo(1);
        assertThat(numbers(target.received(PATH)).stream().filter(number(5)::equals)).hasSize(1);
        Failure failure = ferry.failures().find(CUSTOMERS, "5").orElseThrow();
        assertThat(failure.httpStatus()).isEqualTo(422);
        assertThat(failure.lastError()).contains("VAT id missing for country DE");
    }

    @Test
    void aQueuedRecordThatIsNotJsonFailsAtOnceIntoTheLedgerAndReachesNoTarget() throws Exception {
        long runId = ferry.runAndAwait(CUSTOMERS).id();
        target.forgetRequests();
        ConnectionFactory connections = ferry.bean("ferryConnectionFactory", ConnectionFactory.class);
        try (Connection connection = connections.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage message = session.createTextMessage("{\"id\": 77, \"company_name\": ");
            message.setStringProperty(RecordHeaders.CONNECTOR, CUSTOMERS);
            message.setLongProperty(RecordHeaders.RUN_ID, runId);
            message.setStringProperty(RecordHeaders.RECORD_KEY, "77");
            message.setStringProperty(RecordHeaders.IDEMPOTENCY_KEY, "k");
            session.createProducer(session.createQueue("ferry.customers-to-erp")).send(message);
        }

        Failure failure = await().atMost(Duration.ofSeconds(30))
                .until(() -> ferry.failures().find(CUSTOMERS, "77"), Optional::isPresent).orElseThrow();

        assertThat(failure.lastError()).contains("JsonEOFException");
        assertThat(failure.httpStatus()).isNull();
        assertThat(target.requests(PATH)).isEmpty();
    }

    private List<String> softDeleted() throws Exception {
        List<String> numbers = new java.util.ArrayList<>();
        try (java.sql.Connection c = ferry.source().getConnection();
             java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT id FROM customers WHERE deleted_at IS NOT NULL")) {
            while (rs.next()) {
                numbers.add(number(rs.getInt(1)));
            }
        }
        return numbers;
    }

    private static List<String> numbers(List<JsonNode> bodies) {
        return bodies.stream().map(b -> b.get("customerNumber").asText()).toList();
    }

    private static String number(int id) {
        return String.format("C-%06d", id);
    }
}
