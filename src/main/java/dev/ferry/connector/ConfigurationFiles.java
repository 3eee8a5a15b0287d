package dev.ferry.connector;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.camel.CamelContext;

/**
 * The files hot reload looks after, as Camel was told of them: the connector files
 * ({@code camel.main.routes-include-pattern}'s {@code file:} patterns, a directory and a glob each) and the
 * configuration files (the properties component's {@code file:} locations, highest priority first).
 */
final class ConfigurationFiles {

    private final Map<Path, PathMatcher> routeDirectories = new LinkedHashMap<>();
    private final List<Path> propertyFiles = new ArrayList<>();

    ConfigurationFiles(CamelContext camel) {
        String include = camel.getPropertiesComponent().resolveProperty("camel.main.routes-include-pattern").orElse("");
        for (String pattern : include.split(",")) {
            pattern = pattern.trim();
            if (pattern.startsWith("file:")) {
                Path glob = Path.of(pattern.substring("file:".length())).toAbsolutePath().normalize();
                routeDirectories.put(glob.getParent(),
                        FileSystems.getDefault().getPathMatcher("glob:" + glob.getFileName()));
            }
        }
        for (String location : camel.getPropertiesComponent().getLocations()) {
            // file:config/application-dev.properties;optional=true
            if (location.startsWith("file:")) {
                String path = location.substring("file:".length());
                path = path.contains(";") ? path.substring(0, path.indexOf(';')) : path;
                propertyFiles.add(Path.of(path).toAbsolutePath().normalize());
            }
        }
    }

    /** The directories that hold connector files or configuration files. */
    Set<Path> directories() {
        Set<Path> directories = new LinkedHashSet<>(routeDirectories.keySet());
        propertyFiles.forEach(f -> directories.add(f.getParent()));
        return directories;
    }

    Set<Path> routeDirectories() {
        return routeDirectories.keySet();
    }

    List<Path> propertyFiles() {
        return propertyFiles;
    }

    /** The connector files there are now, sorted. */
    List<Path> routeFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path directory : routeDirectories.keySet()) {
            if (Files.isDirectory(directory)) {
                try (var list = Files.list(directory)) {
                    list.map(p -> p.toAbsolutePath().normalize()).filter(this::isRouteFile).sorted().forEach(files::add);
                }
            }
        }
        return files;
    }

    boolean isRouteFile(Path file) {
        PathMatcher matcher = routeDirectories.get(file.getParent());
        return matcher != null && matcher.matches(file.getFileName());
    }

    boolean isPropertyFile(Path file) {
        return propertyFiles.contains(file);
    }

    /** The configuration files' values, later files (lower priority) first so that earlier ones win. */
    Map<String, String> readProperties() throws IOException {
        Map<String, String> values = new HashMap<>();
        List<Path> lowestFirst = new ArrayList<>(propertyFiles);
        Collections.reverse(lowestFirst);
        for (Path file : lowestFirst) {
            if (Files.isRegularFile(file)) {
                Properties p = new Properties();
                try (InputStream in = Files.newInputStream(file)) {
                    p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
                }
                p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k).trim()));
            }
        }
        return values;
    }
}
