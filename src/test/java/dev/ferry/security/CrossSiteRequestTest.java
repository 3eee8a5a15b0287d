package dev.ferry.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.RunStatus;
import dev.ferry.support.Api;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RawHttp;
import dev.ferry.support.RunningFerry;

/**
 * Browsers are hostile callers (issue 16, finding 5 and "answers"): on the default profile — no users, every local
 * caller an operator — the review's requests from another site, and through a DNS name rebound to this machine, are
 * refused on both servers and change nothing; curl, same-origin pages and Hawtio's proxy keep working; every answer
 * carries the headers that keep it from being rendered, cached or framed, and every error is the API's JSON.
 */
class CrossSiteRequestTest {

    private static final String C = "customers-to-erp";
    private static final String CONNECTOR_MBEAN = "org.apache.camel:context=ferry,type=ferry-connectors,name=\\\"" + C + "\\\"";
    private static final String DISABLE = "{\"type\":\"exec\",\"mbean\":\"" + CONNECTOR_MBEAN + "\",\"operation\":\"disable()\"}";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    @Test
    void theReviewsCrossSiteAndReboundRequestsAreRefusedOnBothServersAndChangeNothing() throws Exception {
        fixture.properties().put("ferry.security.allowed-hosts", "ferry.test");
        // the Hawtio whose proxy calls Jolokia below (the default profile allows the development one by itself; prod none)
        fixture.properties().put("ferry.security.allowed-origins", "http://127.0.0.1:8090");
        RunningFerry ferry = fixture.start();
        int apiPort = Integer.parseInt(fixture.properties().get("camel.server.port"));
        int managementPort = Integer.parseInt(fixture.properties().get("camel.management.port"));
        Api api = Api.at(apiPort);
        Api management = Api.at(managementPort);
        String connector = "/api/connectors/" + C;

        // the review's three requests, as a page of evil.example and a rebound name would send them
        Api evil = api.header("Origin", "http://evil.example").header("Content-Type", "text/plain");
        assertRefused(evil.post(connector + "/disable").json(), 403, "a page of http://evil.example may not change anything");
        assertRefused(evil.post(connector + "/runs", "{\"mode\":\"SYNC\"}").json(), 403, "a page of http://evil.example");
        RawHttp.Answer rebound = RawHttp.send(null, apiPort, "POST", connector + "/enable",
                Map.of("Host", "rebound.example:" + apiPort), null);
        assertThat(rebound.status()).isEqualTo(403);
        assertThat(rebound.body()).contains("Host rebound.example is not this machine's loopback name");
        // and their neighbours: a Referer of another site, a browser saying cross-site, a form or text body from curl
        assertThat(api.header("Referer", "https://evil.example/page.html").post(connector + "/disable").status()).isEqualTo(403);
        assertThat(api.header("Sec-Fetch-Site", "cross-site").post(connector + "/disable").status()).isEqualTo(403);
        Api.Answer form = api.header("Content-Type", "application/x-www-form-urlencoded").put(connector + "/position",
                "position=now");
        assertRefused(form.json(), 415, "a request body must be JSON");
        assertThat(api.header("Origin", "http://evil.example").delete("/api/runs/1").status()).isEqualTo(403);
        assertThat(api.header("Origin", "http://evil.example").post("/api/housekeeping").status()).isEqualTo(403);
        // and every other action of the API, the ones added since the review included (activate): refused alike
        for (RestDefinition rest : ((ModelCamelContext) ferry.camel()).getRestDefinitions()) {
            for (VerbDefinition verb : rest.getVerbs()) {
                String method = verb.asVerb().toUpperCase(Locale.ROOT);
                if (verb.getId() == null || !verb.getId().startsWith("ferry-api-") || method.equals("GET")) {
                    continue;
                }
                String path = (rest.getPath() + verb.getPath()).replace("{connector}", C).replace("{run}", "1")
                        .replace("{key}", "1");
                assertThat(evil.send(method, path, "{}").status()).as("cross-site %s %s", method, path).isEqualTo(403);
                assertThat(RawHttp.send(null, apiPort, method, path, Map.of("Host", "rebound.example:" + apiPort), null)
                        .status()).as("rebound %s %s", method, path).isEqualTo(403);
            }
        }
        // the demo's endpoints the same, the payments of its other direction included
        for (String path : List.of("/demo/erp-api/payments", "/demo/billing/payments", "/demo/erp/customers")) {
            assertThat(evil.send("POST", path, "{}").status()).as("cross-site POST %s", path).isEqualTo(403);
            assertThat(RawHttp.send(null, apiPort, "POST", path, Map.of("Host", "rebound.example:" + apiPort), "{}")
                    .status()).as("rebound POST %s", path).isEqualTo(403);
        }
        // a rebound name may not even read
        assertThat(RawHttp.send(null, apiPort, "GET", connector, Map.of("Host", "rebound.example"), null).status())
                .isEqualTo(403);
        assertThat(RawHttp.send(null, managementPort, "GET", "/observe/health", Map.of("Host", "rebound.example"), null)
                .status()).isEqualTo(403);
        // the management server the same: Jolokia exec from another site, with a text/plain body
        assertThat(management.header("Origin", "http://evil.example").header("Content-Type", "text/plain")
                .post("/observe/jolokia", DISABLE).status()).isEqualTo(403);
        assertThat(management.header("Content-Type", "text/plain").post("/observe/jolokia", DISABLE).status()).isEqualTo(415);

        // nothing changed: the toggle, runs, the ledger, the position
        assertThat(ferry.schedules().states().get(C).enabled()).isTrue();
        assertThat(ferry.runsOf(C)).isEmpty();
        assertThat(api.get(connector + "/failures").json().path("total").asLong()).isZero();
        assertThat(api.get(connector + "/position-changes").json().size()).isZero();
        assertThat(ferry.watermark(C)).isNull();

        // what keeps working: curl (no page), a page of Ferry's own origin, an allowed Host, Hawtio through its proxy
        assertThat(api.post(connector + "/disable").status()).isEqualTo(200);
        assertThat(api.header("Origin", api.origin()).header("Sec-Fetch-Site", "same-origin").post(connector + "/enable")
                .status()).isEqualTo(200);
        assertThat(RawHttp.send(null, apiPort, "GET", connector, Map.of("Host", "ferry.test:" + apiPort), null).status())
                .isEqualTo(200);
        assertThat(RawHttp.send(null, apiPort, "GET", connector, Map.of("Host", "localhost:" + apiPort), null).status())
                .isEqualTo(200);
        // Hawtio's proxy forwards its page's Origin (allowed above), text/json and its Sec-Fetch-Site; the Host is Ferry's
        Api hawtio = management.header("Origin", "http://127.0.0.1:8090").header("Referer", "http://127.0.0.1:8090/hawtio/")
                .header("Sec-Fetch-Site", "same-origin").header("Content-Type", "text/json")
                .header("X-Forwarded-For", "127.0.0.1");
        Api.Answer viaHawtio = hawtio.post("/observe/jolokia", DISABLE);
        assertThat(viaHawtio.json().path("status").asInt()).as(viaHawtio.text()).isEqualTo(200);
        assertThat(ferry.schedules().states().get(C).enabled()).isFalse();
        assertThat(api.post(connector + "/enable").status()).isEqualTo(200);
        assertThat(ferry.runAndAwait(C).status()).isEqualTo(RunStatus.COMPLETED);

        // every answer — API, management, Jolokia, errors — is data, not a page
        for (Api.Answer answer : List.of(api.get(connector), api.get("/api/nothing-here"), evil.post(connector + "/disable"),
                management.get("/observe/health"), management.get("/observe/info"), management.get("/observe/metrics"),
                management.post("/observe/jolokia", "{\"type\":\"version\"}"))) {
            assertThat(answer.response().headers().firstValue("X-Content-Type-Options")).as(answer.response().uri().toString())
                    .hasValue("nosniff");
            assertThat(answer.response().headers().firstValue("Cache-Control")).hasValue("no-store");
            assertThat(answer.response().headers().firstValue("X-Frame-Options")).hasValue("DENY");
            assertThat(answer.response().headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                    csp -> assertThat(csp).contains("frame-ancestors 'none'"));
        }
        Api.Answer unknown = api.get("/api/nothing-here");
        assertRefused(unknown.json(), 404, "nothing here answers GET /api/nothing-here");
        assertThat(management.get("/q/dev").status()).as("Camel's developer console is not served").isEqualTo(404);
    }

    private static void assertRefused(com.fasterxml.jackson.databind.JsonNode body, int status, String message) {
        assertThat(body).as("a JSON error").isNotNull();
        assertThat(body.path("status").asInt()).isEqualTo(status);
        assertThat(body.path("message").asText()).contains(message);
    }
}
