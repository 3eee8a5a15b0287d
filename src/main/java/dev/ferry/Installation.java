package dev.ferry;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Where Ferry is installed and which instance it runs, as {@code artemis create} separates them: the
 * installation ({@code ferry.home}: {@code bin/}, {@code lib/}, the default {@code config/}, {@code examples/})
 * is shared and replaced on upgrade; an instance ({@code ferry.instance}: its own {@code config/}, {@code routes/},
 * {@code data/} and {@code logs/}) is what an operator owns. Both are absolute; nothing resolves against the
 * working directory.
 *
 * <p>The launcher ({@code bin/ferry}) sets both as system properties; the environment variables
 * {@code FERRY_HOME} and {@code FERRY_INSTANCE} are read when it did not. In the source tree, Maven sets both to
 * the project directory (the source tree is an installation, and an instance for development).
 */
public record Installation(Path home, Path instance) {

    public static final String HOME = "ferry.home";
    public static final String INSTANCE = "ferry.instance";
    public static final String HOME_ENV = "FERRY_HOME";
    public static final String INSTANCE_ENV = "FERRY_INSTANCE";

    /** The configuration file of an instance, and of the installation's defaults, relative to its directory. */
    public static final Path CONFIG = Path.of("config", "application.properties");
    public static final String ROUTES = "routes";

    public Installation {
        home = home.toAbsolutePath().normalize();
        instance = instance.toAbsolutePath().normalize();
    }

    /**
     * This JVM's installation and instance. Without an instance named, there is nothing to run: the message says
     * how to make one.
     */
    public static Installation current() {
        return of(System.getProperties(), System.getenv());
    }

    static Installation of(Properties system, Map<String, String> env) {
        Optional<String> home = named(system, env, HOME, HOME_ENV);
        Optional<String> instance = named(system, env, INSTANCE, INSTANCE_ENV);
        if (instance.isEmpty()) {
            throw new IllegalArgumentException("No Ferry instance: " + INSTANCE_ENV + " is not set. Make one with"
                    + " 'ferry create <directory>' and start it with '<directory>/bin/ferry run'");
        }
        return new Installation(Path.of(home.orElse(instance.get())), Path.of(instance.get()));
    }

    /** The installation alone (for commands that need no instance: create, --version, hash-password). */
    public static Optional<Path> currentHome() {
        return named(System.getProperties(), System.getenv(), HOME, HOME_ENV).map(h -> Path.of(h).toAbsolutePath());
    }

    private static Optional<String> named(Properties system, Map<String, String> env, String property, String variable) {
        String value = system.getProperty(property);
        if (value == null || value.isBlank()) {
            value = env.get(variable);
        }
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    /** The instance's configuration file. */
    public Path config() {
        return instance.resolve(CONFIG);
    }

    /** The installation's defaults, under the instance's configuration (the same file in the source tree). */
    public Path defaults() {
        return home.resolve(CONFIG);
    }

    public Path routes() {
        return instance.resolve(ROUTES);
    }

    /** What the configuration files may refer to as {@code {{ferry.home}}} and {@code {{ferry.instance}}}. */
    public Map<String, String> properties() {
        return Map.of(HOME, home.toString(), INSTANCE, instance.toString());
    }
}
