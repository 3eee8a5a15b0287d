package dev.ferry.fault;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.security.Passwords;
import dev.ferry.support.Api;
import dev.ferry.support.FerryProcess;
import dev.ferry.support.RawHttp;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;
import dev.ferry.support.TestProfile;

/**
 * No credential appears in a log line or an API answer. Ferry runs in a process of its own with secrets
 * everywhere an operator puts them — a secrets file with the state database's password, API users inline,
 * the target's Basic credentials in its endpoint URI — and goes through what makes software print its configuration: start-up,
 * failed logins, failing deliveries with retries, a failed run, the API's and the management server's answers.
 * Then the log and every answer are searched for each secret.
 */
@Tag("fault")
class SecretsTest {

    private static final String STATE_PASSWORD = "St4te-Pw-7f3a9c";
    private static final String OPERATOR_PASSWORD = "Op-Pw-2b8e41d";
    private static final String TARGET_PASSWORD = "T4rget-Pw-91c0";
    private static final String API_KEY = "Api-K3y-55d0e";
    private static final String URL_PASSWORD = "Url-Pw-0c7a2f";
    private static final String FORGED = "FAKE-LOG-LINE Run 99 customers-to-erp COMPLETED";

    @TempDir
    Path data;
    private Target target;
    private FerryProcess ferry;

    @AfterEach
    void stop() throws Exception {
        if (ferry != null) {
            ferry.close();
        }
        if (target != null) {
            target.close();
        }
    }

    @Test
    void noSecretIsLoggedOrAnswered() throws Exception {
        target = new Target();
        Map<String, String> settings = RunningFerry.testProperties(data.resolve("ferry"), target);
        // every secret in the secrets file, as an operator keeps them: not on the command line, not in the environment
        Path secrets = data.resolve("secrets.properties");
        Files.writeString(secrets, String.join("\n",
                "ferry.security.users = anna:" + Passwords.hash(OPERATOR_PASSWORD) + ":operator",
                // the back office's Basic credentials, as camel-http takes them (endpoint options, not sent as a query)
                "customers-to-erp.target.url = " + target.url("/erp/customers")
                        + "?apiKey=" + API_KEY + "&authMethod=Basic&authUsername=erp-user&authPassword=" + TARGET_PASSWORD,
                // credentials as the URL's user info: HTTP clients refuse them, and the error names the URL
                "invoices-to-erp.target.url = " + target.url("/erp/invoices").replace("http://", "http://erp-user:"
                        + URL_PASSWORD + "@"),
                // the embedded state database, created with a password (prod: the broker's, which has no security)
                (TestProfile.prod() ? "ferry.broker.password = " : "ferry.state.password = ") + STATE_PASSWORD, ""));
        settings.remove("customers-to-erp.target.url");
        settings.remove("invoices-to-erp.target.url");
        ferry = FerryProcess.start("ferry", TestProfile.effective(null), settings, data, "--secrets", secrets.toString());

        List<String> answers = new ArrayList<>();
        Api anna = ferry.api().as("anna", OPERATOR_PASSWORD);
        // failed logins, with and near the real password
        answers.add(ferry.api().as("anna", OPERATOR_PASSWORD + "x").get("/api/connectors").text());
        answers.add(ferry.api().as("anna-typo", OPERATOR_PASSWORD).get("/api/connectors").text());
        answers.add(ferry.api().get("/api/connectors").text());
        // a run whose deliveries fail with retries, then are ledgered: their errors name the target URL
        target.server().stubFor(any(urlPathMatching("/erp/.*")).atPriority(1)
                .willReturn(aResponse().withStatus(503).withBody("down for maintenance")));
        Api.Answer started = anna.post("/api/connectors/customers-to-erp/runs");
        assertThat(started.status()).as(started.text()).isEqualTo(202);
        long run = started.json().get("id").asLong();
        await().atMost(Duration.ofSeconds(60)).until(() -> anna.get("/api/runs/" + run).json().at("/run/status").asText(),
                s -> s.equals("INCOMPLETE") || s.equals("COMPLETED") || s.equals("FAILED"));
        answers.add(anna.get("/api/runs/" + run).text());
        answers.add(anna.get("/api/connectors").text());
        answers.add(anna.get("/api/connectors/customers-to-erp").text());
        answers.add(anna.get("/api/connectors/customers-to-erp/failures").text());
        Api.Answer invoices = anna.post("/api/connectors/invoices-to-erp/runs");
        await().atMost(Duration.ofSeconds(60)).until(() -> anna.get("/api/runs/" + invoices.json().get("id").asLong()).json()
                .at("/run/status").asText(), s -> s.equals("INCOMPLETE") || s.equals("COMPLETED") || s.equals("FAILED"));
        answers.add(anna.get("/api/connectors/invoices-to-erp/failures").text());
        answers.add(anna.get("/api/runs?limit=50").text());
        // values from outside that may reach the log (a position here, a user name below) never start a line of their own
        answers.add(anna.put("/api/connectors/customers-to-erp/position", "{\"position\": \"1\\r\\n" + FORGED + "\"}").text());
        // the management server: health with details, info, metrics, and what Jolokia shows of Camel
        Api management = ferry.management().as("anna", OPERATOR_PASSWORD);
        answers.add(management.get("/observe/health?data=true&exposureLevel=full").text());
        answers.add(management.get("/observe/info").text());
        answers.add(management.get("/observe/metrics").text());
        answers.add(management.post("/observe/jolokia", "{\"type\":\"read\",\"mbean\":\"org.apache.camel:context=ferry,type=context,name=\\\"ferry\\\"\"}").text());
        answers.add(management.post("/observe/jolokia", "{\"type\":\"read\",\"mbean\":\"org.apache.camel:context=ferry,type=endpoints,name=*\"}").text());
        // the JVM's command line and system properties, where -D settings show, are not Jolokia's to read
        Api.Answer arguments = management.post("/observe/jolokia",
                "{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"InputArguments\"}");
        assertThat(arguments.json().path("status").asInt()).as(arguments.text()).isEqualTo(403);
        // failed logins of a name with a line break, from an address of their own, until the throttle logs the name
        int port = Integer.parseInt(ferry.api().origin().substring(ferry.api().origin().lastIndexOf(':') + 1));
        String forgedName = Base64.getEncoder().encodeToString(("anna\r\n" + FORGED + ":x").getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 10; i++) {
            answers.add(RawHttp.send("127.0.0.2", port, "GET", "/api/connectors", Map.of("Authorization", "Basic " + forgedName),
                    null).body());
        }
        ferry.close();
        String log = ferry.log();

        assertThat(log).as("the log saw the failing deliveries").contains("503");
        // the start-up log names the address the servers are bound to
        assertThat(log).contains("the HTTP server (operations API) listening on " + ferry.api().origin())
                .contains("the management HTTP server listening on " + ferry.management().origin())
                .doesNotContain("http://0.0.0.0:");
        assertThat(log).as("the throttle logged the name").contains("user anna\\u000d\\u000a" + FORGED);
        assertThat(log.lines()).as("a forged line").noneMatch(line -> line.startsWith("FAKE-LOG-LINE"));
        for (String secret : List.of(STATE_PASSWORD, OPERATOR_PASSWORD, TARGET_PASSWORD, API_KEY, URL_PASSWORD)) {
            assertThat(log).as("the log").doesNotContain(secret);
            for (String answer : answers) {
                assertThat(answer).as("an answer").doesNotContain(secret);
            }
        }
        System.out.printf("SecretsTest: %d log lines and %d answers searched for 5 secrets, none found%n",
                log.lines().count(), answers.size());
    }
}
