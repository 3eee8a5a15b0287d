package dev.ferry.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.runs.Trigger;
import dev.ferry.support.Api;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;

/**
 * An operator's run-time schedule over the API: checked with Ferry's own messages before it is saved, in force at
 * once (the connector fires at its times), audited, kept across a restart, and removed to put the file's back.
 */
class RunTimeScheduleTest {

    private static final String C = "customers-to-erp";

    @TempDir
    Path data;
    private Target target;
    private RunningFerry ferry;
    private Map<String, String> properties;

    @AfterEach
    void stop() {
        if (ferry != null) {
            ferry.close();
        }
        if (target != null) {
            target.close();
        }
    }

    private Api api() {
        return Api.at(Integer.parseInt(properties.get("camel.server.port")));
    }

    @Test
    void aRunTimeScheduleIsCheckedSavedInForceAuditedKeptAcrossARestartAndRemoved() throws Exception {
        target = new Target();
        properties = RunningFerry.testProperties(data, target);
        ferry = RunningFerry.start(properties);

        // checked as one types: Ferry's messages, by key; nothing saved
        JsonNode invalid = api().post("/api/connectors/" + C + "/schedule/check",
                "{\"every\": \"7 parsecs\", \"between\": \"18:00-08:00\"}").json();
        assertThat(invalid.get("valid").asBoolean()).isFalse();
        assertThat(invalid.get("problems").findValuesAsText("key")).contains("every", "between");
        assertThat(invalid.get("problems").get(0).get("message").asText()).isNotBlank();
        Api.Answer refused = api().put("/api/connectors/" + C + "/schedule",
                "{\"schedule\": {\"every\": \"7 parsecs\"}, \"reason\": \"typo\"}");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("message").asText()).contains("every = '7 parsecs'");
        assertThat(api().get("/api/connectors/" + C).json().at("/schedule/source").asText()).isEqualTo("file");

        JsonNode checked = api().post("/api/connectors/" + C + "/schedule/check",
                "{\"at\": \"02:00\", \"time-zone\": \"Europe/Berlin\"}").json();
        assertThat(checked.get("valid").asBoolean()).isTrue();
        assertThat(checked.get("timeZone").asText()).isEqualTo("Europe/Berlin");
        assertThat(checked.get("nextFires")).hasSize(5);
        for (JsonNode fire : checked.get("nextFires")) {
            ZonedDateTime at = ZonedDateTime.parse(fire.asText());
            assertThat(at.withZoneSameInstant(ZoneId.of("Europe/Berlin")).toLocalTime()).hasToString("02:00");
        }

        // saved: in force at once — every 2 seconds, so that a fire comes while the test waits
        String fileSchedule = api().get("/api/connectors/" + C).json().at("/schedule/description").asText();
        Api.Answer saved = api().put("/api/connectors/" + C + "/schedule",
                "{\"schedule\": {\"cron\": \"0/2 * * * * ?\", \"time-zone\": \"UTC\"}, \"reason\": \"catch up after the outage\"}");
        assertThat(saved.status()).as(saved.text()).isEqualTo(200);
        assertThat(saved.json().at("/schedule/source").asText()).isEqualTo("run-time");
        assertThat(saved.json().at("/schedule/setBy").asText()).isEqualTo("local");
        assertThat(saved.json().at("/schedule/file").asText()).isEqualTo(fileSchedule);
        assertThat(saved.json().at("/schedule/keys/cron").asText()).isEqualTo("0/2 * * * * ?");
        await().atMost(Duration.ofSeconds(30)).until(() -> ferry.runsOf(C).stream().anyMatch(r -> r.trigger() == Trigger.SCHEDULE));

        JsonNode changes = api().get("/api/connectors/" + C + "/schedule-changes").json();
        assertThat(changes).hasSize(1);
        assertThat(changes.get(0).get("changedBy").asText()).isEqualTo("local");
        assertThat(changes.get(0).get("oldSummary").asText()).isEqualTo(fileSchedule);
        assertThat(changes.get(0).get("newSummary").asText()).contains("0/2 * * * * ?");
        assertThat(changes.get(0).get("oldSchedule").isNull()).isTrue();
        assertThat(changes.get(0).at("/newSchedule/cron").asText()).isEqualTo("0/2 * * * * ?");
        assertThat(changes.get(0).get("reason").asText()).isEqualTo("catch up after the outage");

        // a restart keeps it
        ferry.close();
        ferry = RunningFerry.start(properties);
        JsonNode restarted = api().get("/api/connectors/" + C).json();
        assertThat(restarted.at("/schedule/source").asText()).isEqualTo("run-time");
        assertThat(restarted.at("/schedule/description").asText()).contains("0/2 * * * * ?");
        long before = ferry.runsOf(C).stream().filter(r -> r.trigger() == Trigger.SCHEDULE).count();
        await().atMost(Duration.ofSeconds(30)).until(
                () -> ferry.runsOf(C).stream().filter(r -> r.trigger() == Trigger.SCHEDULE).count() > before);

        // removed: the file's schedule is back, and no more fires come
        Api.Answer cleared = api().delete("/api/connectors/" + C + "/schedule?reason=outage%20over");
        assertThat(cleared.status()).as(cleared.text()).isEqualTo(200);
        assertThat(cleared.json().at("/schedule/source").asText()).isEqualTo("file");
        assertThat(cleared.json().at("/schedule/description").asText()).isEqualTo(fileSchedule);
        assertThat(cleared.json().at("/schedule/nextFires/0").asText()).startsWith("2099-01-01");
        List<JsonNode> audit = List.copyOf(api().get("/api/connectors/" + C + "/schedule-changes").json().findParents("changedAt"));
        assertThat(audit).hasSize(2);
        assertThat(audit.get(1).get("newSchedule").isNull()).isTrue();
        assertThat(audit.get(1).get("newSummary").asText()).isEqualTo(fileSchedule);
        assertThat(audit.get(1).get("reason").asText()).isEqualTo("outage over");
    }
}
