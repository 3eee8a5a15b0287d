package dev.ferry.ops;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.KeyStoreOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.AuthenticationProvider;
import io.vertx.ext.auth.authentication.Credentials;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.handler.AuthenticationHandler;
import io.vertx.ext.web.handler.BasicAuthHandler;
import io.vertx.ext.web.handler.ChainAuthHandler;
import io.vertx.ext.web.handler.JWTAuthHandler;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.component.platform.http.main.DefaultMainHttpServerFactory;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.component.platform.http.vertx.auth.AuthenticationConfig;
import org.apache.camel.main.HttpManagementServerConfigurationProperties;
import org.apache.camel.main.HttpServerConfigurationProperties;
import org.apache.camel.main.MainHttpServerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.Settings;

/**
 * Camel's embedded HTTP servers (the main one, {@code camel.server.*}, and the management one,
 * {@code camel.management.*}) with Ferry's access rules: a server bound beyond loopback refuses to
 * start without authentication, and with users or token keys configured every request under the
 * authentication path ({@code camel.server.authentication-path}, default all) must authenticate —
 * HTTP Basic against Ferry's users, or a bearer token. Bound into the registry before Camel Main
 * configures itself, so Main creates its servers here.
 */
public final class FerryHttpServerFactory implements MainHttpServerFactory {

    private static final Logger LOG = LoggerFactory.getLogger(FerryHttpServerFactory.class);
    private static final String REALM = "ferry";

    private final DefaultMainHttpServerFactory camel = new DefaultMainHttpServerFactory();

    @Override
    public Service newHttpServer(CamelContext context, HttpServerConfigurationProperties configuration) {
        camel.setCamelContext(context);
        return guarded(context, "the HTTP server (operations API)", "camel.server", configuration.getHost(),
                configuration.getPort(), configuration.getAuthenticationPath(),
                () -> (MainHttpServer) camel.newHttpServer(context, configuration), s -> s.getConfiguration().getAuthenticationConfig());
    }

    @Override
    public Service newHttpManagementServer(CamelContext context, HttpManagementServerConfigurationProperties configuration) {
        camel.setCamelContext(context);
        return guarded(context, "the management HTTP server", "camel.management", configuration.getHost(),
                configuration.getPort(), configuration.getAuthenticationPath(),
                () -> (ManagementHttpServer) camel.newHttpManagementServer(context, configuration),
                s -> s.getConfiguration().getAuthenticationConfig());
    }

    /** Checks the binding, lets Camel create the server, and puts Ferry's authentication in front of it. */
    private static <S extends Service> S guarded(CamelContext context, String what, String prefix, String host, int port,
                                                 String authenticationPath,
                                                 java.util.function.Supplier<S> create,
                                                 java.util.function.Function<S, AuthenticationConfig> authentication) {
        Access access = Access.from(new Settings(context.getPropertiesComponent()));
        access.checkBinding(what, prefix + ".host", host);
        S server = create.get();
        if (access.enabled()) {
            protect(authentication.apply(server), access, authenticationPath);
            LOG.info("{} on {}:{}: callers authenticate ({})", what, host, port, methods(access));
        }
        return server;
    }

    private static String methods(Access access) {
        return (access.basic() ? "HTTP Basic" : "") + (access.basic() && access.jwt() != null ? " or " : "")
                + (access.jwt() != null ? "bearer token" : "");
    }

    private static void protect(AuthenticationConfig config, Access access, String path) {
        AuthenticationConfig.AuthenticationConfigEntry entry = new AuthenticationConfig.AuthenticationConfigEntry();
        entry.setPath(path == null || path.isBlank() || "/".equals(path) ? "/*" : path);
        entry.setAuthenticationProviderFactory(vertx -> new Providers(access.basic() ? access.basicProvider(vertx) : null,
                access.jwt() == null ? null : JWTAuth.create(vertx, new JWTAuthOptions().setKeyStore(new KeyStoreOptions()
                        .setType(access.jwt().type()).setPath(access.jwt().path()).setPassword(access.jwt().password())))));
        entry.setAuthenticationHandlerFactory(new AuthenticationConfig.AuthenticationHandlerFactory() {
            @Override
            public <T extends AuthenticationProvider> AuthenticationHandler createAuthenticationHandler(T provider) {
                Providers providers = (Providers) provider;
                ChainAuthHandler chain = ChainAuthHandler.any();
                if (providers.basic != null) {
                    chain.add(BasicAuthHandler.create(providers.basic, REALM));
                }
                if (providers.jwt != null) {
                    chain.add(JWTAuthHandler.create(providers.jwt));
                }
                return chain;
            }
        });
        config.getEntries().add(entry);
        config.setEnabled(true);
    }

    /** Basic and token authentication side by side; each handler of the chain uses its own. */
    private static final class Providers implements AuthenticationProvider {
        final AuthenticationProvider basic;
        final JWTAuth jwt;

        Providers(AuthenticationProvider basic, JWTAuth jwt) {
            this.basic = basic;
            this.jwt = jwt;
        }

        @Override
        public void authenticate(JsonObject credentials, Handler<AsyncResult<User>> resultHandler) {
            authenticate(credentials.containsKey("token") ? new TokenCredentials(credentials)
                    : new io.vertx.ext.auth.authentication.UsernamePasswordCredentials(credentials)).onComplete(resultHandler);
        }

        @Override
        public Future<User> authenticate(Credentials credentials) {
            if (credentials instanceof TokenCredentials && jwt != null) {
                return jwt.authenticate(credentials);
            }
            return basic != null ? basic.authenticate(credentials) : Future.failedFuture("bearer token required");
        }
    }
}
