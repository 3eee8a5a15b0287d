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

import dev.ferry.support.FerryProcess;
import dev.ferry.support.RefreshItems;
import dev.ferry.support.Target;

/**
 * A Ferry process halted as by {@code kill -9} in the middle of a full refresh, after its third queue transaction
 * ({@link HaltAt}): started again on the same data, it delivers what was queued, nothing is registered that the run did
 * not finish queuing, and the next full refresh sends everything the crashed one had not registered — every row
 * reaches the target, each repeat under its original's idempotency key — after which the registry and the table agree.
 */
class FullRefreshCrashTest {

    private static final String C = RefreshItems.CONNECTOR;
    private static final String PATH = RefreshItems.PATH;
    private static final int ROWS = 5_000;

    @TempDir
    Path data;

    @Test
    void aFullRefreshKilledHalfWayLosesNothingAndRegistersNothingItDidNotQueue() throws Exception {
        RefreshItems items = RefreshItems.create(data);
        items.insert(ROWS);
        try (Target target = new Target()) {
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("ferry.data-dir", data.resolve("ferry").toString());
            items.configure(settings, target);
            settings.put(C + ".batch-size", "1");
            settings.put("camel.component.ferry.transaction-size", "500");
            settings.put("ferry.runs.flush-interval", "100ms");
            Map<String, String> halting = new LinkedHashMap<>(settings);
            halting.put("camel.beans.ferryFaultHooks", "#class:dev.ferry.fault.HaltAt");
            halting.put("camel.beans.ferryFaultHooks.point", "queue-commit");
            halting.put("camel.beans.ferryFaultHooks.commits", "3");

            try (FerryProcess crashing = FerryProcess.start("crashing", null, halting, data)) {
                crashing.api().post("/api/connectors/" + C + "/runs");
                assertThat(crashing.awaitEnd(Duration.ofSeconds(60))).as("halted").isTrue();
                assertThat(crashing.log()).contains("HaltAt: halting after queue transaction 3");
            }
            try (FerryProcess ferry = FerryProcess.start("again", null, settings, data)) {
                // what the halted run queued is delivered; it registered nothing, so the next full refresh sends all
                JsonNode again = ferry.runAndAwait(C);
                assertThat(again.get("status").asText()).isEqualTo("COMPLETED");
                assertThat(again.get("gathered").asLong()).isEqualTo(ROWS);
                assertThat(again.get("unchanged").asLong()).isZero();
                await().atMost(Duration.ofSeconds(60)).until(() -> target.distinctIds(PATH) == ROWS);

                JsonNode quiet = ferry.runAndAwait(C);
                assertThat(quiet.get("gathered").asLong()).isZero();
                assertThat(quiet.get("unchanged").asLong()).isEqualTo(ROWS);
            }
            // a row delivered twice (queued by the halted run, then by the next) carries the same idempotency key
            assertThat(target.idsUnderSeveralIdempotencyKeys(PATH)).isEmpty();
        }
    }
}
