package dev.ferry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

import dev.ferry.connector.ConnectorFilesCollector;
import dev.ferry.connector.ConnectorReloader;
import dev.ferry.ops.FerryHttpServerFactory;
import dev.ferry.ops.FerryInfo;
import dev.ferry.ops.FerryJolokia;
import dev.ferry.cli.FerryCli;

/**
 * Makes Ferry's Camel Main: the instance's connector files and configuration over the installation's defaults
 * ({@link Installation}). The command line is {@link dev.ferry.cli.FerryCli}.
 *
 * <p>The configuration file is the instance's {@code config/application.properties} unless {@code --config <file>}
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

    private FerryApplication() {
    }

    /** The command line: {@code ferry <command> ...} ({@link FerryCli}). */
    public static void main(String[] args) {
        FerryCli.main(args);
    }

    /** A Camel Main set up exactly as Ferry runs; tests add override properties and start it. */
    public static Main newMain(Path config, String profile) {
        return newMain(Installation.current(), config, profile, null);
    }

    /**
     * ... for this installation and instance, with a secrets file (properties that win over the configuration
     * files), or null.
     */
    public static Main newMain(Installation installation, Path config, String profile, Path secrets) {
        ConnectorFilesCollector collector = new ConnectorFilesCollector();
        Main main = new Main() {
            @Override
            protected CamelContext createCamelContext() {
                // as Camel Main makes its own
                FerryCamelContext camel = new FerryCamelContext();
                camel.getCamelContextExtension().setRegistry(registry);
                camel.getGlobalOptions().put("CamelMainClass", FerryApplication.class.getName());
                return camel;
            }

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
        configure(main, collector, installation, config, profile, secrets);
        main.configure().addConfiguration(FerryConfiguration.class);
        // Camel Main creates its HTTP servers through this factory: Ferry's access rules apply to them.
        main.bind("ferryHttpServerFactory", new FerryHttpServerFactory());
        // The management server's Jolokia: Camel's, with Ferry's roles on top (a reader may not exec).
        main.bind(FerryJolokia.NAME, new FerryJolokia());
        // What /observe/info says this Ferry is
        main.bind(FerryInfo.BEAN, new FerryInfo(profiles(profile)));
        return main;
    }

    /**
     * What Ferry's Main reads, without what it runs: the configuration files in their order, {@code ferry.home} and
     * {@code ferry.instance}, the profile, and the route files (collected file by file). {@code ferry check} uses
     * this alone.
     */
    public static void configure(Main main, ConnectorFilesCollector collector, Installation installation, Path config,
                                 String profile, Path secrets) {
        if (!Files.isRegularFile(config)) {
            throw new StartupRefused("Ferry configuration file not found: " + config.toAbsolutePath()
                    + " (set --config <file> or FERRY_CONFIG)");
        }
        if (secrets != null && !Files.isRegularFile(secrets)) {
            throw new StartupRefused("Ferry secrets file not found: " + secrets.toAbsolutePath()
                    + " (set --secrets <file> or FERRY_SECRETS_FILE)");
        }
        main.setRoutesCollector(collector);
        List<String> profiles = profiles(profile);
        if (!profiles.isEmpty()) {
            // Camel knows one profile (dev turns on its developer tooling): the last, most specific one
            main.configure().setProfile(profiles.get(profiles.size() - 1));
        }
        main.setPropertyPlaceholderLocations((secrets == null ? "" : "file:" + secrets + ",")
                + propertyLocations(config, installation.defaults(), profile));
        // over anything else of the name (a -Dferry.instance of the JVM's): this Main runs this instance
        installation.properties().forEach(main::addOverrideProperty);
        // a configuration that names no route files: the instance's (the installation's defaults name them too)
        main.configure().withRoutesIncludePattern("file:" + installation.routes() + "/*.camel.yaml");
    }

    /**
     * Refuses to start, naming every one, when environment variables the configuration requires are not set
     * ({@link RequiredVariables}): the files are read as {@link #configure} lists them, the secrets file first.
     */
    public static void requireVariables(Installation installation, Path config, String profile, Path secrets,
                                        Map<String, String> environment) throws IOException {
        List<Path> files = new ArrayList<>();
        if (secrets != null) {
            files.add(secrets);
        }
        configurationFiles(config, installation.defaults(), profile).forEach(f -> files.add(f.path()));
        List<RequiredVariables.Missing> missing = RequiredVariables.missing(files, environment, System.getProperties(),
                installation.properties());
        if (!missing.isEmpty()) {
            throw new StartupRefused(RequiredVariables.message(missing, profile));
        }
    }

    /**
     * The instance's configuration file and each profile's overlay beside it, over the installation's defaults and
     * their overlays (a location listed first wins): an instance keeps only what it changes, and an upgraded
     * installation brings its new defaults. In the source tree both are the same file, read once.
     */
    public static String propertyLocations(Path config, Path defaults, String profile) {
        return configurationFiles(config, defaults, profile).stream()
                .map(f -> "file:" + f.path() + (f.optional() ? ";optional=true" : ""))
                .collect(Collectors.joining(","));
    }

    /** A configuration file, and whether it may be missing. */
    record ConfigurationFile(Path path, boolean optional) {
    }

    /** The files of {@link #propertyLocations}, first one winning. */
    static List<ConfigurationFile> configurationFiles(Path config, Path defaults, String profile) {
        List<ConfigurationFile> files = layer(config, profile, false);
        if (!config.toAbsolutePath().normalize().equals(defaults.toAbsolutePath().normalize())) {
            files.addAll(layer(defaults, profile, true));
        }
        return files;
    }

    /** One configuration file with its profiles' overlays before it, the last profile first. */
    private static List<ConfigurationFile> layer(Path config, String profile, boolean optional) {
        List<ConfigurationFile> files = new ArrayList<>();
        for (String name : profiles(profile)) {
            files.add(0, new ConfigurationFile(config.resolveSibling("application-" + name + ".properties"), true));
        }
        files.add(new ConfigurationFile(config, optional));
        return files;
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

    /**
     * Command-line and environment choices, parsed before Camel sees the remaining arguments. Without
     * {@code --config} or {@code FERRY_CONFIG}, the instance's configuration file.
     */
    public record Launch(Path config, String profile, Path secrets, String[] camelArgs) {

        /** The configuration file named, or the instance's. */
        public Path config(Installation installation) {
            return config != null ? config.toAbsolutePath() : installation.config();
        }

        public static Launch parse(String[] args, Map<String, String> env) {
            String config = env.get("FERRY_CONFIG");
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
            return new Launch(config == null || config.isBlank() ? null : Path.of(config), profile, secrets == null || secrets.isBlank() ? null : Path.of(secrets),
                    rest.toArray(String[]::new));
        }
    }
}
