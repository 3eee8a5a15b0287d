package dev.ferry.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.ferry.support.SettableClock;

class LoginThrottleTest {

    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-03T10:00:00Z"));
    private final LoginThrottle throttle = new LoginThrottle(clock, 3, Duration.ofMinutes(5));

    @Test
    void anAddressIsRefusedAfterTooManyFailuresUntilTheOldestLeavesTheWindow() {
        throttle.failed("10.0.0.1", "anna");
        clock.tick(Duration.ofMinutes(1));
        throttle.failed("10.0.0.1", "bob");
        assertThat(throttle.refusedFor("10.0.0.1", "carl")).isEmpty();
        assertThat(throttle.failed("10.0.0.1", "carl")).as("the third failure locks the address").contains("address 10.0.0.1");

        assertThat(throttle.refusedFor("10.0.0.1", "dora")).contains(Duration.ofMinutes(4));
        assertThat(throttle.refusedFor("10.0.0.2", "dora")).as("another address").isEmpty();
        clock.tick(Duration.ofMinutes(4));
        assertThat(throttle.refusedFor("10.0.0.1", "dora")).as("the first failure left the window").isEmpty();
    }

    @Test
    void aUserNameIsRefusedAfterTooManyFailuresFromAnyAddressAndASuccessForgivesIt() {
        throttle.failed("10.0.0.1", "anna");
        throttle.failed("10.0.0.2", "anna");
        assertThat(throttle.failed("10.0.0.3", "anna")).contains("user anna");

        assertThat(throttle.refusedFor("10.0.0.4", "anna")).contains(Duration.ofMinutes(5));
        assertThat(throttle.refusedFor("10.0.0.4", "bob")).isEmpty();
        throttle.succeeded("anna");
        assertThat(throttle.refusedFor("10.0.0.4", "anna")).isEmpty();
    }

    @Test
    void bearerTokensCountPerAddressOnly() {
        for (int i = 0; i < 3; i++) {
            throttle.failed("10.0.0.1", null);
        }
        assertThat(throttle.refusedFor("10.0.0.1", null)).isPresent();
        assertThat(throttle.refusedFor("10.0.0.9", null)).isEmpty();
    }
}
