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
        assertThat(error.text()).startsWith("HTTP 503 from https://***@erp.example/api/customers: {\"error\": \"xxx")
                .doesNotContain("s3cret").doesNotContain("\n").endsWith("…");
        assertThat(error.text().length()).isLessThan(600);
    }

    @Test
    void otherFailuresNameTheExceptionAndItsRootCause() {
        DeliveryError error = DeliveryError.of(new IllegalStateException("cannot post",
                new ConnectException("Connection refused")));

        assertThat(error.httpStatus()).isNull();
        assertThat(error.text()).isEqualTo("IllegalStateException: cannot post (caused by ConnectException: Connection refused)");
    }
}
