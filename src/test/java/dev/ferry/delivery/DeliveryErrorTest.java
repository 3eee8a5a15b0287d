package dev.ferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.util.Map;

import org.apache.camel.http.base.HttpOperationFailedException;
import org.junit.jupiter.api.Test;

class DeliveryErrorTest {

    @Test
    void anHttpFailureKeepsTheStatusAndAnExcerptOfTheBodyWithoutCredentials() {
        String body = "{\"error\":\n  \"" + "x".repeat(800) + "\"}";
        DeliveryError error = DeliveryError.of(new HttpOperationFailedException(
                "https://erp-user:s3cret@erp.example/api/customers", 503, "Service Unavailable", null, Map.of(), body));

        assertThat(error.httpStatus()).isEqualTo(503);
        assertThat(error.text()).startsWith("HTTP 503 from https://erp.example/api/customers: {\"error\": \"xxx")
                .doesNotContain("s3cret").doesNotContain("\n").endsWith("…");
        assertThat(error.text().length()).isLessThan(600);
    }

    @Test
    void anHtmlAnswerIsKeptAsItsTextAndAUrlLosesItsQuery() {
        String page = "<!DOCTYPE html><html><head><style>h1{color:red}</style><script>alert(document.cookie)</script></head>"
                + "<body><h1>502 Bad Gateway</h1><!-- upstream erp-7 --><img src=x onerror=alert(1)><p>nginx</p></body></html>";
        DeliveryError error = DeliveryError.of(new HttpOperationFailedException("https://erp.example/api?apiKey=K3y-91",
                502, "Bad Gateway", null, Map.of("Content-Type", "text/html; charset=utf-8"), page));

        assertThat(error.text()).isEqualTo("HTTP 502 from https://erp.example/api: 502 Bad Gateway nginx");
        // without a Content-Type, by how the page begins
        assertThat(DeliveryError.of(new HttpOperationFailedException("https://erp.example/api", 502, "Bad Gateway", null,
                Map.of(), page)).text()).doesNotContain("<").doesNotContain("alert");
        // JSON or XML stays as the target wrote it
        assertThat(DeliveryError.of(new HttpOperationFailedException("https://erp.example/api", 422, "Unprocessable", null,
                Map.of("Content-Type", "application/xml"), "<error>VAT</error>")).text()).endsWith(": <error>VAT</error>");
    }

    @Test
    void otherFailuresNameTheExceptionAndItsRootCause() {
        DeliveryError error = DeliveryError.of(new IllegalStateException("cannot post",
                new ConnectException("Connection refused")));

        assertThat(error.httpStatus()).isNull();
        assertThat(error.text()).isEqualTo("IllegalStateException: cannot post (caused by ConnectException: Connection refused)");
    }
}
