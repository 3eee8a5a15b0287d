package dev.ferry.security;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.AuthenticationHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every request on both of Ferry's HTTP servers, on every path: the headers every answer
 * carries, the {@link CrossSite} rules, and authentication — HTTP Basic against {@link Users} (throttled by
 * {@link LoginThrottle}, hashing off the event loop) or a bearer token ({@link BearerTokens}). Every refusal is
 * the API's JSON error.
 */
public final class RequestGuard implements AuthenticationHandler {

    private static final Logger LOG = LoggerFactory.getLogger(RequestGuard.class);
    private static final String REALM = "ferry";

    private final Access access;
    private final Vertx vertx;
    private final String authenticationPath;
    private final BearerTokens.Verifier tokens;

    /**
     * @param authenticationPath where callers must authenticate ({@code camel.server.authentication-path}):
     *                           everywhere when blank or {@code /*}, else that path (a trailing {@code *} a prefix)
     */
    public RequestGuard(Access access, Vertx vertx, String authenticationPath) {
        this.access = access;
        this.vertx = vertx;
        this.authenticationPath = authenticationPath == null || authenticationPath.isBlank() || "/".equals(authenticationPath)
                ? "/*" : authenticationPath;
        this.tokens = access.tokens() == null ? null : access.tokens().verifier(vertx);
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        secureHeaders(ctx.response());
        if (!access.enabled()) {
            Optional<String> foreign = access.crossSite().foreignHost(host(request));
            if (foreign.isPresent()) {
                refuse(ctx, 403, foreign.get());
                return;
            }
        }
        if (CrossSite.changesState(request.method().name())) {
            Optional<String> crossSite = access.crossSite().crossSite(self(request),
                    request.getHeader(HttpHeaders.ORIGIN), request.getHeader(HttpHeaders.REFERER), request.getHeader("Sec-Fetch-Site"));
            if (crossSite.isPresent()) {
                refuse(ctx, 403, crossSite.get());
                return;
            }
            Optional<String> notJson = CrossSite.notJson(hasBody(request), request.getHeader(HttpHeaders.CONTENT_TYPE));
            if (notJson.isPresent()) {
                refuse(ctx, 415, notJson.get());
                return;
            }
        }
        if (!access.enabled() || !authenticates(ctx.normalizedPath())) {
            ctx.next();
            return;
        }
        authenticate(ctx);
    }

    /** Answers are data, never pages: not sniffed into HTML, not cached, not framed. */
    private static void secureHeaders(HttpServerResponse response) {
        response.putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    }

    private boolean authenticates(String path) {
        if ("/*".equals(authenticationPath)) {
            return true;
        }
        return authenticationPath.endsWith("*")
                ? path.startsWith(authenticationPath.substring(0, authenticationPath.length() - 1))
                : path.equals(authenticationPath);
    }

    private void authenticate(RoutingContext ctx) {
        String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        String client = ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().host();
        int space = header == null ? -1 : header.indexOf(' ');
        String scheme = space < 0 ? "" : header.substring(0, space).toLowerCase(Locale.ROOT);
        String credentials = space < 0 ? "" : header.substring(space + 1).trim();
        if ("basic".equals(scheme) && access.users().any()) {
            basic(ctx, client, credentials);
        } else if ("bearer".equals(scheme) && tokens != null) {
            bearer(ctx, client, credentials);
        } else {
            unauthorized(ctx, header == null ? "authentication required" : "credentials of a kind Ferry does not accept");
        }
    }

    private void basic(RoutingContext ctx, String client, String credentials) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            unauthorized(ctx, "the Basic credentials are not Base64");
            return;
        }
        int colon = decoded.indexOf(':');
        String name = colon < 0 ? decoded : decoded.substring(0, colon);
        String password = colon < 0 ? "" : decoded.substring(colon + 1);
        if (throttled(ctx, client, name)) {
            return;
        }
        ctx.request().pause();
        // PBKDF2 takes a few hundred milliseconds: on a worker thread, never on the event loop
        vertx.executeBlocking(() -> access.users().verify(name, password), false).onComplete(result -> {
            resume(ctx);
            if (result.succeeded() && result.result().isPresent()) {
                Users.Account account = result.result().get();
                access.throttle().succeeded(name);
                accept(ctx, Access.user(account.name(), account.roles()));
            } else {
                failed(client, name);
                unauthorized(ctx, "invalid user name or password");
            }
        });
    }

    private void bearer(RoutingContext ctx, String client, String token) {
        if (throttled(ctx, client, null)) {
            return;
        }
        ctx.request().pause();
        tokens.verify(token).onComplete(result -> {
            resume(ctx);
            if (result.succeeded()) {
                accept(ctx, result.result());
            } else {
                failed(client, null);
                unauthorized(ctx, result.cause() instanceof BearerTokens.Refused refused ? refused.getMessage()
                        : "the bearer token did not verify");
            }
        });
    }

    private boolean throttled(RoutingContext ctx, String client, String name) {
        Optional<Duration> wait = access.throttle().refusedFor(client, name);
        if (wait.isEmpty()) {
            return false;
        }
        long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
        ctx.response().putHeader("Retry-After", String.valueOf(seconds));
        refuse(ctx, 429, "too many failed logins from this address or for this user; try again in " + seconds + " s");
        return true;
    }

    private void failed(String client, String name) {
        access.throttle().failed(client, name).ifPresent(locked -> LOG.warn(
                "Logins of {} are refused for up to {} s: {} failed attempts within that time (last from {})", locked,
                access.throttle().window().toSeconds(), access.throttle().maxFailures(), client));
    }

    private static void accept(RoutingContext ctx, User user) {
        ctx.setUser(user);
        ctx.next();
    }

    private static void resume(RoutingContext ctx) {
        if (!ctx.request().isEnded()) {
            ctx.request().resume();
        }
    }

    private void unauthorized(RoutingContext ctx, String why) {
        String challenge = access.users().any() ? "Basic realm=\"" + REALM + "\"" : "Bearer realm=\"" + REALM + "\"";
        ctx.response().putHeader("WWW-Authenticate", challenge);
        refuse(ctx, 401, why);
    }

    private static void refuse(RoutingContext ctx, int status, String why) {
        // failed logins are not logged one by one: the throttle logs once when it locks an address or a name
        if (status != 401 && status != 429) {
            LOG.warn("{} {} refused ({}): {}", ctx.request().method(), Access.printable(ctx.request().path()), status, why);
        }
        JsonError.send(ctx, status, why);
    }

    private static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            try {
                return Long.parseLong(length.trim()) > 0;
            } catch (NumberFormatException e) {
                return true;
            }
        }
        return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
    }

    /** The server's origin as the request names it (Host in HTTP/1.1, :authority in HTTP/2). */
    private static String self(HttpServerRequest request) {
        HostAndPort authority = request.authority();
        if (authority == null) {
            return request.scheme() + "://";
        }
        String host = authority.host().contains(":") && !authority.host().startsWith("[") ? "[" + authority.host() + "]"
                : authority.host();
        return request.scheme() + "://" + host + (authority.port() < 0 ? "" : ":" + authority.port());
    }

    private static String host(HttpServerRequest request) {
        HostAndPort authority = request.authority();
        return authority != null ? authority.host() : null;
    }
}
