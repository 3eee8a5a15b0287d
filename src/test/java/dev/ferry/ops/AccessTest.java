package dev.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.Settings;

class AccessTest {

    @TempDir
    Path dir;

    private static Access access(Map<String, String> properties) {
        DefaultCamelContext camel = new DefaultCamelContext();
        java.util.Properties p = new java.util.Properties();
        p.putAll(properties);
        camel.getPropertiesComponent().setOverrideProperties(p);
        return Access.from(new Settings(camel.getPropertiesComponent()));
    }

    @Test
    void aHashedPasswordMatchesOnlyItselfAndIsSaltedEachTime() {
        String hash = Access.hash("correct horse");

        assertThat(hash).startsWith("{pbkdf2-sha256}210000$").doesNotContain("correct horse");
        assertThat(Access.matches(hash, "correct horse")).isTrue();
        assertThat(Access.matches(hash, "correct horsE")).isFalse();
        assertThat(Access.hash("correct horse")).isNotEqualTo(hash);
        assertThat(Access.matches("plain-secret", "plain-secret")).isTrue();
        assertThat(Access.matches("plain-secret", "plain")).isFalse();
    }

    @Test
    void everyBadUserEntryIsReportedWithItsFileOrKeyAndNoPassword() throws Exception {
        Path users = dir.resolve("users.properties");
        Files.writeString(users, "user.anna = pw-anna-1, admin\nuser.bob = , reader\nrole.operator = *\n"
                + "user.eve = pw,with-comma, reader\nuser.fay = {pbkdf2-sha256}x$y, reader\n");

        assertThatThrownBy(() -> access(Map.of("ferry.security.users-file", users.toString(),
                "ferry.security.users", "carl:pw-carl-2;dora:pw-dora-3:reader+operator")))
                .hasMessageContaining(users + ": user.anna: user 'anna' needs roles reader or operator, and nothing else")
                .hasMessageContaining(users + ": user.bob: user 'bob' needs a name and a password")
                .hasMessageContaining("ferry.security.users: an entry is not <name>:<password>:<role>")
.hasMessageContaining(users + ": user.eve: user 'eve' needs roles reader or operator, and nothing else"
                        + " (a password that contains a comma must be hashed: hash-password)")
                .hasMessageContaining(users + ": user.fay: user 'fay' has a malformed hashed password")
                .message().doesNotContain("pw-anna-1").doesNotContain("pw-carl-2").doesNotContain("with-comma");
        Access valid = access(Map.of("ferry.security.users", "dora:pw:dora:reader+operator"));
        assertThat(valid.enabled()).isTrue();
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
}
