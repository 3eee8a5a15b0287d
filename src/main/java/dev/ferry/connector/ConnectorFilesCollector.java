package dev.ferry.connector;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.DefaultRoutesCollector;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.RoutesLoader;
import org.apache.camel.support.PluginHelper;
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

    private final Set<Path> connectorFiles = new LinkedHashSet<>();

    /** The connector files found, in the order Camel found them. */
    public synchronized List<Path> connectorFiles() {
        return List.copyOf(connectorFiles);
    }

    /**
     * The route files, without those that are not even YAML: Camel Main reads every file it finds before it
     * collects routes (for beans and modelines) and would stop at such a file. They are connectors to
     * report.
     */
    @Override
    public Collection<Resource> findRouteResourcesFromDirectory(CamelContext camel, String excludePattern,
                                                                String includePattern) {
        Collection<Resource> found = super.findRouteResourcesFromDirectory(camel, excludePattern, includePattern);
        List<Resource> readable = new ArrayList<>();
        for (Resource resource : found) {
            Path file = fileOf(resource);
            if (file != null && isYaml(file) && !parses(resource)) {
                synchronized (this) {
                    connectorFiles.add(file);
                }
            } else {
                readable.add(resource);
            }
        }
        return readable;
    }

    /**
     * The files a routes include pattern names ({@code file:<dir>/*.camel.yaml}, comma-separated; {@code classpath:}
     * entries are Ferry's own, not connectors), in name order — as Camel Main finds them, without a CamelContext.
     */
    public static List<Path> files(String includePattern) throws java.io.IOException {
        List<Path> files = new ArrayList<>();
        for (String pattern : includePattern.split(",")) {
            pattern = pattern.trim();
            if (!pattern.startsWith("file:")) {
                continue;
            }
            Path glob = Path.of(pattern.substring("file:".length())).toAbsolutePath().normalize();
            java.nio.file.PathMatcher matcher = java.nio.file.FileSystems.getDefault()
                    .getPathMatcher("glob:" + glob.getFileName());
            if (java.nio.file.Files.isDirectory(glob.getParent())) {
                try (var list = java.nio.file.Files.list(glob.getParent())) {
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

    private static boolean parses(Resource resource) {
        try (java.io.Reader reader = resource.getReader()) {
            for (Object document : new Load(LoadSettings.builder().build()).loadAllFromReader(reader)) {
                // reading each document is what finds its syntax errors
                java.util.Objects.hashCode(document);
            }
            return true;
        } catch (Exception e) {
            return false;
        }
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
                if (!definesRoutes(camel, found)) {
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
    private static boolean definesRoutes(CamelContext camel, Collection<RoutesBuilder> found) throws Exception {
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
