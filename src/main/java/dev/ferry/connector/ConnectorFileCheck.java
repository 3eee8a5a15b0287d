package dev.ferry.connector;

import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.apache.camel.model.EndpointRequiredDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.SetHeaderDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.LineNumberAware;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.URISupport;

import dev.ferry.Settings;

/**
 * What a connector file must hold for its runs to finish, checked on the file's route model before anything
 * runs — when Ferry starts, on every hot reload and by {@code ferry check}. Each problem names the file, the line
 * and the fix. A file with a problem is refused: a deliver route that cannot report outcomes would leave every run
 * SUBMITTED forever, and one without the header filter would send Ferry's and the broker's headers to the target.
 *
 * <ul>
 *   <li>route ids start with {@code <connector>-} (the file's name), and a {@code ferry:gather} step names the
 *       file's connector;</li>
 *   <li>a route consumes the connector's sync queue (the deliver route);</li>
 *   <li>the deliver route opts into Ferry's delivery error handling ({@code routeConfigurationId: ferry-delivery}:
 *       a record that fails is recorded as failed), ends with {@code ferry:delivered} (a record that arrived is
 *       counted), and sends to HTTP with {@code headerFilterStrategy: "#ferryTargetHeaders"};</li>
 *   <li>the connector's {@code <connector>.target.url}, when set, is an http:// or https:// URL.</li>
 * </ul>
 *
 * A deliver route that sends no idempotency key is a warning: most targets ignore it, and those that honour it drop a
 * record delivered twice after a crash. {@code ferry:queue} sends it as {@code Idempotency-Key} unless its
 * {@code idempotencyKeyHeader} is set empty; a route on camel-jms must set the header itself.
 */
public final class ConnectorFileCheck {

    public static final String DELIVERY_CONFIGURATION = "ferry-delivery";
    public static final String TARGET_HEADERS = "#ferryTargetHeaders";
    static final String DELIVERED = "ferry:delivered";
    static final String GATHER = "ferry:gather";
    static final String QUEUE = "ferry:queue";
    static final String IDEMPOTENCY_KEY_HEADER_OPTION = "idempotencyKeyHeader";
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    /** One finding: where, what, and what to write instead. A warning does not stop the file from loading. */
    public record Problem(String file, int line, String message, String fix, boolean warning) {

        @Override
        public String toString() {
            return file + (line > 0 ? ":" + line : "") + ": " + (warning ? "warning: " : "") + message
                    + (fix == null ? "" : ". Fix: " + fix);
        }
    }

    private final String file;
    private final String connector;
    private final PropertiesComponent properties;
    private final List<Problem> problems = new ArrayList<>();

    private ConnectorFileCheck(String file, String connector, PropertiesComponent properties) {
        this.file = file;
        this.connector = connector;
        this.properties = properties;
    }

    /** The problems of a connector file ({@code file} as shown to the operator), errors and warnings. */
    public static List<Problem> check(String file, String connector, List<RouteDefinition> routes,
                                      PropertiesComponent properties) {
        ConnectorFileCheck check = new ConnectorFileCheck(file, connector, properties);
        check.run(routes);
        return List.copyOf(check.problems);
    }

    /** Only the errors, as lines. */
    public static List<String> errors(List<Problem> problems) {
        return problems.stream().filter(p -> !p.warning()).map(Problem::toString).toList();
    }

    /** The {@code ferry:gather} steps of the routes. */
    static List<ToDefinition> gatherSteps(List<RouteDefinition> routes) {
        List<ToDefinition> steps = new ArrayList<>();
        routes.forEach(r -> each(r.getOutputs(), step -> {
            if (step instanceof ToDefinition to && uri(to).startsWith(GATHER)) {
                steps.add(to);
            }
        }));
        return steps;
    }

    private void run(List<RouteDefinition> routes) {
        if (routes.isEmpty()) {
            error(0, "defines no routes", "a connector file holds a gather route (ferry:gather) and a deliver route");
            return;
        }
        for (RouteDefinition route : routes) {
            String id = route.getRouteId();
            if (id == null) {
                error(line(route), "a route has no id", "give it one: " + connector + "-gather, " + connector + "-deliver");
            } else if (!id.startsWith(connector + "-")) {
                error(line(route), "route id '" + id + "' does not start with '" + connector + "-' (the file's name)",
                        "rename it " + connector + id.substring(Math.max(0, id.lastIndexOf('-'))));
            }
        }
        List<ToDefinition> gathers = new ArrayList<>();
        routes.forEach(r -> each(r.getOutputs(), step -> {
            if (step instanceof ToDefinition to && uri(to).startsWith(GATHER)) {
                gathers.add(to);
            }
        }));
        if (gathers.isEmpty()) {
            error(0, "no ferry:gather step", "a connector's gather route runs '- to: {uri: ferry:gather, parameters:"
                    + " {connector: " + connector + ", ...}}' (see ferry new-connector)");
            return;
        }
        String queue = Connector.defaultQueue(connector);
        for (ToDefinition gather : gathers) {
            Map<String, Object> options = options(uri(gather));
            String named = resolve(String.valueOf(options.getOrDefault("connector", "")));
            if (!connector.equals(named)) {
                error(line(gather), "ferry:gather names connector '" + named + "'; in this file it must be '" + connector
                        + "' (the file's name)", "set connector: " + connector);
            }
            if (options.get("queue") != null) {
                queue = resolve(String.valueOf(options.get("queue")));
            }
        }
        List<RouteDefinition> delivering = new ArrayList<>();
        for (RouteDefinition route : routes) {
            if (route.getInput() != null && consumes(route.getInput().getEndpointUri(), queue, connector)) {
                delivering.add(route);
            }
        }
        if (delivering.isEmpty()) {
            error(0, "no route consumes the sync queue " + queue + ": records would be queued and never delivered",
                    "add a deliver route 'from: {uri: " + QUEUE + ", parameters: {connector: " + connector
                            + "}}' (see ferry new-connector)");
        }
        delivering.forEach(this::checkDeliver);
        targetUrl();
    }

    private void checkDeliver(RouteDefinition route) {
        String id = route.getRouteId() == null ? "the deliver route" : "route " + route.getRouteId();
        String configurations = route.getRouteConfigurationId();
        if (configurations == null || !List.of(configurations.split("\\s*,\\s*")).contains(DELIVERY_CONFIGURATION)) {
            error(line(route), id + " does not use Ferry's delivery error handling: a record that fails would be neither"
                    + " retried nor recorded, and its run would never finish",
                    "add 'routeConfigurationId: " + DELIVERY_CONFIGURATION + "' to the route");
        }
        List<ProcessorDefinition<?>> steps = route.getOutputs();
        ProcessorDefinition<?> last = steps.isEmpty() ? null : steps.get(steps.size() - 1);
        if (!(last instanceof ToDefinition to && uri(to).equals(DELIVERED))) {
            error(last == null ? line(route) : line(last), id + " does not end with ferry:delivered: delivered records"
                    + " would not be counted, and its runs would never finish", "end the route with '- to: "
                    + DELIVERED + "'");
        }
        boolean[] idempotencyKey = {consumerSendsIdempotencyKey(route)};
        each(steps, step -> {
            if (step instanceof SetHeaderDefinition header && IDEMPOTENCY_KEY.equalsIgnoreCase(header.getName())) {
                idempotencyKey[0] = true;
            }
            if (step instanceof ToDefinition to && isHttp(uri(to))) {
                Object filter = options(uri(to)).get("headerFilterStrategy");
                if (filter == null || !TARGET_HEADERS.equals(resolve(String.valueOf(filter)))) {
                    error(line(to), id + " sends to " + shown(resolve(uri(to))) + " without Ferry's header filter: the"
                            + " record's internal headers and the broker's would reach the target",
                            "add 'headerFilterStrategy: \"" + TARGET_HEADERS + "\"' to its parameters");
                }
            }
        });
        if (!idempotencyKey[0]) {
            problems.add(new Problem(file, line(route), id + " sends no idempotency key: a record delivered again"
                    + " after a crash cannot be recognised by the target", "leave ferry:queue's idempotencyKeyHeader at"
                    + " its default (Idempotency-Key), or add '- setHeader: {name: Idempotency-Key, simple:"
                    + " \"${header.FerryIdempotencyKey}\"}' before the target", true));
        }
    }

    /** Whether the route's ferry:queue puts the idempotency key in a request header: unless set empty, it does. */
    private boolean consumerSendsIdempotencyKey(RouteDefinition route) {
        String from = resolve(route.getInput().getEndpointUri());
        if (!from.startsWith(QUEUE) && !from.startsWith("ferry://queue")) {
            return false;
        }
        Object own = options(from).get(IDEMPOTENCY_KEY_HEADER_OPTION);
        String header = own != null ? resolve(String.valueOf(own))
                : properties.resolveProperty("camel.component.ferry.idempotency-key-header")
                        .or(() -> properties.resolveProperty("camel.component.ferry.idempotencyKeyHeader"))
                        .orElse(IDEMPOTENCY_KEY);
        return !header.isBlank();
    }

    /**
     * A connector delivers over HTTP: its {@code <connector>.target.url}, where it has one, must be an http:// or
     * https:// URL — anything else would be another Camel component (a file, a mail server) or nothing at all.
     * The message shows the URL without its query, which may carry credentials.
     */
    private void targetUrl() {
        String key = connector + ".target.url";
        Optional<String> url;
        try {
            url = properties.resolveProperty(key);
        } catch (RuntimeException e) {
            problems.add(new Problem(Settings.locate(properties, key), 0, key + ": " + e.getMessage(), null, false));
            return;
        }
        if (url.isPresent() && !isHttp(url.get().trim())) {
            problems.add(new Problem(Settings.locate(properties, key), 0, key + " = '" + shown(url.get().trim())
                    + "': not an HTTP(S) URL", "a connector delivers to http://... or https://...", false));
        }
    }

    /** Whether a route's {@code from} consumes the connector's sync queue: through ferry:queue, or camel-jms. */
    private boolean consumes(String from, String queue, String connector) {
        String resolved = resolve(from);
        String plain = resolved.contains("?") ? resolved.substring(0, resolved.indexOf('?')) : resolved;
        if (plain.equals(QUEUE) || plain.equals("ferry://queue")) {
            return connector.equals(resolve(String.valueOf(options(resolved).getOrDefault("connector", ""))));
        }
        return plain.equals("jms:queue:" + queue) || plain.equals("jms:" + queue);
    }

    private String resolve(String text) {
        if (!text.contains("{{")) {
            // parseUri would take "http:" for a properties function and drop it
            return text;
        }
        try {
            return properties.parseUri(text);
        } catch (RuntimeException unresolved) {
            // a missing property is reported when the route is created, with its key
            return text;
        }
    }

    private boolean isHttp(String uri) {
        String u = resolve(uri).trim();
        return u.regionMatches(true, 0, "http:", 0, 5) || u.regionMatches(true, 0, "https:", 0, 6);
    }

    private void error(int line, String message, String fix) {
        problems.add(new Problem(file, line, message, fix, false));
    }

    private static String uri(EndpointRequiredDefinition step) {
        return step.getEndpointUri() == null ? "" : step.getEndpointUri();
    }

    private static Map<String, Object> options(String uri) {
        try {
            return uri.contains("?") ? URISupport.parseQuery(uri.substring(uri.indexOf('?') + 1)) : Map.of();
        } catch (URISyntaxException e) {
            return Map.of();
        }
    }

    /** Without its query, which may carry credentials. */
    private static String shown(String uri) {
        return uri.contains("?") ? uri.substring(0, uri.indexOf('?')) + "?..." : uri;
    }

    private static int line(LineNumberAware node) {
        return Math.max(node.getLineNumber(), 0);
    }

    private static void each(List<ProcessorDefinition<?>> steps, Consumer<ProcessorDefinition<?>> visit) {
        for (ProcessorDefinition<?> step : steps) {
            visit.accept(step);
            each(step.getOutputs(), visit);
        }
    }
}
