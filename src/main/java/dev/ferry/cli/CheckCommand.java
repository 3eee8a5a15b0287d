package dev.ferry.cli;

import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.Main;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.util.URISupport;

import dev.ferry.FerryApplication;
import dev.ferry.FerryApplication.Launch;
import dev.ferry.Installation;
import dev.ferry.Settings;
import dev.ferry.StartupRefused;
import dev.ferry.connector.ConnectorFileCheck;
import dev.ferry.connector.ConnectorFilesCollector;
import dev.ferry.connector.ConnectorReloader;
import dev.ferry.gather.Source;
import dev.ferry.gather.SourceCheck;
import dev.ferry.ops.FerryInfo;
import dev.ferry.schedule.ConnectorSchedules;

/**
 * {@code ferry check}: what {@code run} would refuse or report, found without starting anything — no broker, no
 * state database, no server, no schedule. Reads the configuration as {@code run} does (Camel Main initialised, not
 * started: its beans are made, so the sources can be asked), then each connector file: its YAML, the pieces every
 * connector needs ({@link ConnectorFileCheck}), its schedule, its target URL, and its source table and columns.
 * Every problem is printed with its file and line; the exit code is 1 if there is one.
 */
final class CheckCommand {

    private static final String DEMO_SOURCE = "#demoSource";

    private final Installation installation;
    private boolean demo;
    private final Launch launch;
    private final PrintStream out;
    private int problems;
    private int warnings;

    CheckCommand(Installation installation, Launch launch, PrintStream out) {
        this.installation = installation;
        this.launch = launch;
        this.out = out;
    }

    int run() throws Exception {
        Path config = launch.config(installation);
        out.println("Ferry " + FerryInfo.version() + ": checking instance " + installation.instance()
                + (launch.profile() == null || launch.profile().isBlank() ? "" : " (profiles " + launch.profile() + ")"));
        try {
            FerryApplication.requireVariables(installation, config, launch.profile(), launch.secrets(), System.getenv());
        } catch (StartupRefused e) {
            problem(config.toString(), e.getMessage());
            return summary(0);
        }
        ConnectorFilesCollector collector = new ConnectorFilesCollector();
        Main main = new Main();
        FerryApplication.configure(main, collector, installation, config, launch.profile(), launch.secrets());
        // what run would serve is not started here, not even bound; the ferry component, found by Camel from its
        // metadata, takes its options only
        main.addOverrideProperty("camel.server.enabled", "false");
        main.addOverrideProperty("camel.management.enabled", "false");
        // what camel.component.jms refers to; never connected here (a start makes the real one, for the broker)
        main.bind("ferryConnectionFactory", new ActiveMQConnectionFactory());
        try {
            main.init();
        } catch (Exception e) {
            problem(config.toString(), "the configuration does not load: " + ConnectorReloader.describe(e));
            return summary(0);
        }
        CamelContext camel = main.getCamelContext();
        try {
            Settings settings = new Settings(camel.getPropertiesComponent());
            ZoneId zone = settings.zone(Settings.SCHEDULE_TIME_ZONE);
            demo = settings.bool(Settings.DEMO_ENABLED);
            try {
                settings.readAll();
                settings.validate();
            } catch (IllegalArgumentException e) {
                problem(config.toString(), e.getMessage());
            }
            List<Path> files = collector.connectorFiles();
            Map<String, Path> routeIds = new HashMap<>();
            for (Path file : files) {
                checkFile(camel, file, zone, routeIds);
            }
            return summary(files.size());
        } finally {
            closeSources(camel);
            camel.close();
        }
    }

    private void checkFile(CamelContext camel, Path file, ZoneId zone, Map<String, Path> routeIds) throws Exception {
        String name = file.getFileName().toString();
        String connector = name.endsWith(".camel.yaml") ? name.substring(0, name.length() - ".camel.yaml".length()) : name;
        String shown = shown(file);
        int before = problems;
        List<RouteDefinition> routes = new ArrayList<>();
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8);
            Collection<RoutesBuilder> builders = PluginHelper.getRoutesLoader(camel)
                    .findRoutesBuilders(ResourceHelper.fromString("file:" + shown, content));
            for (RoutesBuilder builder : builders) {
                if (builder instanceof RouteBuilder routeBuilder) {
                    routeBuilder.configureRoutes(camel);
                    routes.addAll(routeBuilder.getRouteCollection().getRoutes());
                }
            }
        } catch (Exception e) {
            problem(shown, ConnectorReloader.describe(e));
            out.println("  " + connector + ": NOT LOADED");
            return;
        }
        for (ConnectorFileCheck.Problem p : ConnectorFileCheck.check(shown, connector, routes,
                camel.getPropertiesComponent())) {
            if (p.warning()) {
                warnings++;
                out.println("    " + p);
            } else {
                problem(p.toString());
            }
        }
        for (RouteDefinition route : routes) {
            Path other = route.getRouteId() == null ? null : routeIds.putIfAbsent(route.getRouteId(), file);
            if (other != null) {
                problem(shown + ":" + Math.max(route.getLineNumber(), 0), "route id '" + route.getRouteId()
                        + "' is already used by " + shown(other));
            }
        }
        String summary = schedule(camel, connector, zone);
        source(camel, shown, routes);
        out.println("  " + connector + " (" + shown + "): " + (problems == before ? "OK, " + summary : "NOT OK"));
    }

    private String schedule(CamelContext camel, String connector, ZoneId zone) {
        ConnectorSchedules.Compiled compiled = ConnectorSchedules.compile(camel, connector, zone, Instant.now());
        if (!compiled.valid()) {
            compiled.problems().forEach(p -> problem("schedule of " + connector + ": " + p));
            return "";
        }
        compiled.warnings().forEach(w -> {
            warnings++;
            out.println("    warning: schedule of " + connector + ": " + w);
        });
        ConnectorSchedules.FullRefresh full = ConnectorSchedules.compileFullRefresh(camel, connector, zone);
        full.problems().forEach(p -> problem("full-refresh schedule of " + connector + ": " + p));
        return compiled.schedule().summary() + (full.schedule() == null ? "" : "; full refresh after " + full.schedule().summary());
    }

    /** Connects to each ferry:gather step's source and checks its table and columns, as a start would. */
    private void source(CamelContext camel, String shown, List<RouteDefinition> routes) {
        for (RouteDefinition route : routes) {
            for (ToDefinition gather : gathers(route.getOutputs(), new ArrayList<>())) {
                Map<String, Object> options;
                try {
                    String uri = camel.resolvePropertyPlaceholders(gather.getEndpointUri());
                    options = uri.contains("?") ? URISupport.parseQuery(uri.substring(uri.indexOf('?') + 1)) : Map.of();
                } catch (RuntimeException | URISyntaxException e) {
                    problem(shown + ":" + Math.max(gather.getLineNumber(), 0), "ferry:gather: " + ConnectorReloader.describe(e));
                    continue;
                }
                String where = shown + ":" + Math.max(gather.getLineNumber(), 0) + ": ferry:gather";
                if (text(options, "api") != null) {
                    // an API is not called by a check: its first run says whether it answers
                    for (String required : List.of("cursorField", "keyField")) {
                        if (text(options, required) == null) {
                            problem(where + " " + required + ": an API source needs it (a field of each record)");
                        }
                    }
                    continue;
                }
                String bean = String.valueOf(options.getOrDefault("dataSource", ""));
                if (DEMO_SOURCE.equals(bean) && demo) {
                    // made and seeded by the demo when Ferry starts; a check must not create it
                    continue;
                }
                DataSource dataSource = bean.startsWith("#")
                        ? camel.getRegistry().lookupByNameAndType(bean.substring(1).replaceFirst("^bean:", ""), DataSource.class)
                        : null;
                if (dataSource == null) {
                    problem(where + " dataSource: '" + bean + "' is not a data source (camel.beans." + bean.replace("#", "")
                            + " = #class:com.zaxxer.hikari.HikariDataSource and its keys)");
                    continue;
                }
                Source source = new Source(dataSource, text(options, "table"), text(options, "query"),
                        text(options, "cursorColumn"), text(options, "keyColumn"), 1, Duration.ZERO,
                        text(options, "deleteColumn"));
                try {
                    boolean incremental = !"full".equalsIgnoreCase(text(options, "refresh"));
                    for (SourceCheck.Finding f : SourceCheck.check(source, incremental)) {
                        if (f.fatal()) {
                            problem(where + " " + f.option() + ": " + f.message());
                        } else {
                            warnings++;
                            out.println("    " + where + " " + f.option() + ": warning: " + f.message());
                        }
                    }
                } catch (SQLException | RuntimeException e) {
                    problem(where + " dataSource " + bean + ": the source does not answer: " + ConnectorReloader.describe(e));
                }
            }
        }
    }

    private static List<ToDefinition> gathers(List<ProcessorDefinition<?>> steps, List<ToDefinition> found) {
        for (ProcessorDefinition<?> step : steps) {
            if (step instanceof ToDefinition to && to.getEndpointUri() != null && to.getEndpointUri().startsWith("ferry:gather")) {
                found.add(to);
            }
            gathers(step.getOutputs(), found);
        }
        return found;
    }

    private static String text(Map<String, Object> options, String key) {
        Object value = options.get(key);
        return value == null || value.toString().isBlank() ? null : value.toString();
    }

    private int summary(int files) {
        out.println(files + " connector file" + (files == 1 ? "" : "s") + ", " + problems + " problem"
                + (problems == 1 ? "" : "s") + ", " + warnings + " warning" + (warnings == 1 ? "" : "s"));
        return problems == 0 ? 0 : 1;
    }

    private void problem(String where, String what) {
        problem(where + ": " + what);
    }

    private void problem(String line) {
        problems++;
        out.println("    " + line.replace("\n", "\n      "));
    }

    /** Relative to the instance when it is below it, as the operator knows it. */
    private String shown(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        return absolute.startsWith(installation.instance()) ? installation.instance().relativize(absolute).toString()
                : absolute.toString();
    }

    private static void closeSources(CamelContext camel) {
        for (DataSource source : camel.getRegistry().findByType(DataSource.class)) {
            if (source instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    // closing after a check: nothing to report
                }
            }
        }
    }
}
