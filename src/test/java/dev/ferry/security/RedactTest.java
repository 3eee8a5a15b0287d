package dev.ferry.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactTest {

    @Test
    void urlsLoseUserInfoQueryAndFragmentWhereverTheyAreInAText() {
        assertThat(Redact.urls("the broker at tcp://broker:61616?sslEnabled=true&trustStorePassword=S3cret is unreachable"))
                .isEqualTo("the broker at tcp://broker:61616 is unreachable");
        assertThat(Redact.urls("HTTP 503 from https://erp-user:S3cret@erp.example/api/customers?apiKey=K3y#frag down"))
                .isEqualTo("HTTP 503 from https://erp.example/api/customers down");
        assertThat(Redact.urls("jdbc:postgresql://db:5432/ferry?user=ferry&password=S3cret failed"))
                .isEqualTo("jdbc:postgresql://db:5432/ferry failed");
        assertThat(Redact.urls("\"http://a.example/x?y=1\", 'http://b.example/?z'")).isEqualTo("\"http://a.example/x\", 'http://b.example/'");
        assertThat(Redact.urls("no URL here: a?b=c")).isEqualTo("no URL here: a?b=c");
        assertThat(Redact.urls(null)).isNull();
    }
}
