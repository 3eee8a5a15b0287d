package dev.ferry.fault;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.github.tomakehurst.wiremock.WireMockServer;

import dev.ferry.runs.Failure;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.LogCapture;
import dev.ferry.support.RunningFerry;

/**
 * TLS to the target is verified: a target with a certificate no one vouches for (WireMock's self-signed one,
 * issued to another name) gets nothing, and every record is in the ledger with the reason. Told explicitly not
 * to verify, Ferry delivers — and says, when the endpoint is created and when it accepts the certificate,
 * that it does not verify.
 */
@Tag("fault")
class TargetTlsTest {

    private static final String C = "customers-to-erp";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private WireMockServer https;

    @BeforeEach
    void startHttpsTarget() {
        https = new WireMockServer(options().bindAddress("127.0.0.1").port(RunningFerry.freePort())
                .httpsPort(RunningFerry.freePort()));
        https.start();
        https.stubFor(any(urlPathMatching("/erp/.*")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"ok\":true}")));
    }

    @AfterEach
    void stopHttpsTarget() {
        https.stop();
    }

    private String url() {
        return "https://127.0.0.1:" + https.httpsPort() + "/erp/customers";
    }

    @Test
    void aCertificateNoOneVouchesForIsRefusedAndEveryRecordIsLedgeredWithTheReason() throws Exception {
        fixture.properties().put("customers-to-erp.target.url", url());
        RunningFerry ferry = fixture.start();

        Run run = ferry.runAndAwait(C);

        assertThat(run.status()).isEqualTo(RunStatus.INCOMPLETE);
        assertThat(run.failed()).isEqualTo(60);
        assertThat(https.getAllServeEvents()).isEmpty();
        assertThat(ferry.failures().list(C, Failure.Status.OPEN)).hasSize(60).allSatisfy(f ->
                assertThat(f.lastError()).containsAnyOf("PKIX path building failed", "unable to find valid certification path",
                        "certificate"));
    }

    @Test
    void toldNotToVerifyItDeliversAndSaysSoAtCreationAndAtTheFirstCertificate() throws Exception {
        fixture.properties().put("customers-to-erp.target.url", url()
                + "?sslContextParameters=#ferryTrustAnyCertificate&x509HostnameVerifier=#ferryAnyHostname");
        try (LogCapture log = new LogCapture()) {
            RunningFerry ferry = fixture.start();
            assertThat(log.lines()).anySatisfy(line -> assertThat(line)
                    .contains("TLS to https://127.0.0.1:" + https.httpsPort() + "/erp/customers is not verified")
                    .contains("neither the certificate nor the host name").doesNotContain("sslContextParameters="));

            Run run = ferry.runAndAwait(C);

            assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(run.delivered()).isEqualTo(60);
            assertThat(log.lines()).anySatisfy(line -> assertThat(line)
                    .contains("TLS: accepted the target's certificate").contains("without verifying it"));
            assertThat(log.lines()).anySatisfy(line -> assertThat(line)
                    .contains("was not checked against its host name 127.0.0.1"));
        }
    }
}
