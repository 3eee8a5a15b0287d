package dev.ferry.support;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

/**
 * The check every fault test ends with, for the demo's customers connector: the target accepted (2xx) the
 * latest version of every source row (its last request for a customer is the row as the source has it now, or a
 * DELETE for a row deleted there), and every duplicate carries the {@code Idempotency-Key} of its original
 * (one key per version delivered, one version per key). A DELETE carries no version: a test must not
 * change a row after deleting it, or its second DELETE would count as the first one under another key.
 */
public final class Reconciliation {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int rows;
    private final int requests;
    private final int duplicates;
    private final List<String> problems;

    private Reconciliation(int rows, int requests, int duplicates, List<String> problems) {
        this.rows = rows;
        this.requests = requests;
        this.duplicates = duplicates;
        this.problems = problems;
    }

    /** Source rows checked. */
    public int rows() {
        return rows;
    }

    /** Requests the target received under the path. */
    public int requests() {
        return requests;
    }

    /** Requests that repeated a version already received (same body, or a second DELETE). */
    public int duplicates() {
        return duplicates;
    }

    /** Every difference found, at most 20 described; empty when the target is in step with the source. */
    public List<String> problems() {
        return problems;
    }

    public boolean reconciled() {
        return problems.isEmpty();
    }

    @Override
    public String toString() {
        return rows + " rows reconciled from " + requests + " requests (" + duplicates + " duplicates)"
                + (problems.isEmpty() ? "" : "; " + problems.size() + " problem(s): " + problems);
    }

    /** Compares the source's {@code customers} with what the target accepted under {@code path}. */
    public static Reconciliation customers(String sourceUrl, Target target, String path) throws SQLException {
        return customers(() -> DriverManager.getConnection(sourceUrl), target, path);
    }

    /** ... the source being a running Ferry's {@code source} pool. */
    public static Reconciliation customers(javax.sql.DataSource source, Target target, String path) throws SQLException {
        return customers(source::getConnection, target, path);
    }

    interface Source {
        Connection open() throws SQLException;
    }

    private static Reconciliation customers(Source source, Target target, String path) throws SQLException {
        Map<String, JsonNode> latest = new HashMap<>();
        Map<String, Boolean> deletedLast = new HashMap<>();
        Map<String, Set<String>> keysPerVersion = new HashMap<>();
        Map<String, Set<String>> versionsPerKey = new HashMap<>();
        int requests = 0;
        int duplicates = 0;
        List<ServeEvent> events = new ArrayList<>(target.server().getAllServeEvents());
        java.util.Collections.reverse(events); // oldest first
        for (ServeEvent event : events) {
            var request = event.getRequest();
            String url = request.getUrl();
            var response = event.getResponse();
            if (!url.startsWith(path) || response == null || response.getFault() != null
                    || response.getStatus() < 200 || response.getStatus() > 299) {
                continue; // not accepted: a fault, an error status (the request is repeated or ledgered)
            }
            String key = request.getHeader("Idempotency-Key");
            String customer;
            String version;
            if (request.getMethod().equals(RequestMethod.DELETE)) {
                customer = url.substring(path.length() + 1);
                version = "DELETE " + customer;
                deletedLast.put(customer, true);
            } else if (request.getMethod().equals(RequestMethod.POST) && url.equals(path)) {
                JsonNode body;
                try {
                    body = JSON.readTree(request.getBodyAsString());
                } catch (Exception e) {
                    throw new IllegalStateException("The target received a body that is not JSON: " + request.getBodyAsString(), e);
                }
                customer = body.path("customerNumber").asText();
                version = body.toString();
                latest.put(customer, body);
                deletedLast.put(customer, false);
            } else {
                continue;
            }
            requests++;
            if (!keysPerVersion.computeIfAbsent(version, v -> new HashSet<>()).add(key)) {
                duplicates++;
            }
            versionsPerKey.computeIfAbsent(key, k -> new HashSet<>()).add(version);
        }

        List<String> problems = new ArrayList<>();
        int rows = 0;
        try (Connection c = source.open(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, email, status, credit_limit, deleted_at FROM customers ORDER BY id")) {
            while (rs.next()) {
                rows++;
                String customer = String.format("C-%06d", rs.getLong("id"));
                boolean deleted = rs.getTimestamp("deleted_at") != null;
                Boolean lastWasDelete = deletedLast.get(customer);
                if (lastWasDelete == null) {
                    problem(problems, customer + " never reached the target");
                } else if (deleted && !lastWasDelete) {
                    problem(problems, customer + " is deleted at the source, but the target's last request was " + latest.get(customer));
                } else if (!deleted && lastWasDelete) {
                    problem(problems, customer + " exists at the source, but the target's last request was a DELETE");
                } else if (!deleted) {
                    JsonNode last = latest.get(customer);
                    Map<String, Object> expected = new LinkedHashMap<>();
                    expected.put("email", rs.getString("email"));
                    expected.put("status", rs.getString("status"));
                    expected.put("creditLimit", rs.getBigDecimal("credit_limit"));
                    Map<String, Object> actual = new LinkedHashMap<>();
                    actual.put("email", last.at("/contact/email").asText());
                    actual.put("status", last.path("status").asText());
                    actual.put("creditLimit", last.path("creditLimit").decimalValue());
                    if (!expected.get("email").equals(actual.get("email")) || !expected.get("status").equals(actual.get("status"))
                            || ((BigDecimal) expected.get("creditLimit")).compareTo((BigDecimal) actual.get("creditLimit")) != 0) {
                        problem(problems, customer + " is " + expected + " at the source, but the target's latest is " + actual);
                    }
                }
            }
        }
        keysPerVersion.forEach((version, keys) -> {
            if (keys.size() > 1) {
                problem(problems, "one version delivered under " + keys.size() + " Idempotency-Keys " + keys + ": " + version);
            }
        });
        versionsPerKey.forEach((key, versions) -> {
            if (versions.size() > 1) {
                problem(problems, "Idempotency-Key " + key + " carried " + versions.size() + " different versions: " + versions);
            }
        });
        return new Reconciliation(rows, requests, duplicates, problems);
    }

    private static void problem(List<String> problems, String problem) {
        if (problems.size() < 20) {
            problems.add(problem);
        } else if (problems.size() == 20) {
            problems.add("...");
        }
    }
}
