package dev.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.RunStatus;
import dev.ferry.security.Passwords;
import dev.ferry.support.Api;
import dev.ferry.support.Causes;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;

/** Beyond loopback only with authentication; roles decide who may act. Bearer tokens: security/BearerTokenTest. */
class AccessControlTest {

    private static final String C = "customers-to-erp";
    private static final String OPERATOR_SECRET = "op-Secret-4711";
    private static final String READER_SECRET = "read-Secret-0815";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private Api api() {
        return Api.at(Integer.parseInt(fixture.properties().get("camel.server.port")));
    }

    @Test
    void boundToAllAddressesWithoutCredentialsFerryRefusesToStart() {
        fixture.properties().put("camel.server.host", "0.0.0.0");

        Throwable refused = catchThrowable(fixture::start);

        assertThat(Causes.messages(refused)).anySatisfy(m -> assertThat(m)
                .contains("Refusing to start: the HTTP server (operations API) would listen on 0.0.0.0 (camel.server.host)"
                        + " without authentication")
                .contains("ferry.security.users-file").contains("FERRY_SECURITY_USERS"));
    }

    @Test
    void theManagementServerBoundToAllAddressesWithoutCredentialsIsRefusedToo() {
        fixture.properties().put("camel.management.enabled", "true");
        fixture.properties().put("camel.management.host", "0.0.0.0");
        fixture.properties().put("camel.management.port", String.valueOf(RunningFerry.freePort()));

        Throwable refused = catchThrowable(fixture::start);

        assertThat(Causes.messages(refused)).anySatisfy(m -> assertThat(m)
                .contains("the management HTTP server would listen on 0.0.0.0 (camel.management.host)"));
    }

    @Test
    void withBasicUsersEveryCallAuthenticatesAndAReaderMayNotRunAConnector() throws Exception {
        Path users = fixture.data().resolve("users.properties");
        Files.writeString(users, "# API users\nuser.auditor = " + Passwords.hash(READER_SECRET) + ", reader\n",
                StandardCharsets.UTF_8);
        fixture.properties().put("camel.server.host", "0.0.0.0");
        fixture.properties().put("ferry.security.users-file", users.toString());
        fixture.properties().put("ferry.security.users", "ops-anna:" + Passwords.hash(OPERATOR_SECRET) + ":operator");
        RunningFerry ferry = fixture.start();

        Api.Answer anonymous = api().get("/api/connectors");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.response().headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                h -> assertThat(h).startsWith("Basic realm=\"ferry\""));
        assertThat(anonymous.json().path("message").asText()).as("the API's JSON error").isEqualTo("authentication required");
        assertThat(api().as("auditor", "wrong").get("/api/connectors").status()).isEqualTo(401);
        assertThat(api().as("nobody", READER_SECRET).get("/api/connectors").status()).isEqualTo(401);
        assertThat(api().as("ops-anna", READER_SECRET).post("/api/connectors/" + C + "/runs").status()).isEqualTo(401);

        Api.Answer read = api().as("auditor", READER_SECRET).get("/api/connectors/" + C);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.text()).doesNotContain(READER_SECRET).doesNotContain(OPERATOR_SECRET);
        assertThat(read.response().headers().map().keySet()).noneMatch(h -> h.equalsIgnoreCase("Authorization"));

        Api.Answer forbidden = api().as("auditor", READER_SECRET).post("/api/connectors/" + C + "/runs");
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.json().get("message").asText()).isEqualTo("user auditor may not do this: it needs the operator role");
        assertThat(api().as("auditor", READER_SECRET).post("/api/connectors/" + C + "/disable").status()).isEqualTo(403);
        assertThat(ferry.runsOf(C)).isEmpty();

        // the console on a server bound beyond loopback: nothing of it without credentials, every page for a reader
        for (String path : List.of("/console/", "/console/app.mjs", "/console/vendor/preact.mjs", "/console")) {
            Api.Answer page = api().get(path);
            assertThat(page.status()).as(path).isEqualTo(401);
            assertThat(page.text()).as(path).doesNotContain("<script");
        }
        Api.Answer console = api().as("auditor", READER_SECRET).get("/console/");
        assertThat(console.status()).isEqualTo(200);
        assertThat(console.response().headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(api().as("auditor", READER_SECRET).get("/console/../api/me").json().get("roles").toString())
                .isEqualTo("[\"reader\"]");
        assertThat(api().as("auditor", READER_SECRET).get("/console/nothing.mjs").status()).isEqualTo(404);
        assertThat(api().as("auditor", READER_SECRET).post("/console/", "{}").status()).isEqualTo(405);
        // what the console added to the API: a reader checks a schedule; changing one or a position needs an operator
        assertThat(api().as("auditor", READER_SECRET).post("/api/connectors/" + C + "/schedule/check", "{\"at\": \"02:00\"}")
                .status()).isEqualTo(200);
        assertThat(api().as("auditor", READER_SECRET).put("/api/connectors/" + C + "/schedule",
                "{\"schedule\": {\"at\": \"02:00\"}}").status()).isEqualTo(403);
        assertThat(api().as("auditor", READER_SECRET).delete("/api/connectors/" + C + "/schedule").status()).isEqualTo(403);
        assertThat(api().as("auditor", READER_SECRET).post("/api/connectors/" + C + "/position/dry-run",
                "{\"position\": \"beginning\"}").status()).isEqualTo(403);
        assertThat(api().as("auditor", READER_SECRET).get("/api/connectors/" + C).json().at("/schedule/source").asText())
                .isEqualTo("file");

        Api.Answer started = api().as("ops-anna", OPERATOR_SECRET).post("/api/connectors/" + C + "/runs");
        assertThat(started.status()).isEqualTo(202);
        assertThat(ferry.awaitEnded(started.json().get("id").asLong()).status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(api().as("ops-anna", OPERATOR_SECRET).post("/api/connectors/" + C + "/disable").json()
                .get("changedBy").asText()).isEqualTo("ops-anna");
    }
}
