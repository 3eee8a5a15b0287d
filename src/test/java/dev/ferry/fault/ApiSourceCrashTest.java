package dev.ferry.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.support.FakeApi;
import dev.ferry.support.FerryProcess;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;

/**
 * A Ferry process killed as by {@code kill -9} while it pages through an API, with two of its queue transactions
 * committed: started again, it delivers what was queued, its watermark has not moved and nothing was registered, so
 * the next run reads every page again — every contact reaches the target, each repeat under its original's
 * idempotency key. The API asks for Basic authentication, whose user and password Ferry reads from its environment.
 */
class ApiSourceCrashTest {

    private static final String C = "contacts-api";
    private static final String PATH = "/contacts";
    private static final int CONTACTS = 200;

    @TempDir
    Path data;

    @Test
    void aRunKilledMidPaginationLosesNothing() throws Exception {
        try (FakeApi api = new FakeApi(); Target target = new Target()) {
            api.auth(FakeApi.Auth.BASIC);
            api.create(CONTACTS);
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("ferry.data-dir", data.resolve("ferry").toString());
            settings.put("camel.main.routes-include-pattern", "classpath:dev/ferry/api/*.camel.yaml");
            settings.put(C + ".schedule.cron", RunningFerry.NEVER);
            settings.put(C + ".target.url", target.url(PATH));
            settings.put(C + ".url", api.url("/page/contacts"));
            settings.put(C + ".paging", "page");
            settings.put(C + ".page-size-param", "per_page");
            settings.put(C + ".user", "{{env:ERP_API_USER}}");
            settings.put(C + ".password", "{{env:ERP_API_PASSWORD}}");
            settings.put("camel.component.ferry.transaction-size", "25");
            Map<String, String> environment = Map.of("ERP_API_USER", FakeApi.USER, "ERP_API_PASSWORD", FakeApi.PASSWORD);

            // page 8 does not answer: the run has queued 70 contacts, 50 of them committed
            api.hold(8);
            try (FerryProcess crashing = FerryProcess.start("crashing", null, settings, data, environment)) {
                crashing.api().post("/api/connectors/" + C + "/runs");
                await().atMost(Duration.ofSeconds(60)).until(() -> api.received() >= 8);
                crashing.kill();
            }
            api.release();
            assertThat(api.requests()).allMatch(r -> r.authorization() != null && r.authorization().startsWith("Basic "));

            try (FerryProcess ferry = FerryProcess.start("again", null, settings, data, environment)) {
                JsonNode again = ferry.runAndAwait(C);
                assertThat(again.get("status").asText()).as(again.toString()).isEqualTo("COMPLETED");
                assertThat(again.get("gathered").asLong()).isEqualTo(CONTACTS);
                await().atMost(Duration.ofSeconds(60)).until(() -> target.distinctIds(PATH) == CONTACTS);

                JsonNode quiet = ferry.runAndAwait(C);
                assertThat(quiet.get("gathered").asLong()).isZero();
            }
            // the killed run's two committed transactions were delivered too, and their contacts again by the next run
            assertThat(target.requests(PATH)).hasSizeGreaterThanOrEqualTo(CONTACTS + 50);
            // a contact delivered twice (queued by the killed run, then by the next) carries the same idempotency key
            assertThat(target.idsUnderSeveralIdempotencyKeys(PATH)).isEmpty();
        }
    }
}
