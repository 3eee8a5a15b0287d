package dev.ferry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

/**
 * Starts Ferry: Camel Main with the connector files and the properties under {@code config/}.
 *
 * <p>The configuration file is {@code config/application.properties} unless {@code --config <file>}
 * or the environment variable {@code FERRY_CONFIG} names another one. A profile
 * ({@code --profile <name>} or {@code FERRY_PROFILE}) adds {@code application-<name>.properties}
 * from the same directory on top of it.
 */
public final class FerryApplication {

    static final String DEFAULT_CONFIG = "config/application.properties";
    static final String DEFAULT_ROUTES = "file:routes/*.camel.yaml";

    private FerryApplication() {
    }

    public static void main(String[] args) {
        try {
            Launch launch = Launch.parse(args, System.getenv());
            Main main = newMain(launch.config(), launch.profile());
            main.run(launch.camelArgs());
        } catch (Exception e) {
            LoggerFactory.getLogger(FerryApplication.class).error("Ferry could not start: {}", e.getMessage(), e);
            // The broker's non-daemon threads would otherwise keep a half-started process alive.
            System.exit(1);
        }
    }

    /** A Camel Main set up exactly as Ferry runs; tests add override properties and start it. */
    public static Main newMain(Path config, String profile) {
        if (!Files.isRegularFile(config)) {
            throw new IllegalArgumentException("Ferry configuration file not found: " + config.toAbsolutePath()
                    + " (set --config <file> or FERRY_CONFIG)");
        }
        Main main = new Main();
        String locations = "file:" + config;
        if (profile != null && !profile.isBlank()) {
            Path overlay = config.resolveSibling("application-" + profile + ".properties");
            // Listed first so that the profile's values win over the base file's.
            locations = "file:" + overlay + ";optional=true," + locations;
            main.configure().setProfile(profile);
        }
        main.setPropertyPlaceholderLocations(locations);
        main.configure().withRoutesIncludePattern(DEFAULT_ROUTES);
        main.configure().addConfiguration(FerryConfiguration.class);
        return main;
    }

    /** Command-line and environment choices, parsed before Camel sees the remaining arguments. */
    record Launch(Path config, String profile, String[] camelArgs) {

        static Launch parse(String[] args, Map<String, String> env) {
            String config = env.getOrDefault("FERRY_CONFIG", DEFAULT_CONFIG);
            String profile = env.get("FERRY_PROFILE");
            List<String> rest = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (("--config".equals(arg) || "--profile".equals(arg)) && i + 1 >= args.length) {
                    throw new IllegalArgumentException(arg + " needs a value");
                }
                if ("--config".equals(arg)) {
                    config = args[++i];
                } else if (arg.startsWith("--config=")) {
                    config = arg.substring("--config=".length());
                } else if ("--profile".equals(arg)) {
                    profile = args[++i];
                } else if (arg.startsWith("--profile=")) {
                    profile = arg.substring("--profile=".length());
                } else {
                    rest.add(arg);
                }
            }
            return new Launch(Path.of(config), profile, rest.toArray(String[]::new));
        }
    }
}
