package dev.ferry.gather;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.delivery.RetryAfter;
import dev.ferry.security.Redact;

/**
 * The HTTP side of an API source: GETs pages through camel-http, one endpoint per connector, authenticated the way
 * camel-http does it (Basic, OAuth2 client credentials) or with a bearer token, no faster than the connector's rate
 * limit, and waiting out {@code 429}/{@code 503} as {@code Retry-After} asks, a few times at most.
 *
 * <p>HttpClient's own retry of 429 and 503 is turned off for this endpoint (it waits without a cap and without
 * telling anyone); Ferry's wait is capped, logged as the run's, and interrupted when Ferry stops.
 */
public final class ApiClient implements AutoCloseable {

    /**
     * What a page request answered.
     *
     * @param url   the URL asked, with its query: what a relative next-page link is resolved against
     * @param shown the request as messages name it: the URL without its own query, and the page's parameters
     */
    public record Response(int status, String body, Object link, String url, String shown) {
    }

    /** An API answered with an error, or kept answering 429/503 for longer than allowed: the run fails. */
    public static final class ApiException extends Exception {
        public ApiException(String message) {
            super(message);
        }
    }

    /** Settings of the HTTP side. */
    public record Settings(String url, Duration timeout, double requestsPerSecond, int retries, Duration maxRetryAfter,
                           String authUsername, String authPassword, String bearerToken, String oauth2ClientId,
                           String oauth2ClientSecret, String oauth2TokenEndpoint, String oauth2Scope) {

        public Settings {
            if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
                throw new IllegalArgumentException("api must be an http:// or https:// URL, was '" + Redact.urls(url) + "'");
            }
            try {
                if (URI.create(url).getHost() == null) {
                    throw new IllegalArgumentException("no host");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("api is not a URL (" + e.getMessage().replaceAll(":.*", "") + "): '"
                        + Redact.urls(url) + "'", e);
            }
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("apiTimeout must be positive, was " + timeout);
            }
            if (requestsPerSecond < 0) {
                throw new IllegalArgumentException("requestsPerSecond must be 0 (no limit) or positive, was "
                        + requestsPerSecond);
            }
            if (retries < 0) {
                throw new IllegalArgumentException("apiRetries must be 0 or more, was " + retries);
            }
            if ((authUsername == null) != (authPassword == null)) {
                throw new IllegalArgumentException("Set both authUsername and authPassword (Basic authentication)");
            }
            if (oauth2ClientId != null && (oauth2ClientSecret == null || oauth2TokenEndpoint == null)) {
                throw new IllegalArgumentException("OAuth2 client credentials need oauth2ClientId, oauth2ClientSecret"
                        + " and oauth2TokenEndpoint");
            }
            int methods = (authUsername != null ? 1 : 0) + (bearerToken != null ? 1 : 0) + (oauth2ClientId != null ? 1 : 0);
            if (methods > 1) {
                throw new IllegalArgumentException("Set one of Basic (authUsername/authPassword), bearerToken and OAuth2"
                        + " (oauth2ClientId/...), not several");
            }
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ApiClient.class);
    private static final long FIRST_BACK_OFF_MILLIS = 1_000;
    private static final long WAIT_SLICE_MILLIS = 200;

    private final CamelContext camel;
    private final Settings settings;
    private final String configurerName;
    private ProducerTemplate template;
    private final String endpointUri;
    private final String baseQuery;
    private final String baseUrl;
    private final Clock clock;
    private final long minIntervalNanos;
    private long lastRequestNanos = Long.MIN_VALUE;

    /**
     * Nothing is started or bound until {@link #open}: a connector definition that fails later leaves nothing behind.
     *
     * @param connector the connector whose API this is: its HttpClient settings are bound under a name of its own
     */
    public ApiClient(CamelContext camel, String connector, Settings settings, Clock clock) {
        this.camel = camel;
        this.settings = settings;
        this.clock = clock;
        int query = settings.url().indexOf('?');
        this.baseUrl = query < 0 ? settings.url() : settings.url().substring(0, query);
        this.baseQuery = query < 0 ? "" : settings.url().substring(query + 1);
        this.minIntervalNanos = settings.requestsPerSecond() == 0 ? 0 : (long) (1e9 / settings.requestsPerSecond());
        // the timeout is in the name: changed, it makes another endpoint, with its own HttpClient
        this.configurerName = "ferryApiHttp-" + connector + "-" + settings.timeout().toMillis();
        StringBuilder uri = new StringBuilder(baseUrl).append("?throwExceptionOnFailure=false")
                .append("&httpClientConfigurer=#").append(configurerName);
        if (settings.authUsername() != null) {
            uri.append("&authMethod=Basic&authenticationPreemptive=true&authUsername=RAW(").append(settings.authUsername())
                    .append(")&authPassword=RAW(").append(settings.authPassword()).append(')');
        }
        if (settings.oauth2ClientId() != null) {
            // camel-http fetches a token before a request and, with oauth2CacheTokens, keeps it until it expires
            uri.append("&oauth2ClientId=RAW(").append(settings.oauth2ClientId()).append(")&oauth2ClientSecret=RAW(")
                    .append(settings.oauth2ClientSecret()).append(")&oauth2TokenEndpoint=RAW(")
                    .append(settings.oauth2TokenEndpoint()).append(")&oauth2CacheTokens=true");
            if (settings.oauth2Scope() != null) {
                uri.append("&oauth2Scope=RAW(").append(settings.oauth2Scope()).append(')');
            }
        }
        this.endpointUri = uri.toString();
    }

    /** Binds the HttpClient settings and starts a producer template: the connector's endpoint starts. */
    public synchronized void open() {
        camel.getRegistry().bind(configurerName, HttpClientConfigurer.class, configurer(settings.timeout()));
        if (template == null) {
            template = camel.createProducerTemplate();
        }
        template.start();
    }

    /**
     * The connector's endpoint stops (a reload, a disable): its template stops, and the camel-http endpoint goes with
     * its HttpClient and connections — a reloaded connector with other credentials or timeout makes a new one.
     */
    @Override
    public synchronized void close() {
        if (template != null) {
            template.stop();
        }
        Endpoint http = camel.hasEndpoint(endpointUri);
        if (http != null) {
            try {
                camel.removeEndpoint(http);
            } catch (Exception e) {
                LOG.debug("Could not remove the API endpoint of {}", configurerName, e);
            }
        }
        camel.getRegistry().unbind(configurerName);
    }

    /** No automatic retries (Ferry waits for 429/503 itself), and the connector's timeout for each request. */
    private static HttpClientConfigurer configurer(Duration timeout) {
        Timeout t = Timeout.ofMilliseconds(timeout.toMillis());
        return builder -> builder.disableAutomaticRetries().setDefaultRequestConfig(RequestConfig.custom()
                .setResponseTimeout(t).setConnectionRequestTimeout(t).build());
    }

    CamelContext camel() {
        return camel;
    }

    /**
     * GETs a page: the API URL with the page's parameters added to its own ({@code pageQuery}, encoded, without
     * {@code ?}), or {@code absoluteUrl} (a next-page URL the API gave) when set.
     */
    public Response get(String pageQuery, String absoluteUrl, BooleanSupplier stopping) throws Exception {
        if (pageQuery == null) {
            pageQuery = "";
        }
        String query = baseQuery.isEmpty() ? pageQuery : pageQuery.isEmpty() ? baseQuery : baseQuery + "&" + pageQuery;
        String url = absoluteUrl != null ? absoluteUrl : query.isEmpty() ? baseUrl : baseUrl + "?" + query;
        // the API URL's own query may hold a key; the page's parameters are Ferry's
        String base = Redact.urls(baseUrl);
        String shown = absoluteUrl != null ? Redact.urls(absoluteUrl) : pageQuery.isEmpty() ? base
                : base + " (" + URLDecoder.decode(pageQuery, StandardCharsets.UTF_8) + ")";
        if (template == null) {
            open();
        }
        int attempt = 0;
        while (true) {
            pace(stopping);
            Exchange answer = template.send(endpointUri, exchange -> {
                exchange.getIn().setHeader(Exchange.HTTP_METHOD, "GET");
                exchange.getIn().setHeader("Accept", "application/json");
                if (absoluteUrl != null) {
                    exchange.getIn().setHeader(Exchange.HTTP_URI, absoluteUrl);
                } else if (!query.isEmpty()) {
                    exchange.getIn().setHeader(Exchange.HTTP_QUERY, query);
                }
                if (settings.bearerToken() != null) {
                    exchange.getIn().setHeader("Authorization", "Bearer " + settings.bearerToken());
                }
            });
            if (answer.getException() != null) {
                throw new ApiException("GET " + shown + " failed: " + answer.getException());
            }
            int status = answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
            String body = answer.getMessage().getBody(String.class);
            if (status >= 200 && status < 300) {
                return new Response(status, body, answer.getMessage().getHeader("Link"), url, shown);
            }
            if ((status == 429 || status == 503) && attempt < settings.retries()) {
                Duration wait = wait(answer.getMessage().getHeader("Retry-After", String.class), attempt, shown);
                attempt++;
                sleep(wait, stopping);
                continue;
            }
            throw new ApiException("GET " + shown + " answered " + status
                    + (attempt > 0 ? " after " + attempt + " wait(s)" : "") + ": " + excerpt(body));
        }
    }

    /** How long to wait before repeating a 429/503: its {@code Retry-After}, else 1, 2, 4 … s; above the cap fails. */
    private Duration wait(String retryAfter, int attempt, String shown) throws ApiException {
        Optional<Duration> asked = retryAfter == null ? Optional.empty() : RetryAfter.parse(retryAfter, clock.instant());
        if (asked.isEmpty()) {
            Duration backOff = Duration.ofMillis(FIRST_BACK_OFF_MILLIS << Math.min(attempt, 10));
            return backOff.compareTo(settings.maxRetryAfter()) > 0 ? settings.maxRetryAfter() : backOff;
        }
        if (asked.get().compareTo(settings.maxRetryAfter()) > 0) {
            throw new ApiException("GET " + shown + " answered 429/503 asking to wait " + asked.get().toSeconds()
                    + " s, more than apiMaxRetryAfter (" + settings.maxRetryAfter().toSeconds() + " s)");
        }
        return asked.get();
    }

    /** Waits until the rate limit allows the next request. */
    private void pace(BooleanSupplier stopping) throws Exception {
        if (minIntervalNanos > 0 && lastRequestNanos != Long.MIN_VALUE) {
            long due = lastRequestNanos + minIntervalNanos - System.nanoTime();
            if (due > 0) {
                sleep(Duration.ofNanos(due), stopping);
            }
        }
        lastRequestNanos = System.nanoTime();
    }

    /** Sleeps in slices, so that a stopping Ferry does not wait for a long {@code Retry-After}. */
    private static void sleep(Duration wait, BooleanSupplier stopping) throws Exception {
        long end = System.nanoTime() + wait.toNanos();
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            if (stopping.getAsBoolean()) {
                throw new Gatherer.StoppedException();
            }
            Thread.sleep(Math.max(1, Math.min(WAIT_SLICE_MILLIS, left / 1_000_000)));
        }
    }

    /** The URL of the {@code rel="next"} link of a {@code Link} header (one line or several), resolved, or null. */
    String nextLink(Object link, String current) throws ApiException {
        if (link == null) {
            return null;
        }
        List<?> lines = link instanceof List<?> list ? list : List.of(link);
        for (Object line : lines) {
            for (String part : line.toString().split(",(?=\\s*<)")) {
                int open = part.indexOf('<');
                int close = part.indexOf('>', open + 1);
                if (open >= 0 && close > open && part.substring(close).matches("(?is).*;\\s*rel\\s*=\\s*\"?([^\"]*\\s)?next(\\s[^\"]*)?\"?.*")) {
                    return resolveNext(current, part.substring(open + 1, close).trim());
                }
            }
        }
        return null;
    }

    /**
     * {@code next} (absolute, or relative to the page it came with) as an absolute URL — on the API's own scheme, host
     * and port: the API's credentials go with each request, and to nowhere else.
     */
    String resolveNext(String current, String next) throws ApiException {
        URI resolved;
        try {
            resolved = URI.create(current).resolve(next.strip());
        } catch (IllegalArgumentException e) {
            throw new ApiException(Redact.urls(current) + " names a next page that is not a URL");
        }
        URI api = URI.create(baseUrl);
        if (!api.getScheme().equalsIgnoreCase(resolved.getScheme()) || !api.getHost().equalsIgnoreCase(resolved.getHost())
                || api.getPort() != resolved.getPort()) {
            throw new ApiException(Redact.urls(current) + " names a next page at " + resolved.getScheme() + "://"
                    + resolved.getHost() + (resolved.getPort() < 0 ? "" : ":" + resolved.getPort()) + ", not at the API's "
                    + api.getScheme() + "://" + api.getHost() + (api.getPort() < 0 ? "" : ":" + api.getPort())
                    + "; Ferry sends the API's credentials nowhere else");
        }
        return resolved.toString();
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String excerpt(String body) {
        if (body == null || body.isBlank()) {
            return "(no body)";
        }
        String line = body.strip().replaceAll("\\s+", " ");
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
