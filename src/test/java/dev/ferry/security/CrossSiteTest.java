package dev.ferry.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class CrossSiteTest {

    private static final String SELF = "http://127.0.0.1:8080";
    private final CrossSite rules = new CrossSite(Set.of("http://127.0.0.1:8090"), Set.of("ferry.internal"));

    @Test
    void aStateChangeFromNoPageOrTheServersOwnOriginOrAnAllowedOnePasses() {
        assertThat(rules.crossSite(SELF, null, null, null)).isEmpty();
        assertThat(rules.crossSite(SELF, "http://127.0.0.1:8080", null, "same-origin")).isEmpty();
        assertThat(rules.crossSite(SELF, null, "http://127.0.0.1:8080/console/runs?x=1", null)).isEmpty();
        assertThat(rules.crossSite(SELF, "http://127.0.0.1:8090", null, "same-site")).as("the allowed Hawtio").isEmpty();
        assertThat(rules.crossSite("https://ferry.example:443", "https://ferry.example", null, null)).isEmpty();
    }

    @Test
    void aStateChangeFromAnotherPageIsRefused() {
        assertThat(rules.crossSite(SELF, "http://evil.example", null, null)).hasValueSatisfying(why ->
                assertThat(why).contains("a page of http://evil.example may not change anything here")
                        .contains("ferry.security.allowed-origins"));
        assertThat(rules.crossSite(SELF, null, "http://evil.example/page.html", null)).isPresent();
        assertThat(rules.crossSite(SELF, "null", null, null)).as("a sandboxed page or a file").isPresent();
        assertThat(rules.crossSite(SELF, "http://localhost:8080", null, null)).as("another origin of this machine").isPresent();
        assertThat(rules.crossSite(SELF, null, null, "cross-site")).as("whatever Origin says").isPresent();
        assertThat(rules.crossSite(SELF, "http://127.0.0.1:8080", null, "cross-site")).isPresent();
    }

    @Test
    void onlyJsonBodiesAreTakenAndOnlyMethodsThatChangeStateAreChecked() {
        assertThat(CrossSite.notJson(false, null)).isEmpty();
        assertThat(CrossSite.notJson(true, "application/json")).isEmpty();
        assertThat(CrossSite.notJson(true, "application/json; charset=utf-8")).isEmpty();
        assertThat(CrossSite.notJson(true, "text/json")).as("Hawtio's Jolokia client").isEmpty();
        assertThat(CrossSite.notJson(true, "application/merge-patch+json")).isEmpty();
        for (String simple : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
            assertThat(CrossSite.notJson(true, simple)).as(simple).isPresent();
        }
        assertThat(CrossSite.notJson(true, null)).isPresent();
        for (Map.Entry<String, Boolean> m : Map.of("GET", false, "HEAD", false, "OPTIONS", false, "POST", true, "PUT", true,
                "DELETE", true, "PATCH", true).entrySet()) {
            assertThat(CrossSite.changesState(m.getKey())).as(m.getKey()).isEqualTo(m.getValue());
        }
    }

    @Test
    void withoutAuthenticationOnlyLoopbackNamesOrAllowedHostsAreAnswered() {
        for (String host : new String[] {"127.0.0.1", "localhost", "LOCALHOST", "[::1]", "::1", "127.0.0.2", "ferry.internal"}) {
            assertThat(rules.foreignHost(host)).as(host).isEmpty();
        }
        for (String host : new String[] {"rebound.example", "localhost.evil.example", "10.0.0.1", "", null}) {
            assertThat(rules.foreignHost(host)).as(String.valueOf(host)).isPresent();
        }
    }
}
