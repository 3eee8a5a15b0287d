package dev.ferry.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;

/**
 * Target authentication as docs/connectors.md shows it — camel-http's own options on the target endpoint, the secret
 * given as a property (as the environment or the secrets file gives it) — against a target that refuses anything
 * else with 401: Basic, a static bearer token (a header the route sets), and OAuth2 client credentials with the
 * token fetched from a token endpoint once and reused.
 */
class TargetAuthenticationTest {

    private static final String C = "customers-to-erp";
    private static final String PATH = "/erp/customers";
    private static final String FILTER = "              headerFilterStrategy: \"#ferryTargetHeaders\"\n";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    /** Adds these parameters to the connector's target endpoint. */
    private void authenticate(String parameters, Map<String, String> secrets, String challenge) throws Exception {
        Path routes = fixture.copyRoutes();
        Path file = routes.resolve(C + ".camel.yaml");
        String route = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(route).contains(FILTER);
        Files.writeString(file, route.replace(FILTER, FILTER + parameters), StandardCharsets.UTF_8);
        fixture.properties().putAll(secrets);
        // anything without the expected credentials is refused
        fixture.target().server().stubFor(any(urlPathMatching(PATH + "(/.*)?")).atPriority(5)
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", challenge + " realm=\"erp\"")));
    }

    private void acceptOnly(String authorization) {
        fixture.target().server().stubFor(any(urlPathMatching(PATH + "(/.*)?")).atPriority(1)
                .withHeader("Authorization", equalTo(authorization)).willReturn(aResponse().withStatus(200)));
    }

    private void assertEveryRecordDeliveredWith(String authorization) throws Exception {
        Run run = fixture.start().runAndAwait(C);
        assertThat(run.status()).as("%s", fixture.ferry().failures().ofRun(run.id(), 0, 3)).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.delivered()).isEqualTo(60);
        // posts, and the deletes of customers deleted in billing
        assertThat(fixture.target().server().findAll(anyRequestedFor(urlPathMatching(PATH + "(/.*)?"))
                .withHeader("Authorization", equalTo(authorization)))).hasSize(60);
    }

    @Test
    void basic() throws Exception {
        authenticate("""
                              authMethod: Basic
                              authenticationPreemptive: true
                              authUsername: "{{customers-to-erp.target.username}}"
                              authPassword: "{{customers-to-erp.target.password}}"
                """, Map.of("customers-to-erp.target.username", "ferry", "customers-to-erp.target.password", "s3cr3t:pw"), "Basic");
        String basic = "Basic " + Base64.getEncoder().encodeToString("ferry:s3cr3t:pw".getBytes(StandardCharsets.UTF_8));
        acceptOnly(basic);
        assertEveryRecordDeliveredWith(basic);
    }

    /**
     * camel-http takes a bearer token as an option of its component only, not of one endpoint: a connector sets the
     * header itself, and the target header filter lets a header the route sets through.
     */
    @Test
    void aStaticBearerToken() throws Exception {
        authenticate("", Map.of("customers-to-erp.target.token", "tok-0123456789"), "Bearer");
        Path file = fixture.data().resolve("routes").resolve(C + ".camel.yaml");
        String target = "        - to:\n            uri: \"{{customers-to-erp.target.url}}\"\n";
        String route = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(route).contains(target);
        Files.writeString(file, route.replace(target, """
                        - setHeader:
                            name: Authorization
                            simple: "Bearer {{customers-to-erp.target.token}}"
                """ + target), StandardCharsets.UTF_8);
        acceptOnly("Bearer tok-0123456789");
        assertEveryRecordDeliveredWith("Bearer tok-0123456789");
    }

    @Test
    void oauth2ClientCredentials() throws Exception {
        authenticate("""
                              oauth2ClientId: ferry-erp
                              oauth2ClientSecret: "{{customers-to-erp.target.client-secret}}"
                              oauth2TokenEndpoint: "{{customers-to-erp.target.token-endpoint}}"
                              oauth2Scope: erp.write
                              oauth2CacheTokens: true
                """, Map.of("customers-to-erp.target.client-secret", "cl13nt-s3cr3t",
                "customers-to-erp.target.token-endpoint", fixture.target().url("/oauth/token")), "Bearer");
        fixture.target().server().stubFor(post(urlPathEqualTo("/oauth/token")).atPriority(1)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"access_token\":\"issued-abc\",\"token_type\":\"Bearer\",\"expires_in\":3600}")));
        acceptOnly("Bearer issued-abc");

        assertEveryRecordDeliveredWith("Bearer issued-abc");
        var tokenRequests = fixture.target().server().findAll(postRequestedFor(urlPathEqualTo("/oauth/token")));
        assertThat(tokenRequests).isNotEmpty().hasSizeLessThan(60);
        assertThat(tokenRequests.get(0).getBodyAsString()).contains("grant_type=client_credentials");
    }
}
