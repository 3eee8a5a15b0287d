package dev.ferry.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import dev.ferry.queue.EmbeddedBroker;

/**
 * The profile the suite runs Ferry on. Without a setting, the default one: state in H2, the embedded broker,
 * the demo source in H2. With {@code -Dferry.test.profile=prod} every Ferry a test starts runs on the prod
 * profile as well, with what production takes from its environment: state and source in PostgreSQL databases
 * of the test's own, and the sync queues on an Artemis broker reached over TCP with the reconnecting URL a
 * production Ferry uses (the broker lives in the test JVM, started for the test and stopped after it). A test
 * that asks for a profile of its own ({@code dev}) gets it on top. The tests and the route files are the same
 * on both; only the environment differs.
 *
 * <p>Registered for every test class (JUnit's extension auto-detection), it stops the test's brokers after
 * the test — after the test's own Ferry has stopped.
 */
public final class TestProfile implements AfterEachCallback, AfterAllCallback {

    public static final String PROPERTY = "ferry.test.profile";

    private static final List<Started> STARTED = new ArrayList<>();

    /** The suite's profile: "prod", or empty for the default one. */
    public static String name() {
        String name = System.getProperty(PROPERTY, "").strip();
        if (!name.isEmpty() && !"prod".equals(name)) {
            throw new IllegalArgumentException("-D" + PROPERTY + " is prod or nothing, not " + name);
        }
        return name;
    }

    public static boolean prod() {
        return "prod".equals(name());
    }

    /**
     * The profiles a Ferry starts on when its test asks for {@code requested} (null: none): the demo's first (the
     * suite's connectors are the demo's), then prod when the suite runs on it, then the test's own.
     */
    public static String effective(String requested) {
        String base = prod() ? "demo,prod" : "demo";
        if (requested == null || requested.isBlank()) {
            return base;
        }
        return requested.matches("(^|.*,)\\s*prod\\s*(,.*|$)") ? "demo," + requested : base + "," + requested;
    }

    /**
     * Adds the values an operator's environment gives a prod Ferry: a new state database, a new source database
     * (the demo seeds it, as it does the H2 one by default) and a broker of its own.
     */
    static void environment(Map<String, String> properties) {
        if (!prod()) {
            return;
        }
        properties.put("ferry.state.url", PostgresServer.shared().newDatabase());
        properties.put("ferry.state.username", "ferry");
        // the demo's source, and the one the prod profile requires from the environment: the same database
        String source = PostgresServer.shared().newDatabase();
        properties.put("camel.beans.demoSource.jdbc-url", source);
        properties.put("camel.beans.demoSource.username", "ferry");
        properties.put("camel.beans.source.jdbc-url", source);
        properties.put("camel.beans.source.username", "ferry");
        properties.put("ferry.broker.url", startBroker());
    }

    private static String startBroker() {
        try {
            Path journal = Files.createTempDirectory("ferry-test-broker-");
            int port = RunningFerry.freePort();
            EmbeddedBroker broker = new EmbeddedBroker(journal, "tcp://127.0.0.1:" + port, 64L << 20);
            broker.start();
            synchronized (STARTED) {
                STARTED.add(new Started(broker, journal));
            }
            return "tcp://127.0.0.1:" + port + "?reconnectAttempts=-1&retryInterval=200&retryIntervalMultiplier=1.5"
                    + "&maxRetryInterval=2000&initialConnectAttempts=10";
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start the test's broker: " + e.getMessage(), e);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!besideOthers(context)) {
            stopBrokers();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!besideOthers(context)) {
            stopBrokers();
        }
    }

    /**
     * A class that runs beside the others ({@code @Execution(CONCURRENT)}) starts no broker of this profile, and its
     * end must not stop the brokers of the test running meanwhile.
     */
    private static boolean besideOthers(ExtensionContext context) {
        Execution execution = context.getRequiredTestClass().getAnnotation(Execution.class);
        return execution != null && execution.value() == ExecutionMode.CONCURRENT;
    }

    private static void stopBrokers() {
        List<Started> started;
        synchronized (STARTED) {
            started = new ArrayList<>(STARTED);
            STARTED.clear();
        }
        for (Started s : started) {
            s.broker().stop();
            try (Stream<Path> files = Files.walk(s.journal())) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private record Started(EmbeddedBroker broker, Path journal) {
    }
}
