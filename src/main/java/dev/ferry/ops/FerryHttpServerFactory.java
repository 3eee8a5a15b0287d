package dev.ferry.ops;

import java.util.Set;
import java.util.function.Function;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.AuthenticationProvider;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.handler.AuthenticationHandler;
import io.vertx.ext.web.impl.BlockingHandlerDecorator;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.HttpEndpointModel;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.auth.AuthenticationConfig;
import org.apache.camel.main.HttpManagementServerConfigurationProperties;
import org.apache.camel.main.HttpServerConfigurationProperties;
import org.apache.camel.main.MainHttpServerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.Settings;
import dev.ferry.console.OperatorConsole;
import dev.ferry.security.Access;
import dev.ferry.security.JsonError;
import dev.ferry.security.RequestGuard;

/**
 * Camel's embedded HTTP servers — the main one ({@code camel.server.*}: the operations API and the demo) and the
 * management one ({@code camel.management.*}: health, metrics, Jolokia, info) — with Ferry's rules: a server bound
 * beyond loopback refuses to start without authentication; every request on every path first passes the
 * {@link RequestGuard} (cross-site rules, Host, authentication, the headers of every answer); a path that nothing
 * serves answers a JSON 404; {@code /observe/info} is {@link FerryInfo}; and the start-up log names the address
 * the server is bound to. Bound into the registry before Camel Main configures itself, so Main creates its servers
 * here; the servers are Camel's own, configured as Camel's default factory does.
 */
public final class FerryHttpServerFactory implements MainHttpServerFactory {

    private static final Logger LOG = LoggerFactory.getLogger(FerryHttpServerFactory.class);

    @Override
    public Service newHttpServer(CamelContext context, HttpServerConfigurationProperties configuration) {
        Access access = Access.of(context);
        access.checkBinding(ApiServer.WHAT, "camel.server.host", configuration.getHost());
        ApiServer server = new ApiServer();
        server.setCamelContext(context);
        server.setHost(configuration.getHost());
        server.setPort(configuration.getPort());
        server.setPath(configuration.getPath());
        if (configuration.getMaxBodySize() != null) {
            server.setMaxBodySize(configuration.getMaxBodySize());
        }
        server.setUseGlobalSslContextParameters(configuration.isUseGlobalSslContextParameters());
        // no uploads and no files from the disk: the console's files are Ferry's own (OperatorConsole)
        server.setFileUploadEnabled(false);
        server.setStaticEnabled(false);
        server.console = new Settings(context.getPropertiesComponent()).bool(Settings.CONSOLE_ENABLED)
                ? OperatorConsole.load(FerryHttpServerFactory.class.getClassLoader()) : null;
        guard(server.getConfiguration().getAuthenticationConfig(), access, configuration.getAuthenticationPath());
        announce(access, ApiServer.WHAT, configuration.getHost(), configuration.getPort());
        return server;
    }

    @Override
    public Service newHttpManagementServer(CamelContext context, HttpManagementServerConfigurationProperties configuration) {
        Access access = Access.of(context);
        access.checkBinding(ManagementServer.WHAT, "camel.management.host", configuration.getHost());
        ManagementServer server = new ManagementServer();
        server.setCamelContext(context);
        server.setHost(configuration.getHost());
        server.setPort(configuration.getPort());
        server.setPath(configuration.getPath());
        server.setUseGlobalSslContextParameters(configuration.isUseGlobalSslContextParameters());
        server.setInfoEnabled(configuration.isInfoEnabled());
        server.setInfoPath(configuration.getInfoPath());
        server.setHealthCheckEnabled(configuration.isHealthCheckEnabled());
        server.setHealthPath(configuration.getHealthPath());
        server.setJolokiaEnabled(configuration.isJolokiaEnabled());
        server.setJolokiaPath(configuration.getJolokiaPath());
        server.setMetricsEnabled(configuration.isMetricsEnabled());
        // Camel's developer consoles, uploads, downloads and send-a-message endpoint read and change far more than
        // Ferry's roles decide: never served
        server.setDevConsoleEnabled(false);
        server.setUploadEnabled(false);
        server.setDownloadEnabled(false);
        server.setSendEnabled(false);
        guard(server.getConfiguration().getAuthenticationConfig(), access, configuration.getAuthenticationPath());
        announce(access, ManagementServer.WHAT, configuration.getHost(), configuration.getPort());
        return server;
    }

    private static void announce(Access access, String what, String host, int port) {
        if (access.enabled()) {
            LOG.info("{} on {}:{}: callers authenticate ({})", what, host, port, access.methods());
        }
    }

    /**
     * The guard as the server's only authentication entry, on every path: Camel puts it first in the server's
     * router, before anything that serves a request. With it, Camel's own authentication is on, whether or not
     * callers must authenticate — the guard decides that.
     */
    private static void guard(AuthenticationConfig config, Access access, String authenticationPath) {
        AuthenticationConfig.AuthenticationConfigEntry entry = new AuthenticationConfig.AuthenticationConfigEntry();
        entry.setPath("/*");
        entry.setAuthenticationProviderFactory(GuardFactory::new);
        entry.setAuthenticationHandlerFactory(new AuthenticationConfig.AuthenticationHandlerFactory() {
            @Override
            public <T extends AuthenticationProvider> AuthenticationHandler createAuthenticationHandler(T provider) {
                return new RequestGuard(access, ((GuardFactory) provider).vertx(), authenticationPath);
            }
        });
        config.getEntries().clear();
        config.getEntries().add(entry);
        config.setEnabled(true);
    }

    /** Carries the server's Vert.x instance to the handler factory; it authenticates nothing itself. */
    private record GuardFactory(Vertx vertx) implements AuthenticationProvider {
        @Override
        public void authenticate(JsonObject credentials, Handler<AsyncResult<User>> handler) {
            handler.handle(Future.failedFuture("the request guard authenticates"));
        }
    }

    /** A path nothing serves: the API's JSON 404, after every route (Camel adds its routes as they start). */
    private static void notFoundLast(VertxPlatformHttpRouter router) {
        router.route().order(Integer.MAX_VALUE - 1).handler(ctx -> JsonError.send(ctx, 404,
                "nothing here answers " + ctx.request().method() + " " + ctx.normalizedPath()));
    }

    /**
     * Logs what a server serves, at the address it is bound to, once Camel has started — Camel's own summary
     * names every server {@code 0.0.0.0}.
     */
    private static void logEndpoints(CamelContext camel, String what, String host, int port,
                                     Function<PlatformHttpComponent, Set<HttpEndpointModel>> endpoints) throws Exception {
        camel.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                // logged once every route has started and registered its paths
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
                PlatformHttpComponent component = context.getComponent("platform-http", PlatformHttpComponent.class);
                String base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
                LOG.info("{} listening on {}", what, base);
                // a line each, as Camel's summary: log lines never carry line breaks
                for (HttpEndpointModel e : endpoints.apply(component)) {
                    LOG.info("    {}{}{}", base, e.getUri(), e.getVerbs() == null ? "" : " (" + e.getVerbs() + ")");
                }
            }
        });
    }

    /** The main server: the operations API, the operator console (and the demo back office in the demo profile). */
    static final class ApiServer extends MainHttpServer {
        static final String WHAT = "the HTTP server (operations API)";

        private OperatorConsole console;

        @Override
        protected void doStart() throws Exception {
            super.doStart();
            if (console != null) {
                console.mount(getRouter());
                getCamelContext().getComponent("platform-http", PlatformHttpComponent.class)
                        .addHttpEndpoint(OperatorConsole.PATH + "/", "GET", null, "text/html", null);
            }
            notFoundLast(getRouter());
        }

        @Override
        protected void setupStartupSummary() throws Exception {
            logEndpoints(getCamelContext(), WHAT, getHost(), getPort(), PlatformHttpComponent::getHttpEndpoints);
        }
    }

    /** The management server, with Ferry's {@code /observe/info}. */
    static final class ManagementServer extends ManagementHttpServer {
        static final String WHAT = "the management HTTP server";

        @Override
        protected void doStart() throws Exception {
            super.doStart();
            notFoundLast(getRouter());
        }

        @Override
        protected void setupInfo() {
            CamelContext camel = getCamelContext();
            Route info = getRouter().route(getInfoPath()).method(HttpMethod.GET).produces("application/json");
            info.handler(new BlockingHandlerDecorator(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                    .end(FerryInfo.of(camel).json(camel).encode()), true));
            camel.getComponent("platform-http", PlatformHttpComponent.class)
                    .addHttpManagementEndpoint(getInfoPath(), "GET", null, "application/json", null);
        }

        @Override
        protected void setupStartupSummary() throws Exception {
            logEndpoints(getCamelContext(), WHAT, getHost(), getPort(), PlatformHttpComponent::getHttpManagementEndpoints);
        }
    }
}
