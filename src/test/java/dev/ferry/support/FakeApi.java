package dev.ferry.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An ERP's contacts API for the API-source tests, on 127.0.0.1 and a free port: {@code GET /<style>/contacts} answers
 * the contacts changed since {@code updated_since} (inclusive), oldest first (by {@code updatedAt}, then {@code id}),
 * as {@code {"data": [...]}} — paged by {@code page}/{@code per_page} ({@code /page}), {@code offset}/{@code limit}
 * ({@code /offset}), {@code page_token} and a {@code next_page_token} in the body ({@code /token}), or a {@code Link}
 * header ({@code /link}). A real paged result set: pages are cut from the contacts as they are when a page is asked
 * for, so a contact changed mid-paging moves. It can ask for Basic, bearer or OAuth2 (token endpoint
 * {@code /oauth/token}) authentication, answer 429 to a given request, and hold a request until released.
 */
public final class FakeApi implements AutoCloseable {

    public enum Auth { NONE, BASIC, BEARER, OAUTH2 }

    public static final String USER = "ferry";
    public static final String PASSWORD = "s3cret&p+w=";
    public static final String TOKEN = "static-token-42";
    public static final String CLIENT_ID = "ferry-client";
    public static final String CLIENT_SECRET = "client&secret+1";

    /** One contact: what the API answers. */
    public record Contact(long id, String name, Instant updatedAt) {
    }

    /** A request the API received: its number (from 1), path and query, and when it arrived. */
    public record Request(int number, String path, String query, String authorization, Instant at) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4);
    private final Map<Long, Contact> contacts = new TreeMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger counter = new AtomicInteger();
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final Map<Integer, Integer> tooManyRequests = new ConcurrentHashMap<>();
    private final Map<Integer, CountDownLatch> held = new ConcurrentHashMap<>();
    private final Map<Integer, Runnable> before = new ConcurrentHashMap<>();
    private volatile Auth auth = Auth.NONE;
    private volatile String issuedToken;
    private volatile String nextBase;

    public FakeApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/oauth/token", this::token);
        server.createContext("/", this::contacts);
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    public void auth(Auth auth) {
        this.auth = auth;
    }

    /** Contacts 1 to {@code count}, named v1, stamped {@code count} seconds ago and after, a second apart. */
    public synchronized void create(int count) {
        Instant start = Instant.now().minusSeconds(3_600).truncatedTo(ChronoUnit.MILLIS);
        for (long id = 1; id <= count; id++) {
            contacts.put(id, new Contact(id, "v1", start.plusSeconds(id)));
        }
    }

    /** Renames a contact (or adds it), stamped now. */
    public synchronized void change(long id, String name) {
        contacts.put(id, new Contact(id, name, Instant.now().truncatedTo(ChronoUnit.MILLIS)));
    }

    /** Deletes a contact: the API no longer lists it. */
    public synchronized void delete(long id) {
        contacts.remove(id);
    }

    public synchronized Contact contact(long id) {
        return contacts.get(id);
    }

    /** Request number {@code n} (counted from 1 over the API's life) is answered 429 with this Retry-After. */
    public void tooManyRequests(int n, int retryAfterSeconds) {
        tooManyRequests.put(n, retryAfterSeconds);
    }

    /** Request number {@code n} waits until {@link #release} before it answers (a client's timeout ends it first). */
    public void hold(int n) {
        held.put(n, new CountDownLatch(1));
    }

    public void release() {
        held.values().forEach(CountDownLatch::countDown);
    }

    /** The {@code Link} header's next page points to {@code base} (another server) instead of this API. */
    public void nextPagesAt(String base) {
        this.nextBase = base;
    }

    /** Runs {@code change} when request number {@code n} arrives, before it is answered. */
    public void before(int n, Runnable change) {
        before.put(n, change);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** How many requests the API has received so far. */
    public int received() {
        return counter.get();
    }

    public int tokenRequests() {
        return tokenRequests.get();
    }

    private void token(HttpExchange exchange) throws IOException {
        tokenRequests.incrementAndGet();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String expected = "Basic " + Base64.getEncoder().encodeToString((CLIENT_ID + ":" + CLIENT_SECRET)
                .getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))
                || !body.contains("grant_type=client_credentials")) {
            answer(exchange, 401, "{\"error\": \"invalid_client\"}", Map.of());
            return;
        }
        issuedToken = "oauth-" + tokenRequests.get();
        answer(exchange, 200, "{\"access_token\": \"" + issuedToken + "\", \"token_type\": \"Bearer\","
                + " \"expires_in\": 3600}", Map.of());
    }

    private void contacts(HttpExchange exchange) throws IOException {
        try (InputStream ignored = exchange.getRequestBody()) {
            int n = counter.incrementAndGet();
            String query = exchange.getRequestURI().getRawQuery();
            requests.add(new Request(n, exchange.getRequestURI().getPath(), query,
                    exchange.getRequestHeaders().getFirst("Authorization"), Instant.now()));
            Runnable change = before.remove(n);
            if (change != null) {
                change.run();
            }
            CountDownLatch latch = held.get(n);
            if (latch != null) {
                latch.await(60, TimeUnit.SECONDS);
            }
            if (!authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
                answer(exchange, 401, "{\"error\": \"unauthorized\"}", Map.of("WWW-Authenticate", "Basic realm=\"erp\""));
                return;
            }
            Integer retryAfter = tooManyRequests.remove(n);
            if (retryAfter != null) {
                answer(exchange, 429, "{\"error\": \"slow down\"}", Map.of("Retry-After", String.valueOf(retryAfter)));
                return;
            }
            page(exchange, exchange.getRequestURI().getPath(), parameters(query));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            answer(exchange, 500, "{\"error\": \"" + e + "\"}", Map.of());
        }
    }

    private boolean authorized(String header) {
        return switch (auth) {
            case NONE -> true;
            case BASIC -> ("Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD)
                    .getBytes(StandardCharsets.UTF_8))).equals(header);
            case BEARER -> ("Bearer " + TOKEN).equals(header);
            case OAUTH2 -> issuedToken != null && ("Bearer " + issuedToken).equals(header);
        };
    }

    private void page(HttpExchange exchange, String path, Map<String, String> query) throws IOException {
        List<Contact> changed;
        synchronized (this) {
            Instant since = query.containsKey("updated_since") ? Instant.parse(query.get("updated_since")) : Instant.MIN;
            changed = new ArrayList<>();
            for (Contact c : contacts.values()) {
                if (!c.updatedAt().isBefore(since)) {
                    changed.add(c);
                }
            }
        }
        changed.sort(Comparator.comparing(Contact::updatedAt).thenComparing(Contact::id));
        String style = path.split("/")[1];
        int size = 10;
        int from;
        switch (style) {
            case "page" -> {
                size = Integer.parseInt(query.getOrDefault("per_page", "10"));
                from = (Integer.parseInt(query.getOrDefault("page", "1")) - 1) * size;
            }
            case "offset" -> {
                size = Integer.parseInt(query.getOrDefault("limit", "10"));
                from = Integer.parseInt(query.getOrDefault("offset", "0"));
            }
            case "token" -> from = query.containsKey("page_token")
                    ? Integer.parseInt(new String(Base64.getDecoder().decode(query.get("page_token")), StandardCharsets.UTF_8))
                    : 0;
            case "link" -> from = Integer.parseInt(query.getOrDefault("cursor", "0"));
            default -> {
                answer(exchange, 404, "{\"error\": \"no such paging style\"}", Map.of());
                return;
            }
        }
        int to = Math.min(changed.size(), from + size);
        ObjectNode body = JSON.createObjectNode();
        ArrayNode data = body.putArray("data");
        for (Contact c : changed.subList(Math.min(from, to), to)) {
            ObjectNode node = data.addObject();
            node.put("id", c.id());
            node.put("name", c.name());
            node.putObject("meta").put("updatedAt", c.updatedAt().toString());
        }
        Map<String, String> headers = new HashMap<>();
        boolean more = to < changed.size();
        if ("token".equals(style)) {
            body.put("next_page_token", more ? Base64.getEncoder().encodeToString(String.valueOf(to)
                    .getBytes(StandardCharsets.UTF_8)) : null);
        }
        if ("link".equals(style) && more) {
            String next = (nextBase == null ? "" : nextBase) + "/link/contacts?cursor=" + to + (query.containsKey("updated_since")
                    ? "&updated_since=" + URLEncoder.encode(query.get("updated_since"), StandardCharsets.UTF_8) : "");
            headers.put("Link", "<" + url("/link/contacts") + "?cursor=0>; rel=\"first\", <" + next + ">; rel=\"next\"");
        }
        answer(exchange, 200, body.toString(), headers);
    }

    private static Map<String, String> parameters(String query) {
        Map<String, String> parameters = new HashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    parameters.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return parameters;
    }

    private static void answer(HttpExchange exchange, int status, String body, Map<String, String> headers)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        threads.shutdownNow();
    }
}
