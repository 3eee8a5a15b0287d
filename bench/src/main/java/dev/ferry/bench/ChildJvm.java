package dev.ferry.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A child JVM of the benchmark (Ferry or the baseline), started with the same JVM options either way.
 * Its {@code @bench} lines become events; everything else it prints goes to its log file.
 */
final class ChildJvm implements AutoCloseable {

    /** Heap of every child, Ferry's and the baseline's alike. */
    static final String HEAP = "-Xmx512m";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Process process;
    private final PrintWriter commands;
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    private final long spawnedAt;
    private final Path log;
    private final java.util.function.LongConsumer onReady;

    /** @param onReady told the milliseconds from spawning the JVM to its {@code ready} event */
    ChildJvm(String classpath, String mainClass, List<String> args, List<String> jvmOptions, Path log,
             java.util.function.LongConsumer onReady) throws IOException {
        this.log = log;
        this.onReady = onReady;
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                HEAP));
        // G1 unless the options choose another collector (the JVM refuses two)
        if (jvmOptions.stream().noneMatch(option -> option.matches("-XX:\\+Use\\w+GC"))) {
            command.add("-XX:+UseG1GC");
        }
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classpath, mainClass));
        command.addAll(args);
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        spawnedAt = System.currentTimeMillis();
        process = builder.start();
        commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> read(log), "child-output");
        reader.setDaemon(true);
        reader.start();
    }

    private void read(Path log) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer file = Files.newBufferedWriter(log)) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(Child.PREFIX)) {
                    String rest = line.substring(Child.PREFIX.length());
                    int space = rest.indexOf(' ');
                    JsonNode payload = MAPPER.readTree(rest.substring(space + 1));
                    String event = rest.substring(0, space);
                    ((com.fasterxml.jackson.databind.node.ObjectNode) payload).put("event", event);
                    if ("ready".equals(event)) {
                        onReady.accept(payload.path("at").asLong() - spawnedAt);
                    }
                    events.add(payload);
                } else {
                    file.write(line);
                    file.write('\n');
                }
            }
        } catch (IOException e) {
            // the child has gone; await() reports it
        }
    }

    /** When the JVM was spawned, in epoch milliseconds: what the children's {@code at} figures count from. */
    long spawnedAt() {
        return spawnedAt;
    }

    void send(String command) {
        commands.println(command);
    }

    /** The next event, which must be {@code expected}; fails with the child's log when it dies or stalls. */
    JsonNode await(String expected, long timeoutSeconds) throws Exception {
        JsonNode event = events.poll(timeoutSeconds, TimeUnit.SECONDS);
        if (event == null || !expected.equals(event.path("event").asText())) {
            throw new IllegalStateException("Expected '" + expected + "' from " + log.getFileName() + " but got "
                    + (event == null ? (process.isAlive() ? "nothing in " + timeoutSeconds + " s" : "exit " + process.waitFor())
                                     : event) + "; its log: " + log.toAbsolutePath());
        }
        return event;
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            send("stop");
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
