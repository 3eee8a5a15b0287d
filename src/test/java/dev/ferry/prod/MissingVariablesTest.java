package dev.ferry.prod;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry run --profile prod} without the variables it needs: one message naming each missing one and where
 * it is used, before anything is tried, without a stack trace, exit code 1. A JVM of its own each time, with an
 * environment that holds only what the test gives it.
 */
class MissingVariablesTest {

    /** What application-prod.properties requires (no default), with the key and line it is used at. */
    private static final Map<String, String> REQUIRED = new LinkedHashMap<>();

    static {
        REQUIRED.put("FERRY_STATE_URL", "ferry.state.url (%s/config/application-prod.properties:13)");
        REQUIRED.put("FERRY_STATE_USERNAME", "ferry.state.username (%s/config/application-prod.properties:14)");
        REQUIRED.put("FERRY_BROKER_URL", "ferry.broker.url (%s/config/application-prod.properties:22)");
        REQUIRED.put("FERRY_SOURCE_URL", "camel.beans.source.jdbc-url (%s/config/application-prod.properties:27)");
        REQUIRED.put("FERRY_SOURCE_USERNAME", "camel.beans.source.username (%s/config/application-prod.properties:28)");
    }

    /** The classpath's logging configuration, which the source tree's Ferry uses. */
    private static final String DEVELOPMENT_LOGGING = "log4j2.properties";

    @TempDir
    Path dir;

    @Test
    void eachRequiredVariableMissingInTurnIsNamedWithItsKeyAndLine() throws Exception {
        String tree = Path.of("").toAbsolutePath().toString();
        for (String variable : REQUIRED.keySet()) {
            Map<String, String> environment = new LinkedHashMap<>();
            REQUIRED.keySet().forEach(v -> environment.put(v, "unused-" + v));
            environment.remove(variable);

            Result result = run(environment, DEVELOPMENT_LOGGING);

            assertThat(result.exitCode()).as(variable).isEqualTo(1);
            assertThat(result.output()).as(variable).contains("Ferry cannot start: 1 variable is not set (profile prod): "
                    + variable + " for " + REQUIRED.get(variable).formatted(tree) + ". Set each in the environment, or its"
                    + " key in the secrets file");
            assertNothingWasTried(result.output());
        }
    }

    @Test
    void allMissingAreNamedInOneMessageAndAKeyFromTheSecretsFileNeedsNoVariable() throws Exception {
        // with an instance's logging (console and its logs/ferry.log), which must load without a complaint either
        Result none = run(Map.of("FERRY_INSTANCE", dir.toString()), "config/log4j2.properties");
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.output()).contains("5 variables are not set");
        for (String variable : REQUIRED.keySet()) {
            assertThat(none.output()).contains(variable + " for ");
        }
        assertNothingWasTried(none.output());

        Path secrets = dir.resolve("ferry.secrets");
        Files.writeString(secrets, "ferry.state.url = jdbc:postgresql://127.0.0.1:1/nothing\n");
        Result withSecrets = run(Map.of(), DEVELOPMENT_LOGGING, "--secrets", secrets.toString());
        assertThat(withSecrets.output()).contains("4 variables are not set").doesNotContain("FERRY_STATE_URL for");
    }

    /** No Camel, no stack trace, and the one error line is the message (a logging configuration's complaint is another). */
    private static void assertNothingWasTried(String output) {
        assertThat(output).doesNotContain("Apache Camel").doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(output.lines().filter(l -> l.contains("ERROR"))).hasSize(1);
    }

    private record Result(int exitCode, String output) {
    }

    private Result run(Map<String, String> environment, String logging, String... arguments) throws Exception {
        String classpath = String.join(File.pathSeparator, "target/classes",
                Files.readString(Path.of("target/runtime-classpath.txt")).trim());
        Path tree = Path.of("").toAbsolutePath();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dferry.home=" + tree, "-Dferry.instance=" + tree, "-Dferry.data-dir=" + dir.resolve("data"),
                "-Dlog4j2.configurationFile=" + logging, "-cp", classpath, "dev.ferry.FerryApplication", "run",
                "--profile", "prod"));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.txt").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("FERRY_") || name.startsWith("CAMEL_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited by itself").isTrue();
        return new Result(process.exitValue(), Files.readString(dir.resolve("out.txt")));
    }
}
