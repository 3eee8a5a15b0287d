package dev.ferry.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.connector.FaultHooks;
import dev.ferry.runs.Failure;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.Api;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.Gate;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;

/** The operations API through real HTTP calls to a running Ferry (issue 6, acceptance 1–5). */
class OperationsApiTest {

    private static final String C = "customers-to-erp";
    private static final String PATH = "/erp/customers";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private Api api() {
        return Api.at(Integer.parseInt(fixture.properties().get("camel.server.port")));
    }

    private Run awaitEnded(RunningFerry ferry, JsonNode run) {
        return ferry.awaitEnded(run.get("id").asLong());
    }

    /**
     * The connector list reads every connector's state, watermark, last run, pending preview and failure counts in one
     * query each; a connector shows there exactly as on its own.
     */
    private void assertListedAsShown() throws Exception {
        JsonNode list = api().get("/api/connectors").json();
        assertThat(list.size()).isPositive();
        for (JsonNode listed : list) {
            ObjectNode shown = (ObjectNode) api().get("/api/connectors/" + listed.get("id").asText()).json();
            // the lag is now minus the watermark: read a moment later, it is a moment longer
            assertThat(shown.remove("watermarkLagSeconds").asDouble())
                    .isCloseTo(listed.get("watermarkLagSeconds").asDouble(), within(60.0));
            ((ObjectNode) listed).remove("watermarkLagSeconds");
            assertThat(listed).as(listed.get("id").asText()).isEqualTo(shown);
        }
    }

    @Test
    void runNowStartsAManualRunThatCompletesAndASecondRunNowWhileItProcessesAnswers409() throws Exception {
        RunningFerry ferry = fixture.bindOnce("ferryFaultHooks", Gate.HOOKS).start();
        Gate.close();

        Api.Answer first = api().post("/api/connectors/" + C + "/runs");

        assertThat(first.status()).isEqualTo(202);
        assertThat(first.json().get("trigger").asText()).isEqualTo("MANUAL");
        assertThat(first.json().get("mode").asText()).isEqualTo("SYNC");
        assertThat(first.response().headers().firstValue("Location")).hasValue("/api/runs/" + first.json().get("id").asLong());
        assertThat(Gate.awaitReached(30)).isTrue();
        assertThat(api().get("/api/runs/" + first.json().get("id").asLong()).json().at("/run/status").asText())
                .isEqualTo("PROCESSING");

        Api.Answer second = api().post("/api/connectors/" + C + "/runs", "{\"mode\": \"SYNC\"}");

        assertThat(second.status()).isEqualTo(409);
        assertThat(second.json().get("status").asInt()).isEqualTo(409);
        assertThat(second.json().get("message").asText())
                .contains(C + " has a run processing (run " + first.json().get("id").asLong() + ")");
        Gate.open();
        Run run = awaitEnded(ferry, first.json());
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.trigger()).hasToString("MANUAL");
        assertThat(run.delivered()).isEqualTo(60);
        assertThat(ferry.runsOf(C)).hasSize(1);
        assertThat(api().get("/api/connectors/" + C).json().at("/lastRun/status").asText()).isEqualTo("COMPLETED");
    }

    @Test
    void runNowReadsEveryFieldOfItsBodyAndRefusesAFullRefreshWithoutAKeyRegistryByName() throws Exception {
        fixture.start();

        Api.Answer full = api().post("/api/connectors/" + C + "/runs", "{\"mode\": \"SYNC\", \"refresh\": \"FULL\"}");
        assertThat(full.status()).as(full.text()).isEqualTo(400);
        assertThat(full.json().get("message").asText()).contains(C + " keeps no key registry")
                .contains("keyRegistry: true");
        Api.Answer unknown = api().post("/api/connectors/" + C + "/runs", "{\"refresh\": \"SOMETIMES\"}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("message").asText()).contains("refresh must be INCREMENTAL or FULL, was 'SOMETIMES'");
        Api.Answer confirm = api().post("/api/connectors/" + C + "/runs", "{\"confirmDeletes\": \"many\"}");
        assertThat(confirm.status()).isEqualTo(400);
        assertThat(confirm.json().get("message").asText()).contains("confirmDeletes must be a whole number");
        assertThat(fixture.ferry().runsOf(C)).isEmpty();
    }

    @Test
    void aPreviewStagesWithoutDeliveringAndItsSubmitDeliversExactlyTheStagedRecords() throws Exception {
        fixture.properties().put("camel.component.ferry.settle-lag", "0s");
        RunningFerry ferry = fixture.start();
        Target target = fixture.target();
        assertThat(awaitEnded(ferry, api().post("/api/connectors/" + C + "/runs").json()).status()).isEqualTo(RunStatus.COMPLETED);
        target.forgetRequests();
        ferry.sourceUpdate("UPDATE customers SET status = 'SUSPENDED', updated_at = LOCALTIMESTAMP WHERE id IN (3, 4, 5)");

        JsonNode preview = api().post("/api/connectors/" + C + "/runs", "{\"mode\": \"PREVIEW\"}").json();
        long id = preview.get("id").asLong();
        Run staged = ferry.awaitStatus(id, RunStatus.PREVIEW);

        assertThat(staged.gathered()).isEqualTo(3);
        JsonNode shown = api().get("/api/runs/" + id).json();
        assertThat(shown.at("/run/status").asText()).isEqualTo("PREVIEW");
        assertThat(shown.at("/run/mode").asText()).isEqualTo("PREVIEW");
        List<String> sampleKeys = new ArrayList<>();
        shown.get("sample").forEach(r -> sampleKeys.add(r.get("key").asText()));
        assertThat(sampleKeys).containsExactlyInAnyOrder("3", "4", "5");
        assertThat(shown.get("sample").get(0).at("/record/status").asText()).isEqualTo("SUSPENDED");
        // the sample shows a record as it will be sent: a DECIMAL(12, 2) keeps its two places
        assertThat(api().get("/api/runs/" + id).text()).containsPattern("\"credit_limit\":\\d+\\.\\d\\d[,}]");
        assertThat(api().get("/api/connectors/" + C).json().get("pendingPreview").asLong()).isEqualTo(id);
        assertListedAsShown();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> target.requests(PATH).isEmpty());
        assertThat(ferry.watermark(C).toString()).isEqualTo(staged.watermarkBefore());

        // While the preview waits, the connector does not run: manual runs are refused, scheduled fires skipped.
        Api.Answer blocked = api().post("/api/connectors/" + C + "/runs");
        assertThat(blocked.status()).isEqualTo(409);
        assertThat(blocked.json().get("message").asText()).contains("Preview run " + id).contains("awaits review");
        assertThat(api().put("/api/connectors/" + C + "/position", "{\"position\": \"beginning\"}").status()).isEqualTo(409);
        // A change after the preview is not part of it.
        ferry.sourceUpdate("UPDATE customers SET status = 'CLOSED', updated_at = LOCALTIMESTAMP WHERE id = 6");

        Api.Answer submitted = api().post("/api/runs/" + id + "/submit");

        assertThat(submitted.status()).isEqualTo(202);
        Run done = ferry.awaitEnded(id);
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.delivered()).isEqualTo(3);
        assertThat(target.customerNumbers(PATH)).containsExactlyInAnyOrder("C-000003", "C-000004", "C-000005");
        assertThat(ferry.watermark(C).toString()).isEqualTo(staged.watermarkAfter());
        assertThat(api().post("/api/runs/" + id + "/submit").status()).isEqualTo(409);

        // The next run carries the later change only.
        target.forgetRequests();
        Run next = awaitEnded(ferry, api().post("/api/connectors/" + C + "/runs").json());
        assertThat(next.gathered()).isEqualTo(1);
        assertThat(target.customerNumbers(PATH)).containsExactly("C-000006");
    }

    @Test
    void aDeletedPreviewDeliversNothingAndTheNextScheduledRunGathersItsChanges() throws Exception {
        fixture.properties().put("camel.component.ferry.settle-lag", "0s");
        RunningFerry ferry = fixture.start();
        Target target = fixture.target();
        awaitEnded(ferry, api().post("/api/connectors/" + C + "/runs").json());
        String watermark = ferry.watermark(C).toString();
        target.forgetRequests();
        ferry.sourceUpdate("UPDATE customers SET status = 'SUSPENDED', updated_at = LOCALTIMESTAMP WHERE id IN (8, 9)");
        long id = api().post("/api/connectors/" + C + "/runs", "{\"mode\": \"preview\"}").json().get("id").asLong();
        assertThat(ferry.awaitStatus(id, RunStatus.PREVIEW).gathered()).isEqualTo(2);

        Api.Answer deleted = api().delete("/api/runs/" + id);

        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().get("status").asText()).isEqualTo("DELETED");
        assertThat(deleted.json().get("error").asText()).contains("Preview deleted by local");
        assertThat(ferry.watermark(C).toString()).isEqualTo(watermark);
        assertThat(ferry.bean("ferrySyncQueue", dev.ferry.queue.SyncQueue.class).depth("ferry." + C + ".preview")).isZero();
        assertThat(api().delete("/api/runs/" + id).status()).isEqualTo(409);
        assertThat(api().delete("/api/runs/999999").status()).isEqualTo(404);
        assertThat(target.requests(PATH)).isEmpty();

        long next = ferry.fire(C);
        Run run = ferry.awaitEnded(next);
        assertThat(run.trigger()).hasToString("MANUAL");
        assertThat(run.gathered()).isEqualTo(2);
        assertThat(target.customerNumbers(PATH)).containsExactlyInAnyOrder("C-000008", "C-000009");
    }

    @Test
    void aSubmitCutShortWaitsAsAPreviewAgainAndSubmittingItAgainFinishesItWithEveryRecordOnce() throws Exception {
        AtomicBoolean cutNext = new AtomicBoolean();
        fixture.bindOnce("ferryFaultHooks", failingOnceWhen(cutNext));
        RunningFerry ferry = fixture.start();
        long id = api().post("/api/connectors/" + C + "/runs", "{\"mode\": \"PREVIEW\"}").json().get("id").asLong();
        assertThat(ferry.awaitStatus(id, RunStatus.PREVIEW).gathered()).isEqualTo(60);
        cutNext.set(true);

        assertThat(api().post("/api/runs/" + id + "/submit").status()).isEqualTo(202);

        Run cut = await().atMost(Duration.ofSeconds(30)).until(() -> ferry.runs().find(id).orElseThrow(),
                r -> r.status() == RunStatus.PREVIEW && r.error() != null);
        assertThat(cut.error()).contains("submit was interrupted after 60 staged record(s)").contains("submit it again");
        assertThat(ferry.watermark(C)).isNull();

        assertThat(api().post("/api/runs/" + id + "/submit").status()).isEqualTo(202);

        Run done = ferry.awaitEnded(id);
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.delivered()).isEqualTo(60);
        assertThat(done.error()).isNull();
        assertThat(fixture.target().customerNumbers(PATH)).hasSize(60).doesNotHaveDuplicates();
        assertThat(ferry.watermark(C)).isNotNull();
    }

    @Test
    void runsAreListedByStatusAndTimeInPagesAndARunShowsItsFailedRecordsWithTheirErrors() throws Exception {
        AtomicBoolean breakNext = new AtomicBoolean();
        fixture.bindOnce("ferryFaultHooks", failingOnceWhen(breakNext));
        RunningFerry ferry = fixture.start();
        Target target = fixture.target();
        StubMapping reject = target.server().stubFor(post(PATH).withRequestBody(containing("C-000007")).atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("{\"error\": \"customer 7: VAT number is invalid\"}")));

        Run incomplete = awaitEnded(ferry, api().post("/api/connectors/" + C + "/runs").json());
        breakNext.set(true);
        Run failed = awaitEnded(ferry, api().post("/api/connectors/" + C + "/runs").json());
        target.server().removeStub(reject);
        Run completed = awaitEnded(ferry, api().post("/api/connectors/" + C + "/runs").json());

        assertThat(List.of(incomplete.status(), failed.status(), completed.status()))
                .containsExactly(RunStatus.INCOMPLETE, RunStatus.FAILED, RunStatus.COMPLETED);
        assertThat(ids(api().get("/api/runs?status=INCOMPLETE").json())).containsExactly(incomplete.id());
        assertThat(ids(api().get("/api/runs?status=failed&connector=" + C).json())).containsExactly(failed.id());
        assertThat(ids(api().get("/api/runs?connector=invoices-to-erp").json())).isEmpty();
        JsonNode page1 = api().get("/api/runs?connector=" + C + "&limit=2").json();
        assertThat(page1.get("total").asLong()).isEqualTo(3);
        assertThat(ids(page1)).containsExactly(completed.id(), failed.id());
        assertThat(ids(api().get("/api/runs?connector=" + C + "&limit=2&offset=2").json())).containsExactly(incomplete.id());
        assertThat(ids(api().get("/api/runs?from=" + failed.createdAt()).json())).containsExactly(completed.id(), failed.id());
        assertThat(ids(api().get("/api/runs?to=" + failed.createdAt()).json())).containsExactly(incomplete.id());
        Api.Answer badLimit = api().get("/api/runs?limit=0");
        assertThat(badLimit.status()).isEqualTo(400);
        assertThat(badLimit.json().get("message").asText()).isEqualTo("limit must be a whole number from 1 to 1000, was '0'");
        assertThat(api().get("/api/runs?from=yesterday").status()).isEqualTo(400);
        assertThat(api().get("/api/runs?connector=nope").status()).isEqualTo(404);

        JsonNode shown = api().get("/api/runs/" + incomplete.id()).json();
        assertThat(shown.at("/run/failed").asLong()).isEqualTo(1);
        assertThat(shown.at("/failures/total").asLong()).isEqualTo(1);
        JsonNode failure = shown.at("/failures/items/0");
        assertThat(failure.get("recordKey").asText()).isEqualTo("7");
        assertThat(failure.get("httpStatus").asInt()).isEqualTo(422);
        assertThat(failure.get("error").asText()).contains("422").contains("VAT number is invalid");
        assertThat(api().get("/api/runs/" + failed.id()).json().at("/run/error").asText()).contains("injected");
        assertThat(api().get("/api/runs/abc").status()).isEqualTo(400);
        assertThat(api().get("/api/runs/424242").status()).isEqualTo(404);
    }

    @Test
    void aParkedRecordReQueuedIsDeliveredByTheNextRunAndAnOpenRecordParkedIsNotRetried() throws Exception {
        RunningFerry ferry = fixture.start();
        Target target = fixture.target();
        StubMapping reject = target.server().stubFor(post(PATH).withRequestBody(containing("C-000007")).atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("rejected")));
        awaitEnded(ferry, api().post("/api/connectors/" + C + "/runs").json());
        String failurePath = "/api/connectors/" + C + "/failures/7";
        assertThat(api().get(failurePath).json().get("status").asText()).isEqualTo("OPEN");
        assertThat(api().post(failurePath + "/requeue").status()).isEqualTo(409);

        Api.Answer parked = api().post(failurePath + "/park");

        assertThat(parked.status()).isEqualTo(200);
        assertThat(parked.json().get("status").asText()).isEqualTo("PARKED");
        assertThat(api().get("/api/connectors/" + C + "/failures?status=PARKED").json().at("/items/0/recordKey").asText())
                .isEqualTo("7");
        assertListedAsShown();
        target.server().removeStub(reject);
        target.forgetRequests();
        Run notRetried = awaitEnded(ferry, api().post("/api/connectors/" + C + "/runs").json());
        assertThat(notRetried.gathered()).isZero();
        assertThat(target.requests(PATH)).isEmpty();
        assertThat(api().post(failurePath + "/park").status()).isEqualTo(409);

        Api.Answer requeued = api().post(failurePath + "/requeue");

        assertThat(requeued.status()).isEqualTo(200);
        assertThat(requeued.json().get("status").asText()).isEqualTo("OPEN");
        Run retried = awaitEnded(ferry, api().post("/api/connectors/" + C + "/runs").json());
        assertThat(retried.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(retried.delivered()).isEqualTo(1);
        assertThat(target.customerNumbers(PATH)).containsExactly("C-000007");
        assertThat(ferry.failures().find(C, "7").orElseThrow().status()).isEqualTo(Failure.Status.RESOLVED);
        assertThat(api().get("/api/connectors/" + C + "/failures?status=OPEN").json().get("total").asLong()).isZero();
        assertThat(api().get("/api/connectors/" + C + "/failures/8").status()).isEqualTo(404);
        assertThat(api().post("/api/connectors/" + C + "/failures/requeue").json().get("requeued").asInt()).isZero();
    }

    @Test
    void disableAndEnableOverTheApiStopAndStartTheConnectorAndTheMovedPositionIsAudited() throws Exception {
        RunningFerry ferry = fixture.start();

        Api.Answer disabled = api().post("/api/connectors/" + C + "/disable");

        assertThat(disabled.status()).isEqualTo(200);
        assertThat(disabled.json().get("enabled").asBoolean()).isFalse();
        assertThat(disabled.json().get("changedBy").asText()).isEqualTo("local");
        assertThat(ferry.camel().getRouteController().getRouteStatus(C + "-deliver")).isEqualTo(ServiceStatus.Stopped);
        Api.Answer refused = api().post("/api/connectors/" + C + "/runs");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("message").asText()).contains("disabled");

        Api.Answer enabled = api().post("/api/connectors/" + C + "/enable");

        assertThat(enabled.json().get("enabled").asBoolean()).isTrue();
        assertThat(ferry.camel().getRouteController().getRouteStatus(C + "-deliver")).isEqualTo(ServiceStatus.Started);
        assertThat(awaitEnded(ferry, api().post("/api/connectors/" + C + "/runs").json()).status()).isEqualTo(RunStatus.COMPLETED);

        // a dry run first: what the move would gather, beside what the current watermark would; nothing moves
        String watermark = api().get("/api/connectors/" + C).json().get("watermark").asText();
        Api.Answer dryRun = api().post("/api/connectors/" + C + "/position/dry-run", "{\"position\": \"beginning\"}");
        assertThat(dryRun.status()).isEqualTo(200);
        assertThat(dryRun.json().get("watermark").isNull()).isTrue();
        assertThat(dryRun.json().get("rows").asLong()).isEqualTo(ferry.sourceCount("customers"));
        assertThat(dryRun.json().get("currentWatermark").asText()).isEqualTo(watermark);
        assertThat(dryRun.json().get("rowsFromCurrent").asLong()).isZero();
        assertThat(api().get("/api/connectors/" + C).json().get("watermark").asText()).isEqualTo(watermark);
        assertThat(api().post("/api/connectors/" + C + "/position/dry-run", "{\"position\": \"not a time\"}").status())
                .isEqualTo(400);

        Api.Answer moved = api().put("/api/connectors/" + C + "/position",
                "{\"position\": \"beginning\", \"reason\": \"the ERP was restored from last week's backup\"}");
        assertThat(moved.status()).isEqualTo(200);
        assertThat(moved.json().get("watermark").isNull()).isTrue();
        JsonNode changes = api().get("/api/connectors/" + C + "/position-changes").json();
        JsonNode change = changes.get(changes.size() - 1);
        assertThat(change.get("changedBy").asText()).isEqualTo("local");
        assertThat(change.get("oldPosition").asText()).isEqualTo(watermark);
        assertThat(change.get("reason").asText()).isEqualTo("the ERP was restored from last week's backup");
        assertThat(api().put("/api/connectors/" + C + "/position", "{}").status()).isEqualTo(400);
        assertThat(api().put("/api/connectors/" + C + "/position", "{\"position\": \"not a time\"}").status()).isEqualTo(400);
        assertThat(api().put("/api/connectors/" + C + "/position", "not json").status()).isEqualTo(400);
        assertThat(api().post("/api/connectors/nope/enable").status()).isEqualTo(404);
        JsonNode all = api().get("/api/connectors").json();
        // the demo's three connectors
        assertThat(all).hasSize(3);
        // The test schedule fires once, in 2099.
        assertThat(all.get(0).at("/schedule/nextFires/0").asText()).startsWith("2099-01-01T00:00");
        assertThat(all.get(0).at("/queue/depth").asLong()).isZero();
    }

    /** Fails the watermark commit once each time {@code armed} is set, as a lost state database would. */
    private static FaultHooks failingOnceWhen(AtomicBoolean armed) {
        return new FaultHooks() {
            @Override
            public void beforeWatermarkCommit(String connector, long runId) {
                if (armed.getAndSet(false)) {
                    throw new IllegalStateException("injected: the state database went away");
                }
            }
        };
    }

    private static List<Long> ids(JsonNode page) {
        List<Long> ids = new ArrayList<>();
        page.get("items").forEach(run -> ids.add(run.get("id").asLong()));
        return ids;
    }
}
