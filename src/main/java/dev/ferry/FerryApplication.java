package dev.ferry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

import dev.ferry.connector.ConnectorFilesCollector;
import dev.ferry.connector.ConnectorReloader;
import dev.ferry.ops.FerryHttpServerFactory;
import dev.ferry.ops.FerryInfo;
import dev.ferry.ops.FerryJolokia;
import dev.ferry.schedule.Explain;
import dev.ferry.security.Passwords;

/**
 * Starts Ferry: Camel Main with the connector files and the properties under {@code config/}.
 *
 * <p>{@code explain [connector ...] [--count N]} prints connectors' schedules and next fire times
 * instead of starting Ferry; {@code hash-password} prints a password hashed for the users file.
 *
 * <p>The configuration file is {@code config/application.properties} unless {@code --config <file>}
 * or the environment variable {@code FERRY_CONFIG} names another one. A profile
 * ({@code --profile <name>} or {@code FERRY_PROFILE}) adds {@code application-<name>.properties}
 * from the same directory on top of it; several, comma-separated ({@code prod,dev}), add theirs in that
 * order, a later one winning. A secrets file ({@code --secrets <file>} or {@code FERRY_SECRETS_FILE}),
 * kept out of the repository and readable by Ferry only, wins over both.
 */
public final class FerryApplication {

    /**
     * HikariCP hands out a connection used in the last 500 ms without checking it, so after a database restart
     * the first statement on each such connection fails (a run, or a delivery count). Ferry's pools are small
     * and busy in bursts: checking every borrowed connection (one round trip) costs little and makes a restart
     * of PostgreSQL invisible to runs. Read once, when HikariCP loads: set before anything uses a pool.
     */
    static final String HIKARI_ALIVE_BYPASS = "com.zaxxer.hikari.aliveBypassWindowMs";

    static {
        if (System.getProperty(HIKARI_ALIVE_BYPASS) == null) {
            System.setProperty(HIKARI_ALIVE_BYPASS, "0");
        }
    }

    static final String DEFAULT_CONFIG = "config/application.properties";
    static final String DEFAULT_ROUTES = "file:routes/*.camel.yaml";

    private FerryApplication() {
    }

    public static void main(String[] args) {
        try {
            Launch launch = Launch.parse(args, System.getenv());
            if (launch.camelArgs().length > 0 && "hash-password".equals(launch.camelArgs()[0])) {
                System.exit(hashPassword());
            }
            if (launch.camelArgs().length > 0 && "explain".equals(launch.camelArgs()[0])) {
                List<String> rest = List.of(launch.camelArgs()).subList(1, launch.camelArgs().length);
                System.exit(Explain.run(rest, launch.config(), launch.profile(), Clock.systemUTC(), System.out));
            }
            Main main = newMain(launch.config(), launch.profile(), launch.secrets());
            main.run(launch.camelArgs());
        } catch (Exception | LinkageError e) {
            LoggerFactory.getLogger(FerryApplication.class).error("Ferry could not start: {}", e.getMessage(), e);
            // The broker's non-daemon threads would otherwise keep a half-started process alive.
            System.exit(1);
        }
    }

    /**
     * Reads a password (from the console without echo, or one line of standard input) and prints it as the
     * users file stores it, so that the file holds no password in clear.
     */
    static int hashPassword() throws java.io.IOException {
        java.io.Console console = System.console();
        String password;
        if (console != null) {
            char[] typed = console.readPassword("Password: ");
            password = typed == null ? null : new String(typed);
        } else {
            password = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                    java.nio.charset.StandardCharsets.UTF_8)).readLine();
        }
        if (password == null || password.isEmpty()) {
            System.err.println("No password given");
            return 2;
        }
        System.out.println(Passwords.hash(password));
        return 0;
    }

    /** A Camel Main set up exactly as Ferry runs; tests add override properties and start it. */
    public static Main newMain(Path config, String profile) {
        return newMain(config, profile, null);
    }

    /** ... with a secrets file (properties that win over the configuration files), or null. */
    public static Main newMain(Path config, String profile, Path secrets) {
        if (!Files.isRegularFile(config)) {
            throw new IllegalArgumentException("Ferry configuration file not found: " + config.toAbsolutePath()
                    + " (set --config <file> or FERRY_CONFIG)");
        }
        ConnectorFilesCollector collector = new ConnectorFilesCollector();
        Main main = new Main() {
            @Override
            protected void doStart() throws Exception {
                super.doStart();
                // Camel runs: now each connector file on its own, so that a broken one does not stop the others
                ConnectorReloader files = getCamelContext() == null || !getCamelContext().isStarted() ? null
                        : getCamelContext().getRegistry().lookupByNameAndType(FerryConfiguration.CONNECTOR_FILES,
                                ConnectorReloader.class);
                if (files != null) {
                    files.loadConnectors(collector.connectorFiles());
                }
            }
        };
        main.setRoutesCollector(collector);
        List<String> profiles = profiles(profile);
        if (!profiles.isEmpty()) {
            // Camel knows one profile (dev turns on its developer tooling): the last, most specific one
            main.configure().setProfile(profiles.get(profiles.size() - 1));
        }
        if (secrets != null && !Files.isRegularFile(secrets)) {
            throw new IllegalArgumentException("Ferry secrets file not found: " + secrets.toAbsolutePath()
                    + " (set --secrets <file> or FERRY_SECRETS_FILE)");
        }
        main.setPropertyPlaceholderLocations((secrets == null ? "" : "file:" + secrets + ",")
                + propertyLocations(config, profile));
        main.configure().withRoutesIncludePattern(DEFAULT_ROUTES);
        main.configure().addConfiguration(FerryConfiguration.class);
        // Camel Main creates its HTTP servers through this factory: Ferry's access rules apply to them.
        main.bind("ferryHttpServerFactory", new FerryHttpServerFactory());
        // The management server's Jolokia: Camel's, with Ferry's roles on top (a reader may not exec).
        main.bind(FerryJolokia.NAME, new FerryJolokia());
        // What /observe/info says this Ferry is
        main.bind(FerryInfo.BEAN, new FerryInfo(profiles));
        return main;
    }

    /** The configuration file, and each profile's overlay beside it (a location listed first wins). */
    public static String propertyLocations(Path config, String profile) {
        String locations = "file:" + config;
        for (String name : profiles(profile)) {
            locations = "file:" + config.resolveSibling("application-" + name + ".properties") + ";optional=true,"
                    + locations;
        }
        return locations;
    }

    /** {@code prod,dev} → [prod, dev]; none for null or blank. */
    static List<String> profiles(String profile) {
        List<String> names = new ArrayList<>();
        if (profile != null) {
            for (String name : profile.split(",")) {
                if (!name.isBlank()) {
                    names.add(name.strip());
                }
            }
        }
        return names;
    }

    /** Command-line and environment choices, parsed before Camel sees the remaining arguments. */
    record Launch(Path config, String profile, Path secrets, String[] camelArgs) {

        static Launch parse(String[] args, Map<String, String> env) {
            String config = env.getOrDefault("FERRY_CONFIG", DEFAULT_CONFIG);
            String profile = env.get("FERRY_PROFILE");
            String secrets = env.get("FERRY_SECRETS_FILE");
            List<String> rest = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (("--config".equals(arg) || "--profile".equals(arg) || "--secrets".equals(arg)) && i + 1 >= args.length) {
                    throw new IllegalArgumentException(arg + " needs a value");
                }
                if ("--config".equals(arg)) {
                    config = args[++i];
                } else if (arg.startsWith("--config=")) {
                    config = arg.substring("--config=".length());
                } else if ("--secrets".equals(arg)) {
                    secrets = args[++i];
                } else if (arg.startsWith("--secrets=")) {
                    secrets = arg.substring("--secrets=".length());
                } else if ("--profile".equals(arg)) {
                    profile = args[++i];
                } else if (arg.startsWith("--profile=")) {
                    profile = arg.substring("--profile=".length());
                } else {
                    rest.add(arg);
                }
            }
            return new Launch(Path.of(config), profile, secrets == null || secrets.isBlank() ? null : Path.of(secrets),
                    rest.toArray(String[]::new));
        }
    }
}
