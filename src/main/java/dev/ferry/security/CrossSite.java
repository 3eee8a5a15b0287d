package dev.ferry.security;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.ferry.Settings;

/**
 * The rules that keep web pages from acting through a browser on Ferry's servers (cross-site request forgery),
 * and from reading them through a DNS name rebound to this machine. Browsers are hostile callers: any page
 * can make one send a POST with a {@code text/plain} body and without preflight, cached Basic credentials
 * included, so authentication alone does not close it.
 *
 * <ul>
 *   <li>A request that may change state (any method but GET, HEAD, OPTIONS) must come from no page at all
 *       (curl, scripts, Hawtio's server-side proxy without a browser's headers) or from the server's own origin,
 *       or from an origin in {@code ferry.security.allowed-origins}: {@code Origin}, else the origin of
 *       {@code Referer}, names the page; {@code Sec-Fetch-Site: cross-site} is refused whatever they say.</li>
 *   <li>Its body must be JSON ({@code application/json}, {@code text/json}, {@code application/*+json}): a type a
 *       browser never sends cross-site without asking the server first.</li>
 *   <li>Without authentication, the {@code Host} must be a loopback name or address, or one in
 *       {@code ferry.security.allowed-hosts}, on every path: a rebound name is not.</li>
 * </ul>
 */
final class CrossSite {

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final Pattern JSON = Pattern.compile("(?i)\\s*(application/json|text/json|application/[a-z0-9.+-]+\\+json)\\s*(;.*)?");
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*");

    private final Set<String> allowedOrigins;
    private final Set<String> allowedHosts;

    CrossSite(Set<String> allowedOrigins, Set<String> allowedHosts) {
        this.allowedOrigins = allowedOrigins;
        this.allowedHosts = allowedHosts;
    }

    static CrossSite read(Settings settings, List<String> problems) {
        Set<String> origins = list(settings.string(Settings.SECURITY_ALLOWED_ORIGINS));
        for (String origin : origins) {
            if (origin(origin).filter(origin::equals).isEmpty()) {
                problems.add(Settings.SECURITY_ALLOWED_ORIGINS.key() + ": '" + Access.printable(origin) + "' is not an origin"
                        + " such as https://console.example.com or http://127.0.0.1:8090 (scheme, host and port, no path)");
            }
        }
        return new CrossSite(origins, list(settings.string(Settings.SECURITY_ALLOWED_HOSTS)));
    }

    private static Set<String> list(String value) {
        return List.of(value.split(",")).stream().map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    static boolean changesState(String method) {
        return !SAFE_METHODS.contains(method.toUpperCase(Locale.ROOT));
    }

    /**
     * Why a state-changing request is refused as cross-site, or empty.
     *
     * @param self    the server's origin as the request names it: scheme and its {@code Host}
     * @param origin  the {@code Origin} header, or null
     * @param referer the {@code Referer} header, or null
     * @param fetchSite the {@code Sec-Fetch-Site} header, or null
     */
    Optional<String> crossSite(String self, String origin, String referer, String fetchSite) {
        if ("cross-site".equalsIgnoreCase(fetchSite == null ? "" : fetchSite.trim())) {
            return Optional.of("a page of another site sent it (Sec-Fetch-Site: cross-site)");
        }
        String page = origin != null ? origin.trim() : referer == null ? null : origin(referer.trim()).orElse("null");
        if (page == null) {
            return Optional.empty();
        }
        String normalized = origin(page).orElse(page).toLowerCase(Locale.ROOT);
        if (normalized.equals(origin(self).orElse(self).toLowerCase(Locale.ROOT)) || allowedOrigins.contains(normalized)) {
            return Optional.empty();
        }
        return Optional.of("a page of " + Access.printable(page) + " may not change anything here (allow its origin in "
                + Settings.SECURITY_ALLOWED_ORIGINS.key() + " if it is yours)");
    }

    /** Why a request body's type is refused, or empty; {@code hasBody} is whether the request carries one. */
    static Optional<String> notJson(boolean hasBody, String contentType) {
        if (!hasBody || (contentType != null && JSON.matcher(contentType).matches())) {
            return Optional.empty();
        }
        return Optional.of("a request body must be JSON (Content-Type: application/json), not "
                + (contentType == null ? "untyped" : Access.printable(contentType)));
    }

    /** Why the Host of a request without authentication is refused, or empty. */
    Optional<String> foreignHost(String host) {
        String name = host == null ? "" : host.trim().toLowerCase(Locale.ROOT);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        if (loopbackName(name) || allowedHosts.contains(name)) {
            return Optional.empty();
        }
        return Optional.of("Host " + Access.printable(host == null ? "(none)" : host) + " is not this machine's loopback"
                + " name; without authentication Ferry answers only to 127.0.0.1, [::1] and localhost (add a name to "
                + Settings.SECURITY_ALLOWED_HOSTS.key() + " if it is yours)");
    }

    /** localhost or a loopback IP literal, decided without DNS (a rebound name resolves to loopback too). */
    static boolean loopbackName(String host) {
        if ("localhost".equalsIgnoreCase(host)) {
            return true;
        }
        if (!IP_LITERAL.matcher(host).matches()) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** {@code scheme://host[:port]} of a URL, with the scheme's default port left out; empty for anything else. */
    static Optional<String> origin(String url) {
        try {
            URI uri = URI.create(url);
            if (uri.getScheme() == null || uri.getHost() == null) {
                return Optional.empty();
            }
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            int port = uri.getPort();
            boolean defaultPort = port < 0 || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
            return Optional.of(scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port));
        } catch (IllegalArgumentException malformed) {
            return Optional.empty();
        }
    }
}
