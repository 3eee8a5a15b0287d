package dev.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;

import javax.crypto.spec.SecretKeySpec;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.KeyStoreOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.RunStatus;
import dev.ferry.support.Api;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;

/** Beyond loopback only with authentication; roles decide who may act (acceptance 8). */
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

        assertThat(messages(refused)).anySatisfy(m -> assertThat(m)
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

        assertThat(messages(refused)).anySatisfy(m -> assertThat(m)
                .contains("the management HTTP server would listen on 0.0.0.0 (camel.management.host)"));
    }

    @Test
    void withBasicUsersEveryCallAuthenticatesAndAReaderMayNotRunAConnector() throws Exception {
        Path users = fixture.data().resolve("users.properties");
        Files.writeString(users, "# API users\nuser.auditor = " + Access.hash(READER_SECRET) + ", reader\n",
                StandardCharsets.UTF_8);
        fixture.properties().put("camel.server.host", "0.0.0.0");
        fixture.properties().put("ferry.security.users-file", users.toString());
        fixture.properties().put("ferry.security.users", "ops-anna:" + OPERATOR_SECRET + ":operator");
        RunningFerry ferry = fixture.start();

        assertThat(api().get("/api/connectors").status()).isEqualTo(401);
        assertThat(api().get("/api/connectors").response().headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                h -> assertThat(h).startsWith("Basic realm=\"ferry\""));
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

        Api.Answer started = api().as("ops-anna", OPERATOR_SECRET).post("/api/connectors/" + C + "/runs");
        assertThat(started.status()).isEqualTo(202);
        assertThat(ferry.awaitEnded(started.json().get("id").asLong()).status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(api().as("ops-anna", OPERATOR_SECRET).post("/api/connectors/" + C + "/disable").json()
                .get("changedBy").asText()).isEqualTo("ops-anna");
    }

    @Test
    void bearerTokensSignedWithTheConfiguredKeysAuthenticateWithTheirRoles() throws Exception {
        Path keystore = fixture.data().resolve("jwt.p12");
        String password = "keystore-Secret-1";
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setEntry("HS256", new KeyStore.SecretKeyEntry(new SecretKeySpec(
                "a-32-byte-long-hmac-key-for-test".getBytes(StandardCharsets.UTF_8), "HmacSHA256")),
                new KeyStore.PasswordProtection(password.toCharArray()));
        try (var out = Files.newOutputStream(keystore)) {
            keys.store(out, password.toCharArray());
        }
        fixture.properties().put("camel.server.host", "0.0.0.0");
        fixture.properties().put("ferry.security.jwt.keystore-type", "PKCS12");
        fixture.properties().put("ferry.security.jwt.keystore-path", keystore.toString());
        fixture.properties().put("ferry.security.jwt.keystore-password", password);
        fixture.start();

        Vertx vertx = Vertx.vertx();
        try {
            JWTAuth issuer = JWTAuth.create(vertx, new JWTAuthOptions().setKeyStore(new KeyStoreOptions()
                    .setType("PKCS12").setPath(keystore.toString()).setPassword(password)));
            String reader = issuer.generateToken(new JsonObject().put("sub", "ci-dashboard")
                    .put("roles", new JsonArray().add("reader")), new JWTOptions().setAlgorithm("HS256"));
            String operator = issuer.generateToken(new JsonObject().put("sub", "ci-deployer")
                    .put("roles", new JsonArray().add("operator")), new JWTOptions().setAlgorithm("HS256"));

            assertThat(bearer(reader, "GET", "/api/connectors").status()).isEqualTo(200);
            assertThat(bearer(reader, "POST", "/api/connectors/" + C + "/runs").status()).isEqualTo(403);
            assertThat(bearer(operator, "POST", "/api/connectors/" + C + "/runs").status()).isEqualTo(202);
            assertThat(bearer(reader.substring(0, reader.length() - 4) + "AAAA", "GET", "/api/connectors").status())
                    .isEqualTo(401);
            assertThat(api().get("/api/connectors").status()).isEqualTo(401);
        } finally {
            vertx.close();
        }
    }

    private Api.Answer bearer(String token, String method, String path) throws Exception {
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                        + fixture.properties().get("camel.server.port") + path))
                .method(method, java.net.http.HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + token).build();
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient()
                .send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        return new Api.Answer(response.statusCode(), response, null);
    }

    private static List<String> messages(Throwable e) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.add(String.valueOf(t.getMessage()));
        }
        return messages;
    }
}
