package dev.ferry.connector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.CamelContext;
import org.apache.camel.Component;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.EndpointHelper;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.schedule.ConnectorSchedules;

/**
 * Loads the connector files at start-up, and with hot reload ({@code ferry.reload.enabled}, on in the dev profile)
 * reloads only the connectors a changed file concerns, with the others untouched: the connector route files
 * ({@code camel.main.routes-include-pattern}) and the configuration files ({@link ConfigurationFiles}), watched by
 * {@link ConnectorFileWatcher}.
 *
 * <p>A reload swaps the connector's routes: the new file is parsed and checked first (route ids, schedule),
 * then the old routes are removed and the new ones added. If anything fails — invalid YAML, an unknown
 * endpoint or option, a bad schedule — the error is logged with the file (and the line, where Camel's
 * parser gives one) and the last good version is put back, so the connector keeps running; Camel's own
 * route reload, by contrast, can leave no routes after a bad save. The watermark, the sync queue and the
 * ledgers are state, not routes: a reload does not touch them. A connector with a run processing is
 * reloaded when the run has queued its records.
 *
 * <p>A changed property reloads the connectors whose keys it has ({@code <connector>.*}); if the reload
 * fails, the connector's previous values are kept for it (as override properties) until a later edit
 * works. Other keys take effect at the next start, as the log says.
 */
public final class ConnectorReloader extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorReloader.class);
    private static final String SUFFIX = ".camel.yaml";
    /** Connectors whose routes start in one call to Camel at start-up ({@link #startAll}). */
    private static final int START_CHUNK = 50;
    /** The step a route-creation error names ({@link #located}), and the route. */
    private static final Pattern FAILED_AT = Pattern.compile(">>> \\w+\\[([^\\]?]+)");
    private static final Pattern ROUTE_ID = Pattern.compile("route:? ([\\w.-]+)");

    /** What a reload did, for the log, the API and tests. */
    public record Outcome(String connector, String file, boolean reloaded, String message, Instant at) {
    }

    /** Told when a connector appears or disappears, to give it (or take away) its MBean, gauges and health check. */
    public interface Listener {
        void added(String connector) throws Exception;

        void removed(String connector) throws Exception;
    }

    private final CamelContext camel;
    private final Connectors connectors;
    private final ConnectorClaims claims;
    private final ConnectorSchedules schedules;
    private final Listener listener;
    private final Clock clock;
    private final Duration quietPeriod;
    private final ScheduledExecutorService executor;
    private final boolean watch;
    /** How many connectors' routes start before Ferry reports ready ({@code ferry.connectors.start-before-ready}). */
    private final int startBeforeReady;

    /** The files watched, known once watching begins. */
    private ConfigurationFiles files;
    /** Last good content of each route file, and the ids of the routes it runs. */
    private final Map<Path, String> good = new HashMap<>();
    private final Map<Path, Set<String>> routesOf = new HashMap<>();
    /** Property values in effect (as last read from the files and accepted). */
    private Map<String, String> accepted = Map.of();
    /** Keys held at their previous value for a connector whose reload with the new value failed. */
    private final PinnedProperties pinned;
    private final Set<Path> waitingLogged = new LinkedHashSet<>();
    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    /**
     * Connectors defined at start-up whose routes start after Ferry is ready, in the order they start: the soonest due
     * first. Each is known already (listed, tracked); {@link #startNow} brings one forward.
     */
    private final Map<String, Prepared> waiting = new LinkedHashMap<>();
    private int filesFound;
    /** {@link #waiting}'s size, for readers that must not wait for the loader. */
    private volatile int waitingCount;
    private volatile boolean loaded;
    private volatile boolean allStarted;
    private ConnectorFileWatcher watcher;

    public ConnectorReloader(CamelContext camel, Connectors connectors, ConnectorClaims claims, ConnectorSchedules schedules,
                             Listener listener, Clock clock, Duration quietPeriod, ScheduledExecutorService executor,
                             boolean watch, int startBeforeReady) {
        this.camel = camel;
        this.connectors = connectors;
        this.claims = claims;
        this.schedules = schedules;
        this.listener = listener;
        this.clock = clock;
        this.pinned = new PinnedProperties(camel);
        this.quietPeriod = quietPeriod;
        this.executor = executor;
        this.watch = watch;
        this.startBeforeReady = startBeforeReady;
        connectors.starter(this::startNow);
    }

    /** The last reload of the connector, if there was one. */
    public Optional<Outcome> lastOutcome(String connector) {
        return Optional.ofNullable(outcomes.get(connector));
    }

    /**
     * Loads the connector files Camel Main found ({@link ConnectorFilesCollector}) once Camel runs, each on its
     * own: a file that does not load is reported with its file (and line) and skipped, and the others run.
     * Connectors that missed fires while Ferry was stopped run once. Every file is parsed and checked before Ferry
     * is ready, and every connector is known; the routes of the first {@code startBeforeReady} start then, those due
     * first, and the others' right after, in the background ({@link #startWaiting}). Then, with hot reload on, the
     * files are watched — a skipped file loads when it is saved fixed.
     */
    public synchronized void loadConnectors(List<Path> files) throws Exception {
        FaultHooks faults = camel.getRegistry().lookupByNameAndType(FaultHooks.BEAN, FaultHooks.class);
        if (faults != null) {
            faults.beforeConnectorsLoad();
        }
        filesFound = files.size();
        try {
            load(files);
        } finally {
            // a clustered job store holds every connector's triggers: a fire here needs the connector's routes
            if (waiting.isEmpty() || !schedules.clustered()) {
                schedules.startScheduler();
            }
        }
        loaded = true;
        if (waiting.isEmpty()) {
            everyConnectorStarted();
            return;
        }
        LOG.info("Ready with {} connector(s) running; the routes of the other {} start now in the background, soonest"
                + " due first (one at once when an operator acts on it)", routesOf.size(), waiting.size());
        FaultHooks hooks = faults == null ? FaultHooks.NONE : faults;
        executor.execute(() -> {
            hooks.beforeWaitingConnectorsStart();
            startWaiting();
        });
    }

    /** Whether Ferry is ready: every connector file found at start-up is checked, the connectors due first run. */
    public boolean loaded() {
        return loaded;
    }

    /** Whether every connector loaded at start-up runs: none waits for its routes to start. */
    public boolean allStarted() {
        return allStarted;
    }

    /** How many connectors known since start-up still wait for their routes to start. */
    public int waiting() {
        return waitingCount;
    }

    /**
     * The waiting connectors' routes, {@value #START_CHUNK} connectors at a time, each step holding the loader only
     * for itself: an operator's action ({@link #startNow}) or a reload waits for one step at most.
     */
    private void startWaiting() {
        while (true) {
            synchronized (this) {
                if (isStoppingOrStopped() || camel.isStopping() || !camel.isStarted()) {
                    return;
                }
                if (waiting.isEmpty()) {
                    try {
                        schedules.startScheduler();
                        everyConnectorStarted();
                    } catch (Exception e) {
                        LOG.error("Every connector runs, but {}", describe(e), e);
                    }
                    return;
                }
                List<Prepared> step = new ArrayList<>();
                var next = waiting.values().iterator();
                while (next.hasNext() && step.size() < START_CHUNK) {
                    step.add(next.next());
                    next.remove();
                }
                waitingCount = waiting.size();
                catchUp(startTogether(step));
            }
        }
    }

    /** An operator acts on a connector whose routes still wait to start: they start now, in the caller's thread. */
    synchronized void startNow(String connector) {
        Prepared p = waiting.remove(connector);
        waitingCount = waiting.size();
        if (p != null) {
            LOG.info("Connector {}: its routes start now, ahead of their turn, for an operator's action", connector);
            catchUp(startTogether(List.of(p)));
        }
    }

    private void catchUp(List<String> started) {
        for (String connector : started) {
            try {
                schedules.catchUp(connector);
            } catch (Exception e) {
                LOG.warn("Connector {}: whether it missed fires could not be told: {}", connector, describe(e));
            }
        }
    }

    /** Every connector found at start-up runs, or was reported: hot reload may watch the files now. */
    private void everyConnectorStarted() throws IOException {
        allStarted = true;
        LOG.info("Connectors loaded: {} of {} file(s) run{}", routesOf.size(), filesFound,
                routesOf.size() == filesFound ? "" : "; the others are reported above with their problems");
        if (watch) {
            begin();
        }
    }

    private void load(List<Path> files) throws Exception {
        List<Prepared> prepared = new ArrayList<>();
        // route ids of the files prepared so far: routesOf knows them only once their routes run
        Map<String, Path> claimed = new HashMap<>();
        for (Path file : files) {
            String connector = connectorOf(file);
            String content;
            try {
                content = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException | UncheckedIOException e) {
                rejected(file, connector, display(file) + ": cannot be read: " + describe(e), true);
                continue;
            }
            Prepared p = prepare(file, connector, content, true);
            Optional<String> taken = p == null ? Optional.empty() : p.ids().stream().filter(claimed::containsKey)
                    .map(id -> display(file) + ": route id '" + id + "' is already used by " + display(claimed.get(id)))
                    .findFirst();
            if (taken.isPresent()) {
                rejected(file, connector, taken.get(), true);
            } else if (p != null) {
                p.ids().forEach(id -> claimed.put(id, file));
                prepared.add(p);
            }
        }
        try {
            schedules.states().preload(prepared.stream().map(Prepared::connector).toList());
        } catch (SQLException e) {
            // each connector asks on its own, and says so if it cannot
            LOG.debug("The connectors' states could not be read at once", e);
        }
        try {
            List<Prepared> due = new ArrayList<>(prepared);
            Map<String, Instant> dueAt = new HashMap<>();
            due.forEach(p -> dueAt.put(p.connector(), schedules.dueAt(p.connector())));
            due.sort(Comparator.comparing((Prepared p) -> dueAt.get(p.connector())));
            int first = Math.min(due.size(), startBeforeReady);
            catchUp(startAll(due.subList(0, first)));
            for (Prepared p : due.subList(first, due.size())) {
                define(p);
            }
        } finally {
            schedules.states().preloaded();
        }
    }

    /**
     * A connector whose routes start after Ferry is ready: known now — its {@code ferry:gather} step's options make its
     * definition, as the route's endpoint will, without starting anything — with its MBean, gauges and health check.
     */
    private void define(Prepared p) {
        Component ferry = camel.getComponent("ferry");
        for (ToDefinition gather : ConnectorFileCheck.gatherSteps(routes(p.builders()))) {
            try {
                ferry.createEndpoint(EndpointHelper.resolveEndpointUriPropertyPlaceholders(camel, gather.getEndpointUri()));
            } catch (Exception e) {
                rejected(p.file(), p.connector(), display(p.file()) + ":" + gather.getLineNumber() + ": ferry:gather: "
                        + describe(e), true);
                return;
            }
        }
        try {
            listener.added(p.connector());
        } catch (Exception e) {
            LOG.warn("Connector {}: its MBean, gauges or health check could not be set up: {}", p.connector(), e.toString());
        }
        waiting.put(p.connector(), p);
        waitingCount = waiting.size();
    }

    /**
     * Adds the routes of the prepared files to Camel {@value #START_CHUNK} connectors at a time: within a call Camel
     * compares every route's step ids with every other route's, which took a tenth of a thousand connectors' start-up
     * when they came in one call. (Camel also gathers every route's endpoints for each route added, which made adding
     * them in steps slower still, until {@code FerryCamelContext}.) Should a step's routes not start together, its
     * files are added one by one instead, so that the one at fault is reported with its file and line and the others
     * run.
     */
    private List<String> startAll(List<Prepared> prepared) {
        List<String> loaded = new ArrayList<>();
        for (int from = 0; from < prepared.size(); from += START_CHUNK) {
            loaded.addAll(startTogether(prepared.subList(from, Math.min(prepared.size(), from + START_CHUNK))));
        }
        return loaded;
    }

    private List<String> startTogether(List<Prepared> prepared) {
        List<Prepared> modelled = new ArrayList<>();
        List<RouteDefinition> definitions = new ArrayList<>();
        for (Prepared p : prepared) {
            try {
                schedules.forget(p.connector());
                for (RouteBuilder builder : p.builders()) {
                    builder.prepareModel(camel);
                    // as RouteBuilder.populateRoutes does before handing its routes to the model
                    builder.getRouteCollection().setCamelContext(camel);
                    if (builder.getResource() != null) {
                        builder.getRouteCollection().setResource(builder.getResource());
                    }
                    definitions.addAll(builder.getRouteCollection().getRoutes());
                }
                modelled.add(p);
            } catch (Exception e) {
                rejected(p.file(), p.connector(), located(display(p.file()), p.content(), describe(e)), true);
            }
        }
        List<String> loaded = new ArrayList<>();
        try {
            ((ModelCamelContext) camel).addRouteDefinitions(definitions);
        } catch (Exception e) {
            LOG.warn("The routes of {} connectors did not start together ({}); starting them file by file",
                    modelled.size(), describe(e));
            modelled.forEach(p -> removeRoutes(p.ids()));
            for (Prepared p : modelled) {
                if (apply(p.file(), p.connector(), p.content(), Map.of(), true)) {
                    loaded.add(p.connector());
                }
            }
            return loaded;
        }
        for (Prepared p : modelled) {
            installed(p, true);
            loaded.add(p.connector());
        }
        return loaded;
    }

    /** Remembers what runs now, and starts watching. Called once the connectors are loaded. */
    private void begin() throws IOException {
        files = new ConfigurationFiles(camel);
        for (Path file : files.routeFiles()) {
            // the connectors are known already (loaded, or skipped and waiting for a fixed save); this is the rest
            if (!good.containsKey(file) && !outcomes.containsKey(connectorOf(file))) {
                good.put(file, Files.readString(file, StandardCharsets.UTF_8));
                routesOf.put(file, runningRoutesOf(file));
            }
        }
        accepted = files.readProperties();
        watcher = new ConnectorFileWatcher(files, new ConnectorFileWatcher.Reload() {
            @Override
            public boolean routeFile(Path file) throws Exception {
                return reloadRouteFile(file);
            }

            @Override
            public boolean properties() throws Exception {
                return reloadProperties();
            }

            @Override
            public Collection<Path> knownFiles() {
                synchronized (ConnectorReloader.this) {
                    return List.copyOf(good.keySet());
                }
            }
        }, clock, quietPeriod, executor);
        watcher.start();
    }

    @Override
    protected void doStop() throws Exception {
        if (watcher != null) {
            watcher.close();
        }
        executor.shutdownNow();
    }

    // ------------------------------------------------------------------------------- route files

    /** Returns false when the reload has to wait (a run of the connector is processing). */
    synchronized boolean reloadRouteFile(Path file) throws Exception {
        String connector = connectorOf(file);
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException gone) {
            content = null;
        }
        if (content == null && !routesOf.containsKey(file)) {
            return true;
        }
        if (content != null && content.equals(good.get(file))) {
            Outcome last = outcomes.get(connector);
            if (last != null && !last.reloaded()) {
                String message = display(file) + " is back to the version that runs; nothing to reload";
                outcomes.put(connector, new Outcome(connector, display(file), true, message, clock.instant()));
                LOG.info("Connector {}: {}", connector, message);
            }
            return true;
        }
        if (!hold(file, connector)) {
            return false;
        }
        try {
            if (content == null) {
                remove(file, connector);
            } else {
                apply(file, connector, content, Map.of(), false);
            }
        } finally {
            claims.unhold(connector);
        }
        return true;
    }

    /** Holds the connector against runs while its routes change; false (and the reload waits) while a run holds it. */
    private boolean hold(Path file, String connector) {
        if (claims.hold(connector)) {
            waitingLogged.remove(file);
            return true;
        }
        if (waitingLogged.add(file)) {
            LOG.info("Connector {}: {} changed; the reload waits until its run{} has queued its records", connector,
                    display(file), claims.processing(connector).map(id -> " " + id).orElse(""));
        }
        return false;
    }

    /** A connector file parsed and checked: ready to have its routes added. */
    private record Prepared(Path file, String connector, String content, List<RouteBuilder> builders, Set<String> ids,
                            long startedNanos) {
    }

    /**
     * Swaps the connector's routes for those of {@code content}; on failure puts the last good version back,
     * with {@code restoreValues} as its property values. True if the new version runs.
     */
    private boolean apply(Path file, String connector, String content, Map<String, Optional<String>> restoreValues,
                          boolean startup) {
        Prepared p = prepare(file, connector, content, startup);
        if (p == null) {
            return false;
        }
        Set<String> old = routesOf.getOrDefault(file, Set.of());
        try {
            removeRoutes(old);
            schedules.forget(connector);
            for (RouteBuilder builder : p.builders()) {
                builder.addRoutesToCamelContext(camel);
            }
        } catch (Exception e) {
            String error = located(display(file), content, describe(e));
            removeRoutes(p.ids());
            restore(file, connector, restoreValues);
            return rejected(file, connector, error, startup);
        }
        installed(p, startup);
        return true;
    }

    /** Parses and checks a connector file; null when it is rejected (reported) or holds no connector. */
    private Prepared prepare(Path file, String connector, String content, boolean startup) {
        long started = System.nanoTime();
        List<RouteBuilder> builders;
        Set<String> ids;
        try {
            builders = parse(file, content);
            ids = routeIds(builders);
        } catch (Exception e) {
            rejected(file, connector, display(file) + ": " + describe(e), startup);
            return null;
        }
        if (ids.isEmpty() && sharedConfiguration(builders)) {
            String message = display(file) + " holds shared route configuration (error handling) that connectors opt"
                    + " into; a change to it takes effect when Ferry starts again";
            outcomes.put(connector, new Outcome(connector, display(file), false, message, clock.instant()));
            LOG.warn(message);
            return null;
        }
        // at start-up a connector with an invalid schedule still runs: its deliver route drains its queue, and the
        // schedule's problems are reported by the schedules (a reload keeps the last good version instead)
        List<ConnectorFileCheck.Problem> found = ConnectorFileCheck.check(display(file), connector, routes(builders),
                camel.getPropertiesComponent());
        found.stream().filter(ConnectorFileCheck.Problem::warning).forEach(w -> LOG.warn("Connector {}: {}", connector, w));
        List<String> problems = new ArrayList<>(ConnectorFileCheck.errors(found));
        problems.addAll(check(file, connector, ids, !startup));
        if (!problems.isEmpty()) {
            rejected(file, connector, String.join("\n", problems), startup);
            return null;
        }
        return new Prepared(file, connector, content, builders, ids, started);
    }

    /** The connector's routes run: remembers its file, and tells the listener (MBean, gauges, health check). */
    private void installed(Prepared p, boolean startup) {
        good.put(p.file(), p.content());
        routesOf.put(p.file(), p.ids());
        try {
            listener.added(p.connector());
        } catch (Exception e) {
            LOG.warn("Connector {}: reloaded, but its MBean, gauges or health check could not be set up: {}", p.connector(),
                    e.toString());
        }
        // at start-up the files' routes start together: the time of one alone is not known
        String message = (startup ? "loaded from " + display(p.file())
                : "reloaded from " + display(p.file()) + " in " + Duration.ofNanos(System.nanoTime() - p.startedNanos()).toMillis()
                        + " ms") + " (routes " + String.join(", ", p.ids()) + ")";
        outcomes.put(p.connector(), new Outcome(p.connector(), display(p.file()), true, message, clock.instant()));
        LOG.info("Connector {} {}", p.connector(), message);
    }

    /** What only the running Ferry knows: route ids taken by another file, and (on a reload) the schedule. */
    private List<String> check(Path file, String connector, Set<String> ids, boolean schedule) {
        List<String> problems = new ArrayList<>();
        for (String id : ids) {
            routesOf.forEach((other, otherIds) -> {
                if (id != null && !other.equals(file) && otherIds.contains(id)) {
                    problems.add(display(file) + ": route id '" + id + "' is already used by " + display(other));
                }
            });
        }
        ConnectorSchedules.Compiled compiled = schedule ? schedules.compileNow(connector) : null;
        if (compiled != null && !compiled.valid()) {
            problems.add("its schedule is invalid: " + String.join("; ", compiled.problems()));
        }
        return problems;
    }

    private static List<RouteDefinition> routes(List<RouteBuilder> builders) {
        List<RouteDefinition> routes = new ArrayList<>();
        builders.forEach(b -> routes.addAll(b.getRouteCollection().getRoutes()));
        return routes;
    }

    /** Whether the file holds route configurations (shared error handling) rather than a connector's routes. */
    private static boolean sharedConfiguration(List<RouteBuilder> builders) {
        for (RouteBuilder builder : builders) {
            if (builder instanceof RouteConfigurationBuilder rc) {
                try {
                    rc.configuration();
                } catch (Exception e) {
                    return false;
                }
                if (!rc.getRouteConfigurationCollection().getRouteConfigurations().isEmpty()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Puts the last good version back after a failed swap; if even that fails, the connector stops and says why. */
    private void restore(Path file, String connector, Map<String, Optional<String>> values) {
        String last = good.get(file);
        if (last == null) {
            routesOf.remove(file);
            return;
        }
        values.forEach(pinned::pin);
        try {
            schedules.forget(connector);
            for (RouteBuilder builder : parse(file, last)) {
                builder.addRoutesToCamelContext(camel);
            }
        } catch (Exception e) {
            routesOf.remove(file);
            LOG.error("Connector {}: its last good version could not be put back either ({}); it does not run until {}"
                    + " is fixed", connector, describe(e), display(file));
        }
    }

    /**
     * Prefixes a route-creation error with the file and the line of the step it names (Camel names the failing
     * step's endpoint, not its line): the first line with that endpoint's URI, or else with the route's id.
     */
    static String located(String file, String content, String error) {
        List<String> probes = new ArrayList<>();
        Matcher at = FAILED_AT.matcher(error);
        if (at.find()) {
            String uri = at.group(1).trim();
            probes.add(uri);
            if (uri.contains(":")) {
                probes.add(uri.substring(0, uri.indexOf(':') + 1));
            }
        }
        Matcher route = ROUTE_ID.matcher(error);
        if (route.find()) {
            probes.add("id: " + route.group(1));
        }
        String[] lines = content.split("\n", -1);
        for (String probe : probes) {
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].contains(probe)) {
                    return file + ":" + (i + 1) + ": " + error;
                }
            }
        }
        return file + ": " + error;
    }

    private boolean rejected(Path file, String connector, String error, boolean startup) {
        outcomes.put(connector, new Outcome(connector, display(file), false, error, clock.instant()));
        if (startup) {
            LOG.error("Connector {}: {} was not loaded; the connector does not run until the file is fixed ({}),"
                    + " the other connectors run.\n  {}", connector, display(file),
                    watch ? "hot reload loads it when it is saved" : "and Ferry restarted", error.replace("\n", "\n  "));
        } else {
            LOG.error("Connector {}: the change to {} was not loaded; the last good version keeps running.\n  {}",
                    connector, display(file), error.replace("\n", "\n  "));
        }
        return false;
    }

    private void remove(Path file, String connector) throws Exception {
        Set<String> ids = routesOf.remove(file);
        good.remove(file);
        if (ids == null || ids.isEmpty()) {
            return;
        }
        removeRoutes(ids);
        schedules.forget(connector);
        connectors.unregister(connector);
        listener.removed(connector);
        outcomes.put(connector, new Outcome(connector, display(file), true, display(file) + " was deleted: routes "
                + String.join(", ", ids) + " removed", clock.instant()));
        LOG.warn("Connector {}: {} was deleted, its routes are removed; its queued records, watermark and ledger stay"
                + " until a file defines it again", connector, display(file));
    }

    private List<RouteBuilder> parse(Path file, String content) throws Exception {
        Resource resource = ResourceHelper.fromString("file:" + display(file), content);
        Collection<RoutesBuilder> found = PluginHelper.getRoutesLoader(camel).findRoutesBuilders(resource);
        List<RouteBuilder> builders = new ArrayList<>();
        for (RoutesBuilder b : found) {
            if (!(b instanceof RouteBuilder builder)) {
                throw new IllegalArgumentException(display(file) + ": not a route file Ferry can reload");
            }
            builder.configureRoutes(camel);
            builders.add(builder);
        }
        return builders;
    }

    private static Set<String> routeIds(List<RouteBuilder> builders) {
        Set<String> ids = new LinkedHashSet<>();
        for (RouteBuilder builder : builders) {
            for (RouteDefinition route : builder.getRouteCollection().getRoutes()) {
                ids.add(route.getRouteId());
            }
        }
        return ids;
    }

    private void removeRoutes(Set<String> ids) {
        ModelCamelContext model = (ModelCamelContext) camel;
        for (String id : ids) {
            if (id == null) {
                continue;
            }
            try {
                RouteDefinition definition = model.getRouteDefinition(id);
                if (definition != null) {
                    model.removeRouteDefinition(definition);
                } else if (camel.getRoute(id) != null) {
                    camel.getRouteController().stopRoute(id);
                    camel.removeRoute(id);
                }
            } catch (Exception e) {
                LOG.warn("Route {} could not be removed: {}", id, e.toString());
            }
        }
    }

    private Set<String> runningRoutesOf(Path file) {
        Set<String> ids = new LinkedHashSet<>();
        for (RouteDefinition route : ((ModelCamelContext) camel).getRouteDefinitions()) {
            Resource resource = route.getResource();
            if (resource != null && resource.getLocation() != null && resource.getLocation().startsWith("file:")) {
                Path from = Path.of(resource.getLocation().substring("file:".length())).toAbsolutePath().normalize();
                if (from.equals(file)) {
                    ids.add(route.getRouteId());
                }
            }
        }
        return ids;
    }

    static String connectorOf(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(SUFFIX) ? name.substring(0, name.length() - SUFFIX.length()) : name;
    }

    /** The file as the operator knows it: relative to the working directory when it is below it. */
    private static String display(Path file) {
        Path here = Path.of("").toAbsolutePath();
        return file.startsWith(here) ? here.relativize(file).toString() : file.toString();
    }

    /** The messages of an exception and its causes, each once (Camel's wrappers repeat their cause's). */
    public static String describe(Throwable e) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = e; t != null && messages.size() < 6; t = t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (messages.stream().noneMatch(m -> m.contains(message))) {
                messages.add(message);
            }
        }
        return String.join("\n  caused by: ", messages);
    }

    // ------------------------------------------------------------------------------- properties

    /**
     * Reloads the connectors whose keys changed. Keys that are not a connector's are held at the values in
     * effect until Ferry starts again (Ferry reads them once, at start-up). Returns false, to try again, while a
     * run of a connector to reload is processing.
     */
    synchronized boolean reloadProperties() throws Exception {
        Map<String, String> now = files.readProperties();
        Map<Path, String> connectorFiles = new LinkedHashMap<>();
        for (Path file : files.routeFiles()) {
            connectorFiles.put(file, connectorOf(file));
        }
        good.keySet().forEach(file -> connectorFiles.putIfAbsent(file, connectorOf(file)));
        PropertyChanges changes = PropertyChanges.of(accepted, now, pinned.keys(), connectorFiles);
        if (changes.none()) {
            return true;
        }
        Map<Path, Set<String>> byFile = changes.byFile();
        Set<String> global = changes.global();
        Set<String> restored = changes.restored();
        List<String> held = new ArrayList<>();
        try {
            for (Path file : byFile.keySet()) {
                if (!hold(file, connectorOf(file))) {
                    return false;
                }
                held.add(connectorOf(file));
            }
            camel.getPropertiesComponent().reloadProperties("*");
            restored.forEach(pinned::unpin);
            for (Map.Entry<Path, String> connector : connectorFiles.entrySet()) {
                List<String> back = restored.stream().filter(k -> k.startsWith(connector.getValue() + ".")).toList();
                if (!back.isEmpty() && !byFile.containsKey(connector.getKey())) {
                    String message = back + " are back to the values " + connector.getValue() + " runs with; nothing to reload";
                    outcomes.put(connector.getValue(), new Outcome(connector.getValue(), display(connector.getKey()), true,
                            message, clock.instant()));
                    LOG.info("Connector {}: {}", connector.getValue(), message);
                }
            }
            if (!global.isEmpty()) {
                global.stream().filter(accepted::containsKey).forEach(key -> pinned.pin(key, Optional.of(accepted.get(key))));
                LOG.warn("Changed in {}: {}; these are not a connector's and take effect when Ferry starts again",
                        files.propertyFiles().stream().map(ConnectorReloader::display).toList(), global);
            }
            Map<String, String> next = new HashMap<>(accepted);
            for (Map.Entry<Path, Set<String>> entry : byFile.entrySet()) {
                Path file = entry.getKey();
                String connector = connectorOf(file);
                Map<String, Optional<String>> previous = new LinkedHashMap<>();
                for (String key : entry.getValue()) {
                    previous.put(key, Optional.ofNullable(accepted.get(key)));
                    pinned.unpin(key);
                }
                LOG.info("Connector {}: {} changed; reloading it", connector, entry.getValue());
                String content = good.containsKey(file) ? good.get(file)
                        : Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
                if (content != null && apply(file, connector, content, previous, false)) {
                    entry.getValue().forEach(key -> put(next, key, now.get(key)));
                } else {
                    previous.forEach(pinned::pin);
                    schedules.forget(connector);
                }
            }
            accepted = Map.copyOf(next);
            return true;
        } finally {
            held.forEach(claims::unhold);
        }
    }

    private static void put(Map<String, String> map, String key, String value) {
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }
}
