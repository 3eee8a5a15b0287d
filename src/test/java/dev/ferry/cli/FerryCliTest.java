package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.Installation;
import dev.ferry.ops.FerryInfo;

/** What {@code bin/ferry} says about itself, and how it refuses a command line it cannot run. */
class FerryCliTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) throws Exception {
        return FerryCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpAndVersionDescribeFerryItself() throws Exception {
        assertThat(run("--help")).isZero();
        assertThat(out()).startsWith("Ferry " + FerryInfo.version()).contains("run", "check", "explain", "new-connector",
                "create", "upgrade", "hash-password", "--profile", "FERRY_INSTANCE").doesNotContain("Unknown option");
        out.reset();
        assertThat(run("check", "--help")).isZero();
        assertThat(out()).startsWith("Usage: ferry check").contains("exit code 1");
        out.reset();
        assertThat(run("--version")).isZero();
        assertThat(out()).startsWith("Ferry " + FerryInfo.version() + " (Apache Camel 4.18.0, Java ");
    }

    @Test
    void aCommandLineThatCannotRunSaysWhyWithExitCode2() throws Exception {
        assertThat(run()).isEqualTo(2);
        assertThat(out()).contains("Usage: ferry <command>");
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'frobnicate'");
        assertThatThrownBy(() -> run("create")).isInstanceOf(FerryCli.UsageException.class)
                .hasMessageContaining("Usage: ferry create <directory>");
        Installation instance = new Installation(Path.of(""), dir);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> NewConnector.run(instance, List.of("Orders!", "--table", "t", "--cursor", "c", "--key",
                "k", "--target", "http://x"), quiet, quiet)).hasMessageContaining("'Orders!' is not a connector id");
        assertThatThrownBy(() -> NewConnector.run(instance, List.of("orders", "--table", "t", "--cursor", "c", "--key",
                "k", "--target", "ftp://x"), quiet, quiet)).hasMessageContaining("--target must be an http:// or https://");
        assertThatThrownBy(() -> NewConnector.run(instance, List.of("orders", "--table", "t; drop table x", "--cursor",
                "c", "--key", "k", "--target", "http://x"), quiet, quiet)).hasMessageContaining("is not a plain SQL name");
        assertThat(dir.resolve("routes")).doesNotExist();
    }

    @Test
    void createRefusesADirectoryThatHoldsSomethingAndUpgradeOneThatIsNoInstance() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "mine");
        System.setProperty(Installation.HOME, "/opt/ferry-test");
        try {
            assertThat(run("create", dir.toString())).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("is not an empty directory; nothing was changed");
            assertThat(run("upgrade", dir.toString())).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("is not a Ferry instance");
        } finally {
            System.clearProperty(Installation.HOME);
        }
        assertThat(dir.resolve("config")).doesNotExist();
    }
}
