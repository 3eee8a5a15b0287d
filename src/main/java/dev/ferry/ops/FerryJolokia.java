package dev.ferry.ops;

import java.util.List;
import java.util.Set;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.plugin.DefaultJolokiaPlatformHttpPlugin;
import org.apache.camel.component.platform.http.plugin.JolokiaPlatformHttpPlugin;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.Settings;

/**
 * Jolokia on the management server ({@code camel.management.jolokia-enabled}) with Ferry's roles on top of
 * its access policy ({@code jolokia-access.xml} on the classpath, which decides <em>what</em> may be read
 * and invoked at all): a {@code reader} may read, list and search, only an {@code operator} may {@code exec}
 * or {@code write}. Camel's management server looks its Jolokia plugin up in the registry by the name
 * {@value JolokiaPlatformHttpPlugin#NAME} before its own, so binding this there replaces Camel's; the
 * protocol work is still Camel's {@link DefaultJolokiaPlatformHttpPlugin}.
 */
public final class FerryJolokia extends ServiceSupport implements JolokiaPlatformHttpPlugin {

    private static final Logger LOG = LoggerFactory.getLogger(FerryJolokia.class);
    /** Jolokia request types that only read: a reader's. Every other type is an operator's. */
    private static final Set<String> READ_ONLY = Set.of("read", "list", "search", "version");

    private final DefaultJolokiaPlatformHttpPlugin jolokia = new DefaultJolokiaPlatformHttpPlugin();
    private CamelContext camel;
    private Access access;
    private Handler<RoutingContext> handler;

    @Override
    public String getId() {
        return NAME;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camel = camelContext;
        jolokia.setCamelContext(camelContext);
    }

    @Override
    public CamelContext getCamelContext() {
        return camel;
    }

    @Override
    protected void doStart() throws Exception {
        access = Access.from(new Settings(camel.getPropertiesComponent()));
        jolokia.start();
        @SuppressWarnings("unchecked")
        Handler<RoutingContext> delegate = (Handler<RoutingContext>) jolokia.getHandler();
        handler = ctx -> {
            String why = refusal(ctx);
            if (why != null) {
                LOG.warn("Jolokia request refused: {}", why);
                refuse(ctx, why);
                return;
            }
            delegate.handle(ctx);
        };
    }

    /**
     * Why Ferry refuses the request before Jolokia sees it, or null. Only a request Ferry recognises as
     * read-only (every request in it a read, list, search or version) is a reader's; anything else — exec,
     * write, notification, or a request Ferry cannot read — needs an operator and must come by POST, since
     * a link or an image in any web page can make a browser send a GET.
     */
    private String refusal(RoutingContext ctx) {
        String origin = origin(ctx);
        if (origin != null && jolokia.getJolokiaRequestHandler().extractCorsOrigin(origin) == null) {
            return "a page of " + origin + " may not call Jolokia (allow it in jolokia-access.xml <cors>)";
        }
        Access.Caller caller = access.caller(ctx.user());
        if (caller == null) {
            return "the caller is not authenticated";
        }
        io.vertx.core.net.HostAndPort authority = ctx.request().authority();
        String host = authority != null ? authority.host() : host(ctx.request().getHeader("Host"));
        if (!access.enabled() && !loopbackName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host)) {
            // without authentication only this machine calls, by its own name: not a DNS name rebound to it
            return "Host " + host + " is not this machine's loopback address";
        }
        if (readOnly(ctx)) {
            return null;
        }
        if (ctx.request().method() == HttpMethod.GET) {
            return "only read, list, search and version may be sent by GET; send exec and write by POST";
        }
        if (!caller.may(Access.OPERATOR)) {
            return "user " + caller.name() + " may only read over Jolokia (read, list, search, version);"
                    + " exec and write need the operator role";
        }
        return null;
    }

    /** localhost or a loopback IP literal, decided without DNS (a rebound name resolves to loopback too). */
    static boolean loopbackName(String host) {
        if ("localhost".equalsIgnoreCase(host)) {
            return true;
        }
        if (!host.matches("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*")) {
            return false;
        }
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static String host(String header) {
        if (header == null) {
            return "";
        }
        String host = header.trim();
        if (host.startsWith("[")) {
            return host.substring(1, Math.max(1, host.indexOf(']')));
        }
        int colon = host.indexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    private static void refuse(RoutingContext ctx, String why) {
        ctx.response().setStatusCode(403).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("status", 403).put("error_type", "java.lang.SecurityException")
                        .put("error", why).encode());
    }

    /** The web page's origin a browser names in Origin, or failing that in Referer; null for other clients. */
    static String origin(RoutingContext ctx) {
        String origin = ctx.request().getHeader("Origin");
        if (origin != null) {
            return origin;
        }
        String referer = ctx.request().getHeader("Referer");
        if (referer == null) {
            return null;
        }
        try {
            java.net.URI uri = java.net.URI.create(referer.trim());
            return uri.getScheme() == null || uri.getHost() == null ? "null"
                    : uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        } catch (IllegalArgumentException malformed) {
            return "null";
        }
    }

    @Override
    protected void doStop() throws Exception {
        jolokia.stop();
    }

    @Override
    public Object getHandler() {
        return handler;
    }

    /**
     * Whether the call is certainly read-only: a GET whose path starts with a read-only type exactly as
     * Jolokia spells it (no {@code p} parameter, no escapes), or a POST whose body is one request object
     * or a bulk array of them, each with a read-only type. Anything Ferry cannot read this way is not.
     */
    static boolean readOnly(RoutingContext ctx) {
        if (ctx.request().method() == HttpMethod.GET) {
            if (ctx.request().getParam("p") != null) {
                return false;
            }
            // the path below Jolokia's mount point, as Camel's handler hands it to Jolokia
            String rest = io.vertx.ext.web.impl.Utils.pathOffset(ctx.request().path(), ctx);
            for (String segment : rest.split("/")) {
                if (!segment.isEmpty()) {
                    return READ_ONLY.contains(segment);
                }
            }
            return false;
        }
        if (ctx.request().method() != HttpMethod.POST || ctx.body() == null || ctx.body().buffer() == null) {
            return false;
        }
        try {
            Object json = io.vertx.core.json.Json.decodeValue(ctx.body().buffer());
            List<Object> requests = json instanceof JsonArray bulk ? bulk.getList() : List.of(json);
            if (requests.isEmpty()) {
                return false;
            }
            for (Object request : requests) {
                Object type = request instanceof JsonObject o ? o.getValue("type")
                        : request instanceof java.util.Map<?, ?> m ? m.get("type") : null;
                if (!(type instanceof String name) || !READ_ONLY.contains(name)) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException notJson) {
            return false;
        }
    }
}
