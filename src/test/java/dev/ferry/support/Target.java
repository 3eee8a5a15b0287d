package dev.ferry.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

/**
 * The back office as a real HTTP server (WireMock on loopback, random port) that answers 200 unless a
 * test stubs a fault, and remembers every request it received.
 */
public final class Target implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final WireMockServer server;

    public Target() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(20));
        server.start();
        acceptEverything();
    }

    public WireMockServer server() {
        return server;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    /** Forgets stubs and requests, then answers 200 to everything. */
    public void acceptEverything() {
        server.resetAll();
        server.stubFor(any(urlPathMatching("/.*")).atPriority(10).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"ok\":true}")));
    }

    /** Bodies (as JSON) of the POSTs to a path, in arrival order. */
    public List<JsonNode> received(String path) {
        return requests(path).stream().map(r -> {
            try {
                return JSON.readTree(r.getBodyAsString());
            } catch (Exception e) {
                throw new IllegalStateException("Target received a body that is not JSON: " + r.getBodyAsString(), e);
            }
        }).toList();
    }

    /** The {@code id} of every record POSTed to a path, one record a request or a JSON array of them, in arrival order. */
    public List<Long> postedIds(String path) {
        List<Long> ids = new java.util.ArrayList<>();
        for (JsonNode body : received(path)) {
            if (body.isArray()) {
                body.forEach(record -> ids.add(record.get("id").asLong()));
            } else {
                ids.add(body.get("id").asLong());
            }
        }
        return ids;
    }

    /** The last path segments of the DELETEs under a path: /erp/customers/C-000042 → C-000042. */
    public List<String> deleted(String path) {
        return server.findAll(com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor(
                        urlPathMatching(java.util.regex.Pattern.quote(path) + "/.+"))).stream()
                .map(r -> r.getUrl().substring(path.length() + 1)).toList();
    }

    /** Record numbers delivered under a path: customerNumber of the POSTed bodies plus the DELETEd ones. */
    public List<String> customerNumbers(String path) {
        List<String> numbers = new java.util.ArrayList<>(received(path).stream().map(b -> b.get("customerNumber").asText()).toList());
        numbers.addAll(deleted(path));
        return numbers;
    }

    /** How many different {@code id}s the POSTs to a path carried (one record a request). */
    public long distinctIds(String path) {
        return requests(path).stream().map(Target::idOf).distinct().count();
    }

    /**
     * The ids POSTed to a path under more than one idempotency key: none when every repeat of a record (one record a
     * request, one version each) came under its original's key.
     */
    public List<String> idsUnderSeveralIdempotencyKeys(String path) {
        Map<String, Set<String>> keys = new TreeMap<>();
        for (LoggedRequest request : requests(path)) {
            keys.computeIfAbsent(idOf(request), id -> new HashSet<>()).add(request.getHeader("Idempotency-Key"));
        }
        return keys.entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey).toList();
    }

    private static String idOf(LoggedRequest request) {
        return request.getBodyAsString().replaceAll(".*\"id\":(\\d+).*", "$1");
    }

    public List<LoggedRequest> requests(String path) {
        return server.findAll(postRequestedFor(urlEqualTo(path)));
    }

    public void forgetRequests() {
        server.resetRequests();
    }

    @Override
    public void close() {
        server.stop();
    }
}
