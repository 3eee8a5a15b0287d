package dev.ferry.connector;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.DefaultRoutesCollector;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.RoutesLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.util.IOHelper;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Camel Main's route collector, file by file: a route file that defines routes is a connector, and it is
 * left to {@link ConnectorReloader#loadConnectors} — which loads each connector on its own once Camel
 * runs, so a broken file (invalid YAML, an unknown component, a missing property, an endpoint that cannot
 * be created) is reported with its file and line and skipped, and the other connectors run. Camel's own
 * loading is all or nothing: one such file would stop Ferry from starting.
 *
 * <p>Files without routes (the shared error handling, {@code routeConfiguration}) and resources that are
 * not files go to Camel as usual: connectors refer to them when they are created.
 */
public final class ConnectorFilesCollector extends DefaultRoutesCollector {

    /** Keys of a YAML DSL file's top-level items that make routes. */
    private static final Set<String> ROUTE_KINDS = Set.of("route", "from", "rest", "templatedRoute");
    /**
     * A top-level item that makes routes, as connector files (and {@code ferry new-connector}) write it: found in the
     * text, it spares parsing the file, which was a twentieth of a thousand connectors' start-up. Anything else is
     * parsed.
     */
    private static final Pattern TOP_LEVEL_ROUTE = Pattern.compile("^- (" + String.join("|", ROUTE_KINDS) + "):",
            Pattern.MULTILINE);

    private final Set<Path> connectorFiles = new LinkedHashSet<>();
    /**
     * Whether each file found is a connector, decided once: Camel Main asks for the route files twice (for modelines
     * and beans, then for routes); with 1,000 connector files, reading them for both took a second of the start-up.
     */
    private final Map<Path, Boolean> connectors = new HashMap<>();

    /**
     * The connector files found, in name order: Camel lists a directory in the file system's order, which differs
     * from one file system to another, and connectors that are due at the same time start in this order.
     */
    public synchronized List<Path> connectorFiles() {
        return connectorFiles.stream().sorted().toList();
    }

    /**
     * The route files that are not connectors (files without routes, such as shared route configurations, and
     * resources that are not files); the connectors are kept for {@link ConnectorReloader} and not read by Camel
     * Main at all. A YAML file that does not parse counts as a connector, to be reported with its file and line.
     */
    @Override
    public Collection<Resource> findRouteResourcesFromDirectory(CamelContext camel, String excludePattern,
                                                                String includePattern) {
        Collection<Resource> found = super.findRouteResourcesFromDirectory(camel, excludePattern, includePattern);
        List<Resource> others = new ArrayList<>();
        for (Resource resource : found) {
            Path file = fileOf(resource);
            if (file != null && isYaml(file) && isConnector(file, resource)) {
                synchronized (this) {
                    connectorFiles.add(file);
                }
            } else {
                others.add(resource);
            }
        }
        return others;
    }

    private synchronized boolean isConnector(Path file, Resource resource) {
        return connectors.computeIfAbsent(file, f -> definesRoutes(resource));
    }

    /**
     * Whether a YAML file defines routes, read from its top-level items: Camel's YAML DSL has a list of them, and a
     * route, a {@code from}, a REST service or a templated route make routes. A file that does not parse, or is not
     * such a list, is left to the connector loader, which says what is wrong with it.
     */
    private static boolean definesRoutes(Resource resource) {
        try (Reader reader = resource.getReader()) {
            String text = IOHelper.toString(reader);
            if (TOP_LEVEL_ROUTE.matcher(text).find()) {
                return true;
            }
            for (Object document : new Load(LoadSettings.builder().build()).loadAllFromString(text)) {
                if (document == null) {
                    continue;
                }
                if (!(document instanceof List<?> items)) {
                    return true;
                }
                for (Object item : items) {
                    if (!(item instanceof Map<?, ?> map) || map.keySet().stream().anyMatch(ROUTE_KINDS::contains)) {
                        return true;
                    }
                }
            }
            return false;
        } catch (Exception e) {
            return true;
        }
    }

    /**
     * The files a routes include pattern names ({@code file:<dir>/*.camel.yaml}, comma-separated; {@code classpath:}
     * entries are Ferry's own, not connectors), in name order — as Camel Main finds them, without a CamelContext.
     */
    public static List<Path> files(String includePattern) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String pattern : includePattern.split(",")) {
            pattern = pattern.trim();
            if (!pattern.startsWith("file:")) {
                continue;
            }
            Path glob = Path.of(pattern.substring("file:".length())).toAbsolutePath().normalize();
            PathMatcher matcher = FileSystems.getDefault()
                    .getPathMatcher("glob:" + glob.getFileName());
            if (Files.isDirectory(glob.getParent())) {
                try (var list = Files.list(glob.getParent())) {
                    list.filter(f -> matcher.matches(f.getFileName())).sorted().forEach(files::add);
                }
            }
        }
        return files;
    }

    private static boolean isYaml(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    @Override
    protected void doCollectRoutesFromDirectory(CamelContext camel, List<RoutesBuilder> builders, String excludePattern,
                                                String includePattern, boolean optional) {
        RoutesLoader loader = PluginHelper.getRoutesLoader(camel);
        for (Resource resource : findRouteResourcesFromDirectory(camel, excludePattern, includePattern)) {
            Path file = fileOf(resource);
            if (file == null) {
                super.doCollectRoutesFromDirectory(camel, builders, excludePattern, resource.getLocation(), optional);
                continue;
            }
            Collection<RoutesBuilder> found;
            try {
                found = loader.findRoutesBuilders(List.of(resource), optional);
                if (!modelHasRoutes(camel, found)) {
                    builders.addAll(found);
                    continue;
                }
            } catch (Exception e) {
                // reported, with its file and line, when the connector is loaded
            }
            synchronized (this) {
                connectorFiles.add(file);
            }
        }
    }

    /** Builds the files' model (no route is created) to see whether it has routes. */
    private static boolean modelHasRoutes(CamelContext camel, Collection<RoutesBuilder> found) throws Exception {
        for (RoutesBuilder builder : found) {
            if (!(builder instanceof RouteBuilder routes)) {
                return false;
            }
            routes.configureRoutes(camel);
            if (!routes.getRouteCollection().getRoutes().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private static Path fileOf(Resource resource) {
        String location = resource.getLocation();
        if (location == null || !location.startsWith("file:")) {
            return null;
        }
        return Path.of(location.substring("file:".length())).toAbsolutePath().normalize();
    }
}
