package dev.ferry.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.RunStatus;
import dev.ferry.support.Api;
import dev.ferry.support.Causes;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Tokens;

/**
 * Bearer tokens (issue 16, findings 2 and 6): a keystore from which no key loads stops start-up; a token must be
 * signed with the algorithm of a loaded key, expire, and name its caller in {@code sub}; iss and aud are checked
 * when configured; the caller's name, never a control character in it, is what the audit records.
 */
class BearerTokenTest {

    private static final String C = "customers-to-erp";
    private static final String KEYSTORE_PASSWORD = "keystore-Secret-1";
    private static final String ISSUER = "https://sso.example";
    private static final String CONNECTOR_MBEAN = "org.apache.camel:context=ferry,type=ferry-connectors,name=\\\"" + C + "\\\"";

    private final Tokens tokens = new Tokens("a-32-byte-long-hmac-key-for-test");

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private void keystore(String alias) throws Exception {
        Path keystore = tokens.keystore(fixture.data().resolve("jwt.p12"), alias, KEYSTORE_PASSWORD);
        fixture.properties().put("ferry.security.jwt.keystore-type", "PKCS12");
        fixture.properties().put("ferry.security.jwt.keystore-path", keystore.toString());
        fixture.properties().put("ferry.security.jwt.keystore-password", KEYSTORE_PASSWORD);
    }

    @Test
    void aKeystoreWithNoKeyUnderAnAlgorithmsNameStopsStartUp() throws Exception {
        // the review's keystore: the key is there, under a name Vert.x does not look for, so it would verify nothing
        keystore("ferry-jwt");

        Throwable refused = catchThrowable(fixture::start);

        assertThat(Causes.messages(refused)).anySatisfy(m -> assertThat(m)
                .contains("ferry.security.jwt.keystore-path: no key in ")
                .contains("Store each key under the name of its algorithm: HS256")
                .contains("Aliases found: ferry-jwt")
                .doesNotContain(KEYSTORE_PASSWORD));
    }

    @Test
    void onlySignedExpiringTokensOfTheConfiguredIssuerAndAudienceAuthenticateAndSubNamesTheCaller() throws Exception {
        keystore("HS256");
        fixture.properties().put("ferry.security.jwt.issuer", ISSUER);
        fixture.properties().put("ferry.security.jwt.audience", "ferry,ferry-staging");
        // every refused token counts as a failed login of this address: PasswordLoginTest shows the throttle
        fixture.properties().put("ferry.security.login.max-failures", "1000");
        RunningFerry ferry = fixture.start();
        Api api = Api.at(Integer.parseInt(fixture.properties().get("camel.server.port")));
        Api management = Api.at(Integer.parseInt(fixture.properties().get("camel.management.port")));
        long exp = Instant.now().plusSeconds(600).getEpochSecond();
        String operator = claims("ci-deployer", "[\"operator\"]", exp, ISSUER, "\"ferry\"", "");
        String reader = claims("ci-dashboard", "[\"reader\"]", exp, ISSUER, "[\"other\",\"ferry-staging\"]", "");

        // the review's forgery: alg none, operator, no signature
        Api.Answer none = api.bearer(Tokens.unsigned(operator)).post("/api/connectors/" + C + "/disable");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().path("message").asText()).isEqualTo("the bearer token is signed with none; Ferry accepts HS256");
        assertThat(none.response().headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"ferry\"");

        List<String> refusedTokens = new ArrayList<>();
        String signed = tokens.hs256(operator);
        refusedTokens.add(signed.substring(0, signed.length() - 4) + (signed.endsWith("AAAA") ? "BBBB" : "AAAA"));
        refusedTokens.add(tokens.signed("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", operator));
        refusedTokens.add(tokens.hs256(claims("ci-deployer", "[\"operator\"]", null, ISSUER, "\"ferry\"", "")));
        refusedTokens.add(tokens.hs256(claims("ci-deployer", "[\"operator\"]", Instant.now().minusSeconds(120).getEpochSecond(),
                ISSUER, "\"ferry\"", "")));
        refusedTokens.add(tokens.hs256(claims("ci-deployer", "[\"operator\"]", exp, ISSUER, "\"someone-else\"", "")));
        refusedTokens.add(tokens.hs256(claims("ci-deployer", "[\"operator\"]", exp, "https://evil.example", "\"ferry\"", "")));
        refusedTokens.add(tokens.hs256(claims("anna\\r\\nFAKE LOG LINE", "[\"operator\"]", exp, ISSUER, "\"ferry\"", "")));
        refusedTokens.add(tokens.hs256(claims(null, "[\"operator\"]", exp, ISSUER, "\"ferry\"", ",\"username\":\"anna\"")));
        List<String> why = new ArrayList<>();
        for (String token : refusedTokens) {
            Api.Answer answer = api.bearer(token).post("/api/connectors/" + C + "/disable");
            assertThat(answer.status()).as(answer.text()).isEqualTo(401);
            why.add(answer.json().path("message").asText());
            assertThat(management.bearer(token).post("/observe/jolokia", disable()).status()).isEqualTo(401);
        }
        assertThat(why).containsExactly(
                "the bearer token's signature, expiry, issuer or audience did not verify",
                "the bearer token is signed with HS512; Ferry accepts HS256",
                "the bearer token has no expiry (exp); Ferry accepts only tokens that expire",
                "the bearer token's signature, expiry, issuer or audience did not verify",
                "the bearer token's signature, expiry, issuer or audience did not verify",
                "the bearer token's signature, expiry, issuer or audience did not verify",
                "the bearer token's subject contains control characters (anna\\u000d\\u000aFAKE LOG LINE)",
                "the bearer token has no subject (sub) to name its caller");
        assertThat(ferry.schedules().states().get(C).enabled()).isTrue();
        assertThat(ferry.runsOf(C)).isEmpty();

        // a reader reads, an operator acts; the audit names the token's subject, whatever else it claims
        assertThat(api.bearer(tokens.hs256(reader)).get("/api/connectors").status()).isEqualTo(200);
        assertThat(api.bearer(tokens.hs256(reader)).post("/api/connectors/" + C + "/runs").status()).isEqualTo(403);
        String claimsToBeAdmin = claims("ci-deployer", "[\"operator\"]", exp, ISSUER, "\"ferry\"", ",\"username\":\"admin\"");
        Api.Answer started = api.bearer(tokens.hs256(claimsToBeAdmin)).post("/api/connectors/" + C + "/runs");
        assertThat(started.status()).as(started.text()).isEqualTo(202);
        assertThat(ferry.awaitEnded(started.json().get("id").asLong()).status()).isEqualTo(RunStatus.COMPLETED);
        Api.Answer disabled = api.bearer(tokens.hs256(claimsToBeAdmin)).post("/api/connectors/" + C + "/disable");
        assertThat(disabled.json().path("changedBy").asText()).isEqualTo("ci-deployer");

        // over Jolokia too: the connector MBean's action is audited with the token's subject, not as "jmx"
        assertThat(api.bearer(tokens.hs256(operator)).post("/api/connectors/" + C + "/enable").status()).isEqualTo(200);
        Api.Answer viaJolokia = management.bearer(tokens.hs256(claims("hawtio-anna", "[\"operator\"]", exp, ISSUER,
                "\"ferry\"", ""))).post("/observe/jolokia", disable());
        assertThat(viaJolokia.json().path("status").asInt()).as(viaJolokia.text()).isEqualTo(200);
        assertThat(ferry.schedules().states().get(C).changedBy()).isEqualTo("hawtio-anna");
        assertThat(management.bearer(tokens.hs256(reader)).post("/observe/jolokia", disable()).status()).isEqualTo(403);
    }

    private static String disable() {
        return "{\"type\":\"exec\",\"mbean\":\"" + CONNECTOR_MBEAN + "\",\"operation\":\"disable()\"}";
    }

    private static String claims(String sub, String roles, Long exp, String iss, String aud, String more) {
        return "{" + (sub == null ? "" : "\"sub\":\"" + sub + "\",") + "\"roles\":" + roles
                + (exp == null ? "" : ",\"exp\":" + exp) + ",\"iat\":" + Instant.now().minusSeconds(5).getEpochSecond()
                + ",\"iss\":\"" + iss + "\",\"aud\":" + aud + more + "}";
    }
}
