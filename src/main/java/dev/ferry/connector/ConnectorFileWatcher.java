package dev.ferry.connector;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the connector and configuration files ({@link ConfigurationFiles}) for hot reload, and hands a changed file
 * to be reloaded once it has been quiet for the quiet period: an editor saves in several writes, and a reload of
 * half a file would fail for nothing. A reload that has to wait (a run of the connector is processing) is tried
 * again at the next tick.
 */
final class ConnectorFileWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorFileWatcher.class);

    /** What a changed file does; each answers false when the reload has to wait and be tried again. */
    interface Reload {
        boolean routeFile(Path file) throws Exception;

        boolean properties() throws Exception;

        /** The connector files that run or ran, deleted ones too: looked at again when events were lost. */
        Collection<Path> knownFiles();
    }

    private final ConfigurationFiles files;
    private final Reload reload;
    private final Clock clock;
    private final Duration quietPeriod;
    private final ScheduledExecutorService executor;
    /** Changed files, with when each last changed. */
    private final Map<Path, Instant> pending = new ConcurrentHashMap<>();
    private WatchService watcher;

    ConnectorFileWatcher(ConfigurationFiles files, Reload reload, Clock clock, Duration quietPeriod,
                         ScheduledExecutorService executor) {
        this.files = files;
        this.reload = reload;
        this.clock = clock;
        this.quietPeriod = quietPeriod;
        this.executor = executor;
    }

    void start() throws IOException {
        watcher = FileSystems.getDefault().newWatchService();
        for (Path directory : files.directories()) {
            if (Files.isDirectory(directory)) {
                directory.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            } else {
                LOG.warn("Hot reload: {} does not exist; files created there later are not watched", directory);
            }
        }
        Thread watching = new Thread(this::watch, "ferry-reload-watch");
        watching.setDaemon(true);
        watching.start();
        long tick = Math.max(50, Math.min(250, quietPeriod.toMillis() / 2));
        executor.scheduleWithFixedDelay(this::reloadDue, tick, tick, TimeUnit.MILLISECONDS);
        LOG.info("Hot reload on: watching {} and {} (a connector reloads {} ms after its file stops changing)",
                files.routeDirectories(), files.propertyFiles(), quietPeriod.toMillis());
    }

    /** Stops watching; the executor is the reloader's, which shuts it down. */
    @Override
    public void close() throws IOException {
        if (watcher != null) {
            watcher.close();
        }
    }

    private void watch() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                Path directory = (Path) key.watchable();
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        // events were lost: look at every file again
                        Instant now = clock.instant();
                        files.routeFiles().forEach(f -> pending.put(f, now));
                        reload.knownFiles().forEach(f -> pending.put(f, now));
                        files.propertyFiles().forEach(f -> pending.put(f, now));
                    } else if (event.context() instanceof Path name) {
                        Path file = directory.resolve(name).toAbsolutePath().normalize();
                        if (files.isRouteFile(file) || files.isPropertyFile(file)) {
                            pending.put(file, clock.instant());
                        }
                    }
                }
                key.reset();
            }
        } catch (ClosedWatchServiceException | InterruptedException stopped) {
            // Ferry is stopping
        } catch (IOException | RuntimeException e) {
            LOG.error("Hot reload stopped watching files: {}", e.toString(), e);
        }
    }

    /** Reloads the files that changed and have been quiet for the quiet period. */
    private void reloadDue() {
        Instant due = clock.instant().minus(quietPeriod);
        List<Path> ready = pending.entrySet().stream().filter(e -> !e.getValue().isAfter(due)).map(Map.Entry::getKey)
                .sorted().toList();
        for (Path file : ready) {
            Instant seen = pending.get(file);
            try {
                boolean done = files.isPropertyFile(file) ? reload.properties() : reload.routeFile(file);
                if (done) {
                    pending.remove(file, seen);
                }
            } catch (Exception | LinkageError e) {
                pending.remove(file, seen);
                LOG.error("Reloading {} failed: {}", file, e.toString(), e);
            }
        }
    }
}
