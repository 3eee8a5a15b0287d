package dev.ferry.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.Settings;

/** Users and their passwords as Ferry reads them: hashes only, at OWASP's iteration count. */
class AccessTest {

    @TempDir
    Path dir;

    static Access access(Map<String, String> properties) {
        DefaultCamelContext camel = new DefaultCamelContext();
        Properties p = new Properties();
        p.putAll(properties);
        camel.getPropertiesComponent().setOverrideProperties(p);
        return Access.from(new Settings(camel.getPropertiesComponent()), Clock.systemUTC());
    }

    @Test
    void aHashedPasswordMatchesOnlyItselfIsSaltedEachTimeAndHasOwaspsIterationCount() {
        String hash = Passwords.hash("correct horse");

        assertThat(hash).startsWith("{pbkdf2-sha256}600000$").doesNotContain("correct horse");
        assertThat(Passwords.problem(hash)).isEmpty();
        assertThat(Passwords.matches(hash, "correct horse")).isTrue();
        assertThat(Passwords.matches(hash, "correct horsE")).isFalse();
        assertThat(Passwords.hash("correct horse")).isNotEqualTo(hash);
    }

    @Test
    void plainPasswordsFewIterationsAndBadEntriesAreRefusedWithTheirFileOrKeyAndNoPassword() throws Exception {
        Path users = dir.resolve("users.properties");
        // a hash of the old default count (210,000): refused until hashed again
        String weak = "{pbkdf2-sha256}210000$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=";
        Files.writeString(users, "user.anna = pw-anna-1, operator\nuser.bob = , reader\nrole.operator = *\n"
                + "user.eve = " + Passwords.hash("x") + ", admin\nuser.fay = {pbkdf2-sha256}x$y, reader\n"
                + "user.gus = " + weak + ", reader\n");

        assertThatThrownBy(() -> access(Map.of("ferry.security.users-file", users.toString(),
                "ferry.security.users", "carl:pw-carl-2;dora:pw-dora-3:reader+operator")))
                .hasMessageContaining(users + ": user.anna: user 'anna' has a password in clear; store it hashed")
                .hasMessageContaining(users + ": user.bob: user 'bob' needs a hashed password")
                .hasMessageContaining(users + ": user.eve: user 'eve' needs roles reader or operator, and nothing else")
                .hasMessageContaining(users + ": user.fay: user 'fay' has a malformed hashed password")
                .hasMessageContaining(users + ": user.gus: user 'gus' has a password hashed with 210000 iterations, fewer"
                        + " than the 600000 Ferry requires")
                .hasMessageContaining("ferry.security.users (entry 1): not <name>:<hashed password>:<role>")
                .hasMessageContaining("ferry.security.users (entry 2): user 'dora' has a password in clear")
                .message().doesNotContain("pw-anna-1").doesNotContain("pw-carl-2").doesNotContain("pw-dora-3");
        Access valid = access(Map.of("ferry.security.users", "dora:" + Passwords.hash("pw") + ":reader+operator"));
        assertThat(valid.enabled()).isTrue();
    }

    @Test
    void aUserNameWithControlCharactersIsRefused() {
        assertThatThrownBy(() -> access(Map.of("ferry.security.users",
                "anna\r\nFAKE LOG LINE:" + Passwords.hash("pw") + ":operator")))
                .hasMessageContaining("the user name contains control characters (anna\\u000d\\u000aFAKE LOG LINE)");
    }

    @Test
    void onlyLoopbackAddressesCountAsLocal() {
        assertThat(Access.isLoopback("127.0.0.1")).isTrue();
        assertThat(Access.isLoopback("localhost")).isTrue();
        assertThat(Access.isLoopback("::1")).isTrue();
        assertThat(Access.isLoopback("0.0.0.0")).isFalse();
        assertThat(Access.isLoopback("")).isFalse();
        assertThat(Access.isLoopback("no-such-host.invalid")).isFalse();
        Access none = access(Map.of());
        none.checkBinding("the server", "camel.server.host", "127.0.0.1");
        assertThatThrownBy(() -> none.checkBinding("the server", "camel.server.host", "10.1.2.3"))
                .hasMessageStartingWith("Refusing to start: the server would listen on 10.1.2.3 (camel.server.host)");
    }

    @Test
    void anUnknownUserCostsAsMuchAsAKnownOne() {
        Access access = access(Map.of("ferry.security.users", "anna:" + Passwords.hash("pw") + ":operator"));

        assertThat(access.users().verify("anna", "pw")).isPresent();
        assertThat(access.users().verify("anna", "wrong")).isEmpty();
        assertThat(access.users().verify("nobody", "pw")).isEmpty();
        // both refusals hash once with the same iteration count (the decoy has the costliest account's)
        assertThat(access.users().costOf("nobody")).isEqualTo(access.users().costOf("anna")).isEqualTo(Passwords.MIN_ITERATIONS);
    }
}
