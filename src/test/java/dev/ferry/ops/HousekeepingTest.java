package dev.ferry.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.Failure;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.Api;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.SettableClock;

/** Housekeeping removes exactly the finished runs and resolved failures older than the age (acceptance 7). */
class HousekeepingTest {

    private static final String C = "customers-to-erp";
    private static final String PATH = "/erp/customers";
    private static final Instant T0 = Instant.parse("2026-01-05T09:00:00Z");

    private final SettableClock clock = new SettableClock(T0);

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture().clock(clock);

    @Test
    void removesExactlyTheFinishedRunsAndResolvedFailuresOlderThanTheAge() throws Exception {
        RunningFerry ferry = fixture.start();
        Api api = Api.at(Integer.parseInt(fixture.properties().get("camel.server.port")));
        assertThat(ferry.camel().getRoute(OperationsSurface.HOUSEKEEPING_ROUTE)).isNotNull();
        StubMapping reject7 = fixture.target().server().stubFor(post(PATH).withRequestBody(containing("C-000007"))
                .atPriority(1).willReturn(aResponse().withStatus(422)));

        // T0: an INCOMPLETE run (record 7 fails) and a deleted preview.
        Run first = run(ferry, api, "SYNC");
        assertThat(first.status()).isEqualTo(RunStatus.INCOMPLETE);
        Run preview = ferry.awaitStatus(start(api, "PREVIEW"), RunStatus.PREVIEW);
        assertThat(api.delete("/api/runs/" + preview.id()).status()).isEqualTo(200);

        // T0 + 10 days: record 7 is delivered (resolved); record 9 fails and stays open.
        clock.tick(Duration.ofDays(10));
        fixture.target().server().removeStub(reject7);
        fixture.target().server().stubFor(post(PATH).withRequestBody(containing("C-000009")).atPriority(1)
                .willReturn(aResponse().withStatus(422)));
        ferry.sourceUpdate("UPDATE customers SET status = 'SUSPENDED', updated_at = LOCALTIMESTAMP - INTERVAL '1' MINUTE"
                + " WHERE id = 9");
        Run second = run(ferry, api, "SYNC");
        assertThat(ferry.failures().find(C, "7").orElseThrow().status()).isEqualTo(Failure.Status.RESOLVED);
        assertThat(ferry.failures().find(C, "9").orElseThrow().status()).isEqualTo(Failure.Status.OPEN);

        // T0 + 95 days, age 90 days: what ended at T0 goes; what ended at T0 + 10 days stays.
        clock.tick(Duration.ofDays(85));
        Run third = run(ferry, api, "SYNC");
        JsonNode removed = api.post("/api/housekeeping").json();

        assertThat(removed.get("runs").asInt()).isEqualTo(2);
        assertThat(removed.get("failures").asInt()).isZero();
        assertThat(Instant.parse(removed.get("cutoff").asText())).isEqualTo(T0.plus(Duration.ofDays(5)));
        assertThat(ferry.runsOf(C)).extracting(Run::id).containsExactly(second.id(), third.id());
        assertThat(api.get("/api/runs/" + first.id()).status()).isEqualTo(404);

        // T0 + 105 days: the second run and the failure resolved with it go; the open failure stays.
        clock.tick(Duration.ofDays(10));
        removed = api.post("/api/housekeeping").json();

        assertThat(removed.get("runs").asInt()).isEqualTo(1);
        assertThat(removed.get("failures").asInt()).isEqualTo(1);
        assertThat(ferry.runsOf(C)).extracting(Run::id).containsExactly(third.id());
        assertThat(ferry.failures().find(C, "7")).isEmpty();
        assertThat(ferry.failures().find(C, "9").orElseThrow().status()).isEqualTo(Failure.Status.OPEN);
        assertThat(api.post("/api/housekeeping").json().get("runs").asInt()).isZero();
    }

    private static long start(Api api, String mode) {
        Api.Answer started = api.post("/api/connectors/" + C + "/runs", "{\"mode\": \"" + mode + "\"}");
        assertThat(started.status()).isEqualTo(202);
        return started.json().get("id").asLong();
    }

    private static Run run(RunningFerry ferry, Api api, String mode) {
        return ferry.awaitEnded(start(api, mode));
    }
}
