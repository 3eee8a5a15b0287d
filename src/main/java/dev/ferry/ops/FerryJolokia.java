package dev.ferry.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
    /** Jolokia request types that change something: an operator's. */
    private static final Set<String> CHANGING = Set.of("exec", "write");

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
            String origin = origin(ctx);
            if (origin != null && jolokia.getJolokiaRequestHandler().extractCorsOrigin(origin) == null) {
                LOG.warn("Jolokia request from a page of {} refused: that origin is not in jolokia-access.xml <cors>",
                        origin);
                refuse(ctx, "a page of " + origin + " may not call Jolokia (allow it in jolokia-access.xml <cors>)");
                return;
            }
            Access.Caller caller = access.caller(ctx.user());
            List<String> types = requestTypes(ctx);
            String changing = types.stream().filter(CHANGING::contains).findFirst().orElse(null);
            if (caller != null && changing != null && !caller.may(Access.OPERATOR)) {
                LOG.warn("Jolokia {} refused for user {}: it needs the operator role", changing, caller.name());
                refuse(ctx, "user " + caller.name() + " may not " + changing + " over Jolokia: it needs the operator role");
                return;
            }
            delegate.handle(ctx);
        };
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
     * The request types of a Jolokia call: from the path of a GET ({@code /exec/...}), from the body of a POST
     * (one request object or a bulk array). A body that is not JSON has no types; Jolokia answers it with
     * its own error.
     */
    static List<String> requestTypes(RoutingContext ctx) {
        List<String> types = new ArrayList<>();
        if (ctx.request().method() == HttpMethod.GET) {
            // the path below Jolokia's mount point, as Camel's handler hands it to Jolokia
            String rest = io.vertx.ext.web.impl.Utils.pathOffset(ctx.request().path(), ctx);
            // Jolokia also takes the request path from the parameter p (for paths that proxies mangle)
            String p = ctx.request().getParam("p");
            if (p != null) {
                rest = p;
            }
            for (String segment : rest.split("/")) {
                if (!segment.isEmpty()) {
                    types.add(segment.toLowerCase(Locale.ROOT));
                    break;
                }
            }
            return types;
        }
        if (ctx.body() == null || ctx.body().buffer() == null) {
            return types;
        }
        try {
            Object json = io.vertx.core.json.Json.decodeValue(ctx.body().buffer());
            if (json instanceof JsonObject single) {
                types.add(String.valueOf(single.getValue("type")).toLowerCase(Locale.ROOT));
            } else if (json instanceof JsonArray bulk) {
                for (Object each : bulk) {
                    if (each instanceof JsonObject request) {
                        types.add(String.valueOf(request.getValue("type")).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (RuntimeException notJson) {
            // Jolokia itself answers a body it cannot read
        }
        return types;
    }
}
