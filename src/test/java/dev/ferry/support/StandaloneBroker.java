package dev.ferry.support;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;


import static org.awaitility.Awaitility.await;

/**
 * An Artemis broker in a JVM of its own, as a production Ferry finds one: reached over TCP on loopback,
 * with a persistent journal, started, killed and restarted by a test. {@link #main} is the broker process.
 */
public final class StandaloneBroker implements AutoCloseable {

    private final Path directory;
    private final int port;
    private Process process;

    private StandaloneBroker(Path directory, int port) {
        this.directory = directory;
        this.port = port;
    }

    /** Starts a broker with its journal under {@code directory} on a free loopback port. */
    public static StandaloneBroker start(Path directory) throws IOException {
        StandaloneBroker broker = new StandaloneBroker(directory, RunningFerry.freePort());
        broker.start();
        return broker;
    }

    /** The URL a Ferry instance uses: reconnects by itself when the broker comes back. */
    public String url() {
        return "tcp://127.0.0.1:" + port + "?reconnectAttempts=-1&retryInterval=200&retryIntervalMultiplier=1.5"
                + "&maxRetryInterval=2000&initialConnectAttempts=10";
    }

    /**
     * What an operator of the prod profile puts in the environment (or the secrets file) for one Ferry on this
     * broker, plus the test's own ports: state and source each in a new PostgreSQL database, the source seeded by
     * the demo (the prod profile turns the demo off; a real source has its own rows).
     */
    public java.util.Map<String, String> prodProperties(Path dataDir, Target target) {
        java.util.Map<String, String> p = new java.util.LinkedHashMap<>(RunningFerry.testProperties(dataDir, target));
        p.put("ferry.state.url", PostgresServer.shared().newDatabase());
        p.put("ferry.state.username", "ferry");
        p.put("ferry.broker.url", url());
        String source = PostgresServer.shared().newDatabase();
        p.put("camel.beans.source.jdbc-url", source);
        p.put("camel.beans.source.username", "ferry");
        p.put("camel.beans.demoSource.jdbc-url", source);
        p.put("camel.beans.demoSource.username", "ferry");
        p.put("ferry.demo.enabled", "true");
        return p;
    }

    public synchronized void start() throws IOException {
        Files.createDirectories(directory);
        String classpath = String.join(File.pathSeparator, "target/test-classes", "target/classes",
                Files.readString(Path.of("target/runtime-classpath.txt")).trim());
        process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", classpath, StandaloneBroker.class.getName(), directory.toString(), String.valueOf(port)))
                .redirectErrorStream(true).redirectOutput(directory.resolve("broker.log").toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker stopped: " + Files.readString(directory.resolve("broker.log")));
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    /** Kills the broker process as a crash would (its journal stays). */
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
            process = null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    /** The broker process: {@code <journal directory> <port>}; configured as Ferry's embedded one, on TCP. */
    public static void main(String[] args) throws Exception {
        dev.ferry.queue.EmbeddedBroker broker = new dev.ferry.queue.EmbeddedBroker(Path.of(args[0]),
                "tcp://127.0.0.1:" + args[1], 64L * 1024 * 1024);
        broker.start();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::stop));
        Thread.currentThread().join();
    }
}
