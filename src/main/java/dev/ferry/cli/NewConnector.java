package dev.ferry.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.ferry.Installation;
import dev.ferry.connector.Connector;
import dev.ferry.ops.FerryInfo;

/**
 * {@code ferry new-connector}: writes {@code routes/<id>.camel.yaml} and appends the connector's keys to the
 * instance's configuration — a connector that runs as written (the record posted as JSON as gathered), with
 * every piece a deliver route needs in place and explained, to be edited from there.
 */
final class NewConnector {

    static final String USAGE = """
            Usage: ferry new-connector <id> --table <table> --cursor <column> --key <column> --target <url>
                                       [--delete-column <column>] [--data-source <bean>] [--every <interval>]
            Writes routes/<id>.camel.yaml and appends <id>.* keys to config/application.properties:
              <id>             lower-case letters, digits and dashes (e.g. customers-to-crm)
              --table          the source table or view
              --cursor         a column that grows with every change (a timestamp, or a version number)
              --key            the table's unique key column
              --target         the HTTP(S) URL each record is POSTed to
              --delete-column  a soft-delete column: a row where it is true (or set) is sent as DELETE <url>/<key>
              --data-source    the source database's bean (default: source, camel.beans.source.*)
              --every          how often it runs (default 15m; other schedules: <id>.schedule.* keys)""";

    private static final String TEMPLATES = "/dev/ferry/cli/connector/";
    /** A SQL name the route file may carry as it is: letters, digits, _ and $, optionally schema-qualified. */
    private static final Pattern SQL_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?");
    private static final Set<String> OPTIONS = Set.of("--table", "--cursor", "--key", "--target", "--delete-column",
            "--data-source", "--every");

    private NewConnector() {
    }

    static int run(Installation installation, List<String> args, PrintStream out, PrintStream err) throws IOException {
        String id = null;
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (OPTIONS.contains(arg) && i + 1 < args.size()) {
                options.put(arg, args.get(++i));
            } else if (arg.startsWith("-") || id != null) {
                throw new FerryCli.UsageException("ferry new-connector: unexpected '" + arg + "'\n" + USAGE);
            } else {
                id = arg;
            }
        }
        for (String required : List.of("--table", "--cursor", "--key", "--target")) {
            if (id == null || !options.containsKey(required)) {
                throw new FerryCli.UsageException("ferry new-connector: " + (id == null ? "<id>" : required)
                        + " is required\n" + USAGE);
            }
        }
        if (!Connector.validId(id)) {
            throw new FerryCli.UsageException("ferry new-connector: '" + id + "' is not a connector id: lower-case"
                    + " letters, digits and dashes, e.g. customers-to-crm");
        }
        for (String column : List.of("--table", "--cursor", "--key", "--delete-column")) {
            String name = options.get(column);
            if (name != null && !SQL_NAME.matcher(name).matches()) {
                throw new FerryCli.UsageException("ferry new-connector: " + column + " '" + name + "' is not a plain SQL"
                        + " name (letters, digits, _ and $, optionally schema.name); for a quoted name, edit the file");
            }
        }
        String target = options.get("--target");
        if (!target.startsWith("http://") && !target.startsWith("https://")) {
            throw new FerryCli.UsageException("ferry new-connector: --target must be an http:// or https:// URL, was '"
                    + target + "'");
        }
        String dataSource = options.getOrDefault("--data-source", "source");
        if (!SQL_NAME.matcher(dataSource).matches() || dataSource.contains(".")) {
            throw new FerryCli.UsageException("ferry new-connector: --data-source is a bean name, was '" + dataSource + "'");
        }
        String every = options.getOrDefault("--every", "15m");
        if (!every.matches("\\d+[smhd]|\\d+h\\d+m")) {
            throw new FerryCli.UsageException("ferry new-connector: --every is an interval such as 15m or 6h, was '"
                    + every + "'");
        }

        Path routeFile = installation.routes().resolve(id + ".camel.yaml");
        Path config = installation.config();
        if (Files.exists(routeFile)) {
            err.println("ferry new-connector: " + routeFile + " exists; nothing was changed");
            return 1;
        }
        if (Files.isRegularFile(config) && Pattern.compile("(?m)^\\s*" + Pattern.quote(id) + "\\.")
                .matcher(Files.readString(config, StandardCharsets.UTF_8)).find()) {
            err.println("ferry new-connector: " + config + " has " + id + ".* keys already; nothing was changed");
            return 1;
        }
        String delete = options.get("--delete-column");
        Map<String, String> values = new LinkedHashMap<>();
        values.put("@DELETE_STEPS@", delete == null ? "" : template("delete-steps.yaml").stripTrailing());
        values.put("@DELETE_COLUMN@", delete == null ? ""
                : "              # a row where it is true (or set) is delivered as a delete (FerryOperation = DELETE)\n"
                + "              deleteColumn: " + delete);
        values.put("@DELETE@", delete == null ? "" : delete);
        values.put("@ID@", id);
        values.put("@TABLE@", options.get("--table"));
        values.put("@CURSOR@", options.get("--cursor"));
        values.put("@KEY@", options.get("--key"));
        values.put("@TARGET@", target);
        values.put("@DATA_SOURCE@", dataSource);
        values.put("@SCHEDULE@", id + ".schedule.every = " + every);
        values.put("@VERSION@", FerryInfo.version());

        Files.createDirectories(routeFile.getParent());
        // an option left out leaves an empty line behind
        String route = fill(template("connector.camel.yaml"), values).replaceAll("\n{2,}", "\n");
        Files.writeString(routeFile, route, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
        Files.writeString(config, fill(template("keys.properties"), values), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        out.println("Wrote " + routeFile + " and the keys " + id + ".* in " + config + ".");
        out.println("Next: " + installation.instance().resolve("bin/ferry") + " check");
        return 0;
    }

    private static String fill(String text, Map<String, String> values) {
        for (Map.Entry<String, String> value : values.entrySet()) {
            text = text.replace(value.getKey(), value.getValue());
        }
        return text;
    }

    private static String template(String name) throws IOException {
        try (InputStream in = NewConnector.class.getResourceAsStream(TEMPLATES + name)) {
            if (in == null) {
                throw new IllegalStateException("Ferry's jar lacks " + TEMPLATES + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
