package dev.ferry.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One test's Ferry: its own data directory, a {@link Target} both demo connectors deliver to, the test
 * properties, and whatever Ferry it started — stopped after the test, even a failed one.
 *
 * <pre>
 * &#64;RegisterExtension
 * final FerryFixture fixture = new FerryFixture();
 * </pre>
 */
public final class FerryFixture implements BeforeEachCallback, AfterEachCallback {

    private Path data;
    private Target target;
    private Map<String, String> properties;
    private RunningFerry ferry;
    private Clock clock;
    private Path config = Path.of("config/application.properties");
    private String profile;
    private final Map<String, Object> beans = new java.util.HashMap<>();

    /** Ferry runs on this clock (set before {@link #start()}). */
    public FerryFixture clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    /** Ferry reads this configuration file, with this profile's overlay beside it (set before {@link #start()}). */
    public FerryFixture config(Path config, String profile) {
        this.config = config;
        this.profile = profile;
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        data = Files.createTempDirectory("ferry-test-");
        target = new Target();
        properties = RunningFerry.testProperties(data, target);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        stop();
        Gate.open();
        target.close();
        try (Stream<Path> files = Files.walk(data)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Binds a bean into the next Ferry started (only that one), e.g. {@code ferryFaultHooks}. */
    public FerryFixture bindOnce(String name, Object bean) {
        beans.put(name, bean);
        return this;
    }

    /** Starts Ferry with the real configuration and the test properties (changes to them apply here). */
    public RunningFerry start() {
        stop();
        ferry = RunningFerry.start(config, profile, properties, clock, beans);
        beans.clear();
        return ferry;
    }

    /** Stops Ferry, keeping its data directory for the next {@link #start()}. */
    public void stop() {
        if (ferry != null) {
            ferry.close();
            ferry = null;
        }
    }

    public RunningFerry ferry() {
        return ferry;
    }

    public Target target() {
        return target;
    }

    public Map<String, String> properties() {
        return properties;
    }

    /**
     * Runs Ferry on copies of the real route files, in {@code <data>/routes}, which the test may edit or add to;
     * returns that directory.
     */
    public Path copyRoutes() throws IOException {
        Path routes = Files.createDirectories(data.resolve("routes"));
        try (Stream<Path> files = Files.list(Path.of("examples/demo/routes"))) {
            for (Path f : files.toList()) {
                Files.copy(f, routes.resolve(f.getFileName()));
            }
        }
        properties.put("camel.main.routes-include-pattern", "file:" + routes + "/*.camel.yaml");
        return routes;
    }

    public Path data() {
        return data;
    }
}
