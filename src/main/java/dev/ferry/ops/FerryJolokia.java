package dev.ferry.ops;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.Utils;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.plugin.DefaultJolokiaPlatformHttpPlugin;
import org.apache.camel.component.platform.http.plugin.JolokiaPlatformHttpPlugin;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.security.Access;
import dev.ferry.security.JmxCaller;

/**
 * Jolokia on the management server ({@code camel.management.jolokia-enabled}) with Ferry's roles on top of
 * its access policy ({@code jolokia-access.xml} on the classpath, an allow-list of exactly which attributes may be
 * read and which operations invoked): a {@code reader} may read, list and search, only an {@code operator} may
 * {@code exec}. What an operation changes is audited with the caller's name ({@link JmxCaller}). Camel's
 * management server looks its Jolokia plugin up in the registry by the name {@value JolokiaPlatformHttpPlugin#NAME}
 * before its own, so binding this there replaces Camel's; the protocol work is still Camel's
 * {@link DefaultJolokiaPlatformHttpPlugin}.
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
        access = Access.of(camel);
        jolokia.start();
        @SuppressWarnings("unchecked")
        Handler<RoutingContext> delegate = (Handler<RoutingContext>) jolokia.getHandler();
        handler = ctx -> {
            Access.Caller caller = access.caller(ctx.user());
            String why = refusal(ctx, caller);
            if (why != null) {
                LOG.warn("Jolokia request refused: {}", why);
                refuse(ctx, why);
                return;
            }
            // Jolokia calls the MBean on this thread: an operation it runs is audited as done by this caller
            JmxCaller.as(caller.name(), () -> delegate.handle(ctx));
        };
    }

    /**
     * Why Ferry refuses the request before Jolokia sees it, or null. (Origin, Host and authentication were
     * checked before, for every path of the server, by the request guard.) Only a request Ferry recognises as
     * read-only (every request in it a read, list, search or version) is a reader's; anything else — exec, write,
     * notification, or a request Ferry cannot read — needs an operator and must come by POST, since a link or an
     * image in any web page can make a browser send a GET.
     */
    private String refusal(RoutingContext ctx, Access.Caller caller) {
        if (caller == null) {
            return "the caller is not authenticated";
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

    private static void refuse(RoutingContext ctx, String why) {
        ctx.response().setStatusCode(403).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("status", 403).put("error_type", "java.lang.SecurityException")
                        .put("error", why).encode());
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
            String rest = Utils.pathOffset(ctx.request().path(), ctx);
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
            Object json = Json.decodeValue(ctx.body().buffer());
            List<Object> requests = json instanceof JsonArray bulk ? bulk.getList() : List.of(json);
            if (requests.isEmpty()) {
                return false;
            }
            for (Object request : requests) {
                Object type = request instanceof JsonObject o ? o.getValue("type")
                        : request instanceof Map<?, ?> m ? m.get("type") : null;
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
