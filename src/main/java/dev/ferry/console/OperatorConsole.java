package dev.ferry.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.ferry.security.JsonError;

/**
 * The operator console: a page application served by the API server under {@value #PATH}, from Ferry's own
 * classpath ({@value #RESOURCES}) and nothing else — no file from the disk, no asset from another host, so it works
 * offline and a path can name only what Ferry ships.
 *
 * <p>Every request has first passed the {@link dev.ferry.security.RequestGuard}, as any API request: the console's
 * files need the same authentication as the API, and what the console shows and does comes from the operations API
 * under {@code /api}, whose roles decide (a reader's action answers 403 there). The answers here add a
 * Content-Security-Policy that lets the page load only its own scripts, styles and images, call only its own
 * origin, and run one inline script — {@code index.html}'s import map, allowed by its hash.
 */
public final class OperatorConsole {

    public static final String PATH = "/console";
    static final String RESOURCES = "dev/ferry/console/";
    static final String INDEX = "index.html";
    /** What a path may name: letters, digits, '-' and '_' in folders and a file with a served extension. */
    private static final Pattern FILE = Pattern.compile("(?:[A-Za-z0-9_-]+/)*[A-Za-z0-9_.-]+\\.(html|mjs|css|svg|map)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "mjs", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "map", "application/json; charset=utf-8");
    private static final Pattern IMPORT_MAP = Pattern.compile("<script type=\"importmap\">(.*?)</script>", Pattern.DOTALL);

    private final ClassLoader loader;
    private final String policy;
    private final Map<String, Optional<Asset>> assets = new ConcurrentHashMap<>();

    /** A file as served: its bytes, media type and entity tag. */
    private record Asset(Buffer body, String type, String etag) {
    }

    private OperatorConsole(ClassLoader loader, String policy) {
        this.loader = loader;
        this.policy = policy;
    }

    /**
     * The console of this classpath. Reads {@code index.html} now, for the hash of its import map: a console whose
     * page is missing or has no import map refuses to start rather than serve a page its policy would break.
     */
    public static OperatorConsole load(ClassLoader loader) {
        byte[] index = read(loader, RESOURCES + INDEX)
                .orElseThrow(() -> new IllegalStateException("the console's page " + RESOURCES + INDEX + " is not on the class path"));
        Matcher importMap = IMPORT_MAP.matcher(new String(index, StandardCharsets.UTF_8));
        if (!importMap.find()) {
            throw new IllegalStateException(RESOURCES + INDEX + " has no <script type=\"importmap\">");
        }
        return new OperatorConsole(loader, policy(importMap.group(1)));
    }

    /** The console's Content-Security-Policy, allowing the inline import map {@code script} by its SHA-256 hash. */
    static String policy(String importMap) {
        String hash = Base64.getEncoder().encodeToString(sha256(importMap.getBytes(StandardCharsets.UTF_8)));
        return "default-src 'none'; script-src 'self' 'sha256-" + hash + "'; style-src 'self'; img-src 'self';"
                + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    /** Serves the console on the router: {@value #PATH} sends the browser to {@value #PATH}/, the page's base. */
    public void mount(Router router) {
        router.route(PATH + "*").handler(this::serve);
    }

    private void serve(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        if (!path.equals(PATH) && !path.startsWith(PATH + "/")) {
            ctx.next(); // /consoles, /console-x: not the console's
            return;
        }
        HttpMethod method = ctx.request().method();
        if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
            ctx.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD");
            JsonError.send(ctx, 405, "the console's files are read with GET; its actions are the API's, under /api");
            return;
        }
        if (path.equals(PATH)) {
            ctx.response().setStatusCode(301).putHeader(HttpHeaders.LOCATION, PATH + "/").end();
            return;
        }
        String file = path.substring(PATH.length() + 1);
        if (file.isEmpty()) {
            file = INDEX;
        }
        Optional<Asset> asset = FILE.matcher(file).matches() ? assets.computeIfAbsent(file, this::asset) : Optional.empty();
        if (asset.isEmpty()) {
            JsonError.send(ctx, 404, "the console has no file " + file);
            return;
        }
        send(ctx, asset.get(), method == HttpMethod.HEAD);
    }

    private void send(RoutingContext ctx, Asset asset, boolean head) {
        HttpServerResponse response = ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, asset.type())
                .putHeader(HttpHeaders.ETAG, asset.etag())
                // kept by the browser, asked again each time: a new Ferry's console is never mixed with an old one's
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                .putHeader("Content-Security-Policy", policy)
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Cross-Origin-Opener-Policy", "same-origin")
                .putHeader("Cross-Origin-Resource-Policy", "same-origin");
        if (asset.etag().equals(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH))) {
            response.setStatusCode(304).end();
        } else if (head) {
            response.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(asset.body().length())).end();
        } else {
            response.end(asset.body());
        }
    }

    private Optional<Asset> asset(String file) {
        String extension = file.substring(file.lastIndexOf('.') + 1);
        return read(loader, RESOURCES + file).map(bytes -> new Asset(Buffer.buffer(bytes), TYPES.get(extension),
                "\"" + HexFormat.of().formatHex(sha256(bytes), 0, 12) + "\""));
    }

    private static Optional<byte[]> read(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource + " from the class path", e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
