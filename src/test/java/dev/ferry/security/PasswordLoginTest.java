package dev.ferry.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.support.Causes;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RawHttp;
import dev.ferry.support.SettableClock;

/**
 * Password logins (issue 16, finding 7): passwords in clear stop start-up; guessing is throttled per client
 * address and per user name — refused attempts cost no hashing — so that a flood of guesses from one address
 * neither finds a password nor keeps the others from logging in. Both servers share the throttle.
 */
class PasswordLoginTest {

    private static final String ANNA = "Anna-Secret-4711";
    private static final String BOB = "Bob-Secret-0815";

    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-03T10:00:00Z"));

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture().clock(clock);

    @Test
    void aPasswordInClearStopsStartUpNamingTheUserButNotThePassword() {
        fixture.properties().put("ferry.security.users", "anna:" + ANNA + ":operator");

        Throwable refused = catchThrowable(fixture::start);

        assertThat(Causes.messages(refused)).anySatisfy(m -> assertThat(m)
                .contains("ferry.security.users (entry 1): user 'anna' has a password in clear; store it hashed")
                .doesNotContain(ANNA));
    }

    @Test
    void guessingIsRefusedPerAddressAndPerUserWhileOthersLogIn() throws Exception {
        fixture.properties().put("ferry.security.users", "anna:" + Passwords.hash(ANNA) + ":operator;bob:"
                + Passwords.hash(BOB) + ":reader");
        fixture.properties().put("ferry.security.login.max-failures", "5");
        fixture.properties().put("ferry.security.login.window", "5m");
        fixture.start();
        int api = Integer.parseInt(fixture.properties().get("camel.server.port"));
        int management = Integer.parseInt(fixture.properties().get("camel.management.port"));

        // one address guesses names and passwords: five wrong answers, then refusals without trying
        for (int i = 0; i < 5; i++) {
            RawHttp.Answer wrong = get("127.0.0.1", api, "/api/connectors", "user" + i, "guess-" + i);
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.body()).contains("\"message\":\"invalid user name or password\"");
        }
        RawHttp.Answer refused = get("127.0.0.1", api, "/api/connectors", "user5", "guess-5");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.headers().get("retry-after")).isEqualTo("300");
        assertThat(refused.body()).contains("too many failed logins from this address or for this user");
        assertThat(get("127.0.0.1", api, "/api/connectors", "anna", ANNA).status()).as("even right").isEqualTo(429);
        assertThat(get("127.0.0.1", management, "/observe/health", "anna", ANNA).status()).as("the management server")
                .isEqualTo(429);

        // another address logs in meanwhile
        assertThat(get("127.0.0.2", api, "/api/connectors", "anna", ANNA).status()).isEqualTo(200);

        // one user's password guessed from many addresses: that name is refused, from any address
        for (int i = 3; i < 8; i++) {
            assertThat(get("127.0.0." + i, api, "/api/connectors", "bob", "guess-" + i).status()).isEqualTo(401);
        }
        assertThat(get("127.0.0.8", api, "/api/connectors", "bob", BOB).status()).isEqualTo(429);
        assertThat(get("127.0.0.8", api, "/api/connectors", "anna", ANNA).status()).isEqualTo(200);

        // once the window has passed, both log in again
        clock.tick(Duration.ofMinutes(5));
        assertThat(get("127.0.0.8", api, "/api/connectors", "bob", BOB).status()).isEqualTo(200);
        assertThat(get("127.0.0.1", api, "/api/connectors", "anna", ANNA).status()).isEqualTo(200);
    }

    private static RawHttp.Answer get(String from, int port, String path, String user, String password) throws Exception {
        String basic = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return RawHttp.send(from, port, "GET", path, Map.of("Authorization", "Basic " + basic), null);
    }
}
