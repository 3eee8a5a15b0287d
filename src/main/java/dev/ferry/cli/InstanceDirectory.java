package dev.ferry.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.ferry.Installation;
import dev.ferry.ops.FerryInfo;

/**
 * An instance directory, as {@code artemis create} makes one: {@code ferry create <dir>} writes
 * {@code bin/ferry} (which runs this installation for the instance), {@code config/application.properties} (what the
 * instance changes over the installation's defaults), {@code config/jvm.options}, and empty {@code routes/},
 * {@code data/} and {@code logs/}. {@code ferry upgrade <dir>} points an instance at this installation.
 */
final class InstanceDirectory {

    static final String CREATE_USAGE = """
            Usage: ferry create <directory> [--port <n>] [--management-port <n>]
            Makes a Ferry instance in <directory> (which must not exist or be empty): bin/ferry, config/ with
            application.properties and jvm.options, and empty routes/, data/ and logs/. The instance runs with
            <directory>/bin/ferry run from any working directory. Ports: the API's (8080) and the management
            server's (9876).""";
    static final String UPGRADE_USAGE = """
            Usage: ferry upgrade <instance>
            Points a stopped instance at this installation (rewrites FERRY_HOME in <instance>/bin/ferry). Its
            configuration, connectors and data stay as they are; the state database is migrated when the instance
            next starts.""";

    private static final String TEMPLATES = "/dev/ferry/cli/instance/";
    private static final Pattern HOME_LINE = Pattern.compile("(?m)^FERRY_HOME='([^']*)'$");

    private InstanceDirectory() {
    }

    static int create(List<String> args, PrintStream out, PrintStream err) throws IOException {
        String directory = null;
        String port = "8080";
        String managementPort = "9876";
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (("--port".equals(arg) || "--management-port".equals(arg)) && i + 1 < args.size()) {
                String value = args.get(++i);
                if (!value.matches("\\d{1,5}")) {
                    throw new FerryCli.UsageException("ferry create: " + arg + " is a port number, not '" + value + "'");
                }
                if ("--port".equals(arg)) {
                    port = value;
                } else {
                    managementPort = value;
                }
            } else if (arg.startsWith("-") || directory != null) {
                throw new FerryCli.UsageException("ferry create: unexpected '" + arg + "'\n" + CREATE_USAGE);
            } else {
                directory = arg;
            }
        }
        if (directory == null) {
            throw new FerryCli.UsageException(CREATE_USAGE);
        }
        Path home = home();
        Path instance = Path.of(directory).toAbsolutePath().normalize();
        if (Files.exists(instance) && (!Files.isDirectory(instance) || hasFiles(instance))) {
            err.println("ferry create: " + instance + " exists and is not an empty directory; nothing was changed");
            return 1;
        }
        Map<String, String> values = Map.of("@INSTANCE@", instance.toString(), "@HOME@", home.toString(),
                "@VERSION@", FerryInfo.version(), "@PORT@", port, "@MANAGEMENT_PORT@", managementPort);
        for (String dir : new String[] {"bin", "config", Installation.ROUTES, "data", "logs"}) {
            Files.createDirectories(instance.resolve(dir));
        }
        write(instance.resolve("config/application.properties"), "application.properties", values);
        write(instance.resolve("config/jvm.options"), "jvm.options", values);
        Path launcher = instance.resolve("bin/ferry");
        write(launcher, "ferry", values);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        out.println("Created a Ferry instance in " + instance + " (Ferry " + FerryInfo.version() + " from " + home + ").");
        out.println();
        out.println("Next:");
        out.println("  set the source database in " + instance.resolve("config/application.properties"));
        out.println("  " + launcher + " new-connector <id> --table <table> --cursor <column> --key <column> --target <url>");
        out.println("  " + launcher + " check");
        out.println("  " + launcher + " run");
        return 0;
    }

    static int upgrade(List<String> args, PrintStream out, PrintStream err) throws IOException {
        if (args.size() != 1 || args.get(0).startsWith("-")) {
            throw new FerryCli.UsageException(UPGRADE_USAGE);
        }
        Path instance = Path.of(args.get(0)).toAbsolutePath().normalize();
        Path launcher = instance.resolve("bin/ferry");
        String script = Files.isRegularFile(launcher) ? Files.readString(launcher, StandardCharsets.UTF_8) : "";
        Matcher line = HOME_LINE.matcher(script);
        if (!line.find()) {
            err.println("ferry upgrade: " + instance + " is not a Ferry instance (no FERRY_HOME line in " + launcher
                    + "); nothing was changed");
            return 1;
        }
        Path home = home();
        String before = line.group(1);
        Files.writeString(launcher, line.replaceFirst(Matcher.quoteReplacement("FERRY_HOME='" + home + "'")),
                StandardCharsets.UTF_8);
        out.println("Instance " + instance + ": installation " + before + " -> " + home + " (Ferry "
                + FerryInfo.version() + ").");
        out.println("Start it with " + launcher + " run; the state database is migrated then.");
        return 0;
    }

    private static Path home() {
        return Installation.currentHome().orElseThrow(() -> new FerryCli.UsageException(
                "ferry: FERRY_HOME is not set; run the installation's bin/ferry"));
    }

    private static boolean hasFiles(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            return files.findAny().isPresent();
        }
    }

    private static void write(Path file, String template, Map<String, String> values) throws IOException {
        String text;
        try (InputStream in = InstanceDirectory.class.getResourceAsStream(TEMPLATES + template)) {
            if (in == null) {
                throw new IllegalStateException("Ferry's jar lacks " + TEMPLATES + template);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (Map.Entry<String, String> value : values.entrySet()) {
            text = text.replace(value.getKey(), value.getValue());
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
