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
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.util.Timeout;

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
                throw new IllegalArgumentException("api must be an http:// or https:// URL, was '" + url + "'");
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

    private static final long FIRST_BACK_OFF_MILLIS = 1_000;
    private static final long WAIT_SLICE_MILLIS = 200;

    private final CamelContext camel;
    private final Settings settings;
    private final ProducerTemplate template;
    private final String endpointUri;
    private final String baseQuery;
    private final String baseUrl;
    private final Clock clock;
    private final long minIntervalNanos;
    private long lastRequestNanos = Long.MIN_VALUE;

    /**
     * @param configurerName registry name under which this endpoint's HttpClient settings are bound (unique per
     *                       connector)
     */
    public ApiClient(CamelContext camel, String configurerName, Settings settings, Clock clock) {
        this.camel = camel;
        this.settings = settings;
        this.clock = clock;
        int query = settings.url().indexOf('?');
        this.baseUrl = query < 0 ? settings.url() : settings.url().substring(0, query);
        this.baseQuery = query < 0 ? "" : settings.url().substring(query + 1);
        this.minIntervalNanos = settings.requestsPerSecond() == 0 ? 0 : (long) (1e9 / settings.requestsPerSecond());
        camel.getRegistry().bind(configurerName, HttpClientConfigurer.class, configurer(settings.timeout()));
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
        this.template = camel.createProducerTemplate();
    }

    /** Starts the client's producer template, with the connector's endpoint (again, after a stop). */
    public void open() {
        template.start();
    }

    /** Stops the client's producer template, with the connector's endpoint. */
    @Override
    public void close() {
        try {
            template.stop();
        } catch (RuntimeException e) {
            // stopping a template releases its cached producers; nothing is left to do if that fails
        }
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
        String shown = absoluteUrl != null ? Redact.urls(absoluteUrl) : pageQuery.isEmpty() ? baseUrl
                : baseUrl + " (" + URLDecoder.decode(pageQuery, StandardCharsets.UTF_8) + ")";
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
        Duration wait = asked.orElse(Duration.ofMillis(FIRST_BACK_OFF_MILLIS << Math.min(attempt, 10)));
        if (wait.compareTo(settings.maxRetryAfter()) > 0) {
            throw new ApiException("GET " + shown + " answered 429/503 asking to wait " + wait.toSeconds()
                    + " s, more than apiMaxRetryAfter (" + settings.maxRetryAfter().toSeconds() + " s)");
        }
        return wait;
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
    static String nextLink(Object link, String current) {
        if (link == null) {
            return null;
        }
        List<?> lines = link instanceof List<?> list ? list : List.of(link);
        for (Object line : lines) {
            for (String part : line.toString().split(",(?=\\s*<)")) {
                int open = part.indexOf('<');
                int close = part.indexOf('>', open + 1);
                if (open >= 0 && close > open && part.substring(close).matches("(?is).*;\\s*rel\\s*=\\s*\"?([^\"]*\\s)?next(\\s[^\"]*)?\"?.*")) {
                    return resolve(current, part.substring(open + 1, close).trim());
                }
            }
        }
        return null;
    }

    /** {@code next} (absolute, or relative to the page it came with) as an absolute URL. */
    static String resolve(String current, String next) {
        return URI.create(current).resolve(next).toString();
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
