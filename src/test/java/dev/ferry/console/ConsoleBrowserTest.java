package dev.ferry.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.security.Passwords;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;

/**
 * The operator console in a real browser: Debian's Chromium driven by playwright-core, from the Node.js tests under
 * {@code src/test/console} ({@value #TESTS}), against a Ferry started here with the demo connectors delivering to a
 * WireMock target and two users, an operator and a reader. The browser tests name what they check; this runs them
 * and fails with their report.
 *
 * <p>Needs {@code node}, {@code npm ci} run in the project (playwright-core) and {@code /usr/bin/chromium}:
 * {@code .ci/run} installs them.
 */
class ConsoleBrowserTest {

    static final String TESTS = "src/test/console";
    private static final String OPERATOR = "olga";
    private static final String READER = "rita";
    private static final String OPERATOR_SECRET = "olga-console-secret";
    private static final String READER_SECRET = "rita-console-secret";
    private static final long TIMEOUT_MINUTES = 5;

    @TempDir
    Path data;

    private Target target;
    private RunningFerry ferry;
    private String url;

    @BeforeEach
    void start() {
        assertThat(Path.of("node_modules/playwright-core")).as("playwright-core is installed: run npm ci (.ci/run does)")
                .isDirectory();
        assertThat(Path.of("/usr/bin/chromium")).as("Debian's chromium is installed (.ci/run installs it)").exists();
        target = new Target();
        Map<String, String> properties = RunningFerry.testProperties(data, target);
        properties.put("ferry.security.users", OPERATOR + ":" + Passwords.hash(OPERATOR_SECRET) + ":operator;"
                + READER + ":" + Passwords.hash(READER_SECRET) + ":reader");
        // the console shows a change as soon as its poll reads it: no settle window, quick run closing
        properties.put("camel.component.ferry.settle-lag", "0s");
        ferry = RunningFerry.start(properties);
        url = "http://127.0.0.1:" + properties.get("camel.server.port");
    }

    @AfterEach
    void stop() {
        if (ferry != null) {
            ferry.close();
        }
        if (target != null) {
            target.close();
        }
    }

    @Test
    void anOperatorWorksThroughTheConsole() throws Exception {
        browserTests("operator.test.mjs", "reader.test.mjs", "vendor.test.mjs");
    }

    private void browserTests(String... files) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", "--test", "--test-reporter=spec", "--test-concurrency=1"));
        for (String file : files) {
            command.add(Path.of(TESTS, file).toString());
        }
        Path report = data.resolve("browser-tests.txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(report.toFile());
        builder.environment().put("FERRY_URL", url);
        builder.environment().put("FERRY_OPERATOR", OPERATOR + ":" + OPERATOR_SECRET);
        builder.environment().put("FERRY_READER", READER + ":" + READER_SECRET);
        builder.environment().put("FERRY_TARGET_ADMIN", target.url(""));
        Process node = builder.start();
        boolean ended = node.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
        if (!ended) {
            node.descendants().forEach(ProcessHandle::destroyForcibly);
            node.destroyForcibly().waitFor();
        }
        String output = Files.readString(report, StandardCharsets.UTF_8);
        System.out.println(output);
        assertThat(ended).as("the browser tests ended within %d minutes:%n%s", TIMEOUT_MINUTES, output).isTrue();
        assertThat(node.exitValue()).as("the browser tests passed:%n%s", output).isZero();
    }
}
