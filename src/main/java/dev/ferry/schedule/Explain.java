package dev.ferry.schedule;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

import org.apache.camel.impl.DefaultCamelContext;

import dev.ferry.FerryApplication;
import dev.ferry.Installation;
import dev.ferry.connector.ConnectorFilesCollector;
import dev.ferry.Settings;

/**
 * {@code explain [connector ...] [--count N]}: each connector's schedule in words and its next N fire
 * times (10 by default), read from the configuration without starting anything. Without connector ids,
 * every connector file the configuration names (the instance's {@code routes/}). Exit code 0 when every schedule is valid, 1 otherwise —
 * so it also checks a configuration before it is deployed.
 */
public final class Explain {

    private static final DateTimeFormatter FIRE = DateTimeFormatter.ofPattern("EEE yyyy-MM-dd HH:mm:ss xxx", Locale.ENGLISH);

    private Explain() {
    }

    public static int run(List<String> args, Installation installation, Path config, String profile, Clock clock,
                          PrintStream out) throws IOException {
        int count = 10;
        List<String> connectors = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if ("--count".equals(args.get(i)) && i + 1 < args.size()) {
                count = Integer.parseInt(args.get(++i));
            } else {
                connectors.add(args.get(i));
            }
        }
        // Only its properties are used: the context is never started, so it has nothing to stop either.
        DefaultCamelContext camel = new DefaultCamelContext();
        {
            Properties initial = new Properties();
            initial.putAll(installation.properties());
            camel.getPropertiesComponent().setInitialProperties(initial);
            camel.getPropertiesComponent().setLocation(FerryApplication.propertyLocations(config, installation.defaults(),
                    profile));
            if (connectors.isEmpty()) {
                connectors = connectorFiles(ConnectorFilesCollector.files(camel.getPropertiesComponent()
                        .resolveProperty("camel.main.routes-include-pattern").orElse("file:" + installation.routes()
                                + "/*.camel.yaml")));
            }
            Settings settings = new Settings(camel.getPropertiesComponent());
            ZoneId zone = settings.zone(Settings.SCHEDULE_TIME_ZONE);
            settings.validate();
            boolean allValid = true;
            for (String connector : connectors) {
                ConnectorSchedules.Compiled c = ConnectorSchedules.compile(camel, connector, zone, clock.instant());
                if (!c.valid()) {
                    allValid = false;
                    out.println(connector + ": INVALID SCHEDULE");
                    c.problems().forEach(p -> out.println("  " + p));
                    continue;
                }
                out.println(connector + ": " + c.schedule().summary());
                c.warnings().forEach(w -> out.println("  warning: " + w));
                List<ZonedDateTime> next = c.schedule().next(clock.instant(), count);
                if (next.isEmpty()) {
                    out.println("  no further fire times");
                }
                next.forEach(t -> out.println("  " + FIRE.format(t)));
            }
            return allValid ? 0 : 1;
        }
    }

    /** Connector ids: route files that hold a ferry:gather step, named {@code <connector>.camel.yaml}. */
    static List<String> connectorFiles(List<Path> files) throws IOException {
        List<String> ids = new ArrayList<>();
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.endsWith(".camel.yaml") && Files.readString(file).contains("ferry:gather")) {
                ids.add(name.substring(0, name.length() - ".camel.yaml".length()));
            }
        }
        return ids;
    }
}
