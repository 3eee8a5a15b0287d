package dev.ferry.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The benchmark's target: an HTTP server on loopback that takes a JSON row or an array of rows a
 * request, checks every row against what the generator wrote, and counts. A round passes only when
 * every expected row arrived, none is malformed or unexpected, and every duplicate carries the
 * Idempotency-Key of its original.
 */
final class Receiver implements AutoCloseable {

    /** The rows a round must deliver: their ids and versions. */
    interface Expectation {
        /** Number of rows expected. */
        int size();

        /** Index of the row in 0..size-1, or -1 when the id is not expected. */
        int indexOf(long id);

        int version(int index);

        static Expectation range(int rows) {
            return new Expectation() {
                public int size() {
                    return rows;
                }

                public int indexOf(long id) {
                    return id >= 1 && id <= rows ? (int) id - 1 : -1;
                }

                public int version(int index) {
                    return 0;
                }
            };
        }

        static Expectation of(Map<Long, Integer> versions) {
            long[] ids = versions.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
            return new Expectation() {
                public int size() {
                    return ids.length;
                }

                public int indexOf(long id) {
                    int i = java.util.Arrays.binarySearch(ids, id);
                    return i < 0 ? -1 : i;
                }

                public int version(int index) {
                    return versions.get(ids[index]);
                }
            };
        }
    }

    /** What one round received. */
    record Tally(long requests, long rows, long distinct, long expected, long sameKeyDuplicates, long otherKeyDuplicates,
                 long malformed, long unexpected, List<String> problems, long completedAt) {

        boolean complete() {
            return distinct == expected && malformed == 0 && unexpected == 0 && otherKeyDuplicates == 0;
        }

        String summary() {
            return distinct + "/" + expected + " rows" + (sameKeyDuplicates > 0 ? ", " + sameKeyDuplicates + " duplicates with their key" : "")
                    + (otherKeyDuplicates > 0 ? ", " + otherKeyDuplicates + " DUPLICATES WITH ANOTHER KEY" : "")
                    + (malformed > 0 ? ", " + malformed + " MALFORMED" : "") + (unexpected > 0 ? ", " + unexpected + " UNEXPECTED" : "")
                    + (problems.isEmpty() ? "" : " — " + problems);
        }
    }

    private static final JsonFactory JSON = new JsonFactory();
    private static final String[] STATUSES = {"active", "paused", "closed"};
    private static final byte[] OK = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);

    private final HttpServer server;
    private final ExecutorService executor;
    private volatile Round round;

    Receiver() throws IOException {
        // Without it the JDK's server writes the response in two segments that Nagle's algorithm and the
        // client's delayed ACK hold back ~40 ms each.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        executor = Executors.newFixedThreadPool(16);
        server.setExecutor(executor);
        server.createContext("/rows", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/rows";
    }

    /** Starts a round: forgets the last one and expects these rows. */
    void expect(Expectation expectation) {
        round = new Round(expectation);
    }

    /** Completes when every expected row has arrived at least once. */
    CompletableFuture<Long> completion() {
        return round.completed;
    }

    Tally tally() {
        return round.tally();
    }

    private void handle(HttpExchange exchange) throws IOException {
        Round r = round;
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            if (r != null) {
                r.receive(body, key);
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, OK.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(OK);
            }
        }
    }

    private static final class Round {
        final Expectation expectation;
        final AtomicIntegerArray keys;
        final AtomicLong requests = new AtomicLong();
        final AtomicLong rows = new AtomicLong();
        final AtomicLong distinct = new AtomicLong();
        final AtomicLong sameKey = new AtomicLong();
        final AtomicLong otherKey = new AtomicLong();
        final AtomicLong malformed = new AtomicLong();
        final AtomicLong unexpected = new AtomicLong();
        final List<String> problems = new ArrayList<>();
        final CompletableFuture<Long> completed = new CompletableFuture<>();

        Round(Expectation expectation) {
            this.expectation = expectation;
            this.keys = new AtomicIntegerArray(expectation.size());
        }

        void receive(byte[] body, String idempotencyKey) {
            requests.incrementAndGet();
            if (idempotencyKey == null || idempotencyKey.isBlank()) {
                problem("a request without an Idempotency-Key");
                malformed.incrementAndGet();
                return;
            }
            int keyHash = idempotencyKey.hashCode() | 1;
            try (JsonParser p = JSON.createParser(body)) {
                JsonToken first = p.nextToken();
                if (first == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        row(p, keyHash);
                    }
                } else if (first == JsonToken.START_OBJECT) {
                    row(p, keyHash);
                } else {
                    throw new IOException("neither a JSON object nor an array");
                }
            } catch (IOException | RuntimeException e) {
                malformed.incrementAndGet();
                problem("unreadable body: " + e.getMessage());
            }
            if (distinct.get() == expectation.size() && !completed.isDone()) {
                completed.complete(System.currentTimeMillis());
            }
        }

        private void row(JsonParser p, int keyHash) throws IOException {
            long id = -1;
            int version = -1;
            String name = null;
            String email = null;
            String status = null;
            String note = null;
            BigDecimal amount = null;
            boolean updatedAt = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> id = p.getLongValue();
                    case "version" -> version = p.getIntValue();
                    case "name" -> name = p.getText();
                    case "email" -> email = p.getText();
                    case "status" -> status = p.getText();
                    case "note" -> note = p.getText();
                    case "amount" -> amount = value == JsonToken.VALUE_STRING ? new BigDecimal(p.getText()) : p.getDecimalValue();
                    case "updated_at" -> updatedAt = value == JsonToken.VALUE_STRING;
                    default -> p.skipChildren();
                }
            }
            rows.incrementAndGet();
            int index = expectation.indexOf(id);
            if (index < 0) {
                unexpected.incrementAndGet();
                problem("unexpected id " + id);
                return;
            }
            String wrong = null;
            if (version != expectation.version(index)) {
                wrong = "version " + version + " instead of " + expectation.version(index);
            } else if (!("customer " + id).equals(name) || !("c" + id + "@example.com").equals(email)) {
                wrong = "name or email";
            } else if (amount == null || amount.compareTo(BigDecimal.valueOf(id % 100_000, 2)) != 0) {
                wrong = "amount " + amount;
            } else if (!STATUSES[(int) (id % 3)].equals(status) || !("row " + id + " of the benchmark").equals(note) || !updatedAt) {
                wrong = "status, note or updated_at";
            }
            if (wrong != null) {
                malformed.incrementAndGet();
                problem("row " + id + ": " + wrong);
                return;
            }
            int previous = keys.compareAndExchange(index, 0, keyHash);
            if (previous == 0) {
                distinct.incrementAndGet();
            } else if (previous == keyHash) {
                sameKey.incrementAndGet();
            } else {
                otherKey.incrementAndGet();
                problem("row " + id + " again with another Idempotency-Key");
            }
        }

        private void problem(String problem) {
            synchronized (problems) {
                if (problems.size() < 5) {
                    problems.add(problem);
                }
            }
        }

        Tally tally() {
            synchronized (problems) {
                return new Tally(requests.get(), rows.get(), distinct.get(), expectation.size(), sameKey.get(), otherKey.get(),
                        malformed.get(), unexpected.get(), List.copyOf(problems), completed.getNow(0L));
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
