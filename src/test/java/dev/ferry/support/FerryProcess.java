package dev.ferry.support;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A Ferry instance in a JVM of its own, on the run-time classpath, started as the application starts
 * ({@code FerryApplication}, a profile, the real configuration and route files); settings come as system
 * properties, as an operator's environment gives them. Killed with {@link #kill()} as {@code kill -9} would.
 */
public final class FerryProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final int port;
    private final int managementPort;

    private FerryProcess(Process process, Path log, int port, int managementPort) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.managementPort = managementPort;
    }

    /**
     * Starts Ferry with this profile (null: the default one), these settings and command-line arguments
     * ({@code --secrets <file>}), and waits until its API answers.
     */
    public static FerryProcess start(String name, String profile, Map<String, String> settings, Path directory,
                                     String... arguments) throws IOException {
        return start(name, profile, settings, directory, Map.of(), arguments);
    }

    /** ... with these environment variables added to the test's (secrets a connector reads with {@code {{env:...}}}). */
    public static FerryProcess start(String name, String profile, Map<String, String> settings, Path directory,
                                     Map<String, String> environment, String... arguments) throws IOException {
        Files.createDirectories(directory);
        int port = RunningFerry.freePort();
        int managementPort = RunningFerry.freePort();
        // test classes last, for fault hooks a test binds (dev.ferry.fault.HaltAt); Ferry's own logging configuration
        String classpath = String.join(File.pathSeparator, "target/classes",
                Files.readString(Path.of("target/runtime-classpath.txt")).trim(), "target/test-classes");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-Duser.timezone=" + System.getProperty("user.timezone", "UTC"),
                "-Dlog4j2.configurationFile=log4j2.properties"));
        settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
        // after the settings: the last -D of a name wins, and these are the ports this handle talks to
        command.addAll(List.of("-Dcamel.server.port=" + port, "-Dcamel.management.port=" + managementPort));
        Path tree = Path.of("").toAbsolutePath();
        command.addAll(List.of("-Dferry.home=" + tree, "-Dferry.instance=" + tree, "-cp", classpath,
                "dev.ferry.FerryApplication", "run"));
        if (profile != null && !profile.isBlank()) {
            command.addAll(List.of("--profile", profile));
        }
        command.addAll(List.of(arguments));
        Path log = directory.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        FerryProcess ferry = new FerryProcess(process, log, port, managementPort);
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " stopped: " + Files.readString(log));
            }
            // Camel has started, and then the connector files have loaded
            return Files.readString(log).contains("started in") && Files.readString(log).contains("Connectors loaded:");
        });
        return ferry;
    }

    public Api api() {
        return Api.at(port);
    }

    /**
     * Starts a run of the connector through the API (repeated while another run still holds it) and waits until it
     * has ended; returns the run as {@code GET /api/runs/<id>} shows it.
     */
    public JsonNode runAndAwait(String connector) {
        long run = await().atMost(Duration.ofSeconds(30)).until(() -> api().post("/api/connectors/" + connector + "/runs"),
                answer -> answer.status() == 202).json().get("id").asLong();
        return await().atMost(Duration.ofSeconds(90)).until(() -> api().get("/api/runs/" + run).json().get("run"),
                r -> r.get("status").asText().matches("COMPLETED|INCOMPLETE|FAILED"));
    }

    public Api management() {
        return Api.at(managementPort);
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Waits until the process has ended by itself (a fault hook halted it); false if it still runs. */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

        /** As kill -9: no shutdown hook, no graceful stop. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
