package dev.ferry.ops;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConstants;
import org.apache.camel.model.rest.RestBindingMode;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.RestParamType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.gather.Refresh;
import dev.ferry.runs.Conflict;
import dev.ferry.runs.Failure;
import dev.ferry.runs.NotFound;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunStatus;
import dev.ferry.security.Access;
import dev.ferry.security.JsonError;

/**
 * Ferry's operations API: JSON over the embedded HTTP server under {@code /api}, declared with
 * Camel's REST DSL so that {@code /api/openapi.json} documents every endpoint.
 *
 * <p>Each endpoint names the role it needs ({@code reader} for reads, {@code operator} for actions).
 * Answers are JSON; errors are {@code {"status": 404, "error": "Not Found", "message": "..."}} with
 * 400 (bad parameter), 401, 403, 404 (unknown connector, run or record) or 409 (the state does not
 * allow it: a run processing, a preview awaiting review, a run in another status) — never a stack trace.
 * The request guard in front of every path answers 401, 403, 415 and 429 in the same form before a request
 * gets here ({@link dev.ferry.security.RequestGuard}).
 */
public final class OpsApi extends RouteBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(OpsApi.class);

    public static final String BASE = "/api";
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 1000;

    private final Operations ops;
    private final Access access;
    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE);

    public OpsApi(Operations ops, Access access) {
        this.ops = ops;
        this.access = access;
    }

    /** What an endpoint does with a request: returns the answer's body (serialized as JSON). */
    @FunctionalInterface
    interface Handler {
        Object handle(Request request) throws Exception;
    }

    /** A request as a handler sees it. */
    record Request(Message message, Access.Caller caller, ObjectMapper json) {
        String path(String name) {
            return message.getHeader(name, String.class);
        }

        String query(String name) {
            String value = message.getHeader(name, String.class);
            return value == null || value.isBlank() ? null : value.trim();
        }

        long id(String name) {
            String value = path(name);
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a run id (a number), was '" + value + "'");
            }
        }

        int number(String name, int defaultValue, int min, int max) {
            String value = query(name);
            if (value == null) {
                return defaultValue;
            }
            try {
                int n = Integer.parseInt(value);
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max + ", was '" + value + "'");
        }

        Instant instant(String name) {
            String value = query(name);
            try {
                return value == null ? null : Instant.parse(value);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(name + " must be an ISO-8601 instant such as 2026-11-21T08:00:00Z, was '" + value + "'");
            }
        }

        <E extends Enum<E>> E enumValue(String name, Class<E> type) {
            String value = query(name);
            if (value == null) {
                return null;
            }
            try {
                return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + " must be one of " + List.of(type.getEnumConstants()) + ", was '" + value + "'");
            }
        }

        /** The JSON body, or an empty object when there is none. */
        JsonNode body() {
            String text = message.getBody(String.class);
            if (text == null || text.isBlank()) {
                return json.createObjectNode();
            }
            try {
                JsonNode node = json.readTree(text);
                if (!node.isObject()) {
                    throw new IllegalArgumentException("the request body must be a JSON object");
                }
                return node;
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("the request body is not JSON: " + e.getOriginalMessage());
            }
        }

        String by() {
            return caller.name();
        }
    }

    /** An answer with a status other than 200. */
    record Answer(int status, Object body, String location) {
    }

    @Override
    public void configure() {
        restConfiguration()
                .bindingMode(RestBindingMode.off)
                .apiContextPath(BASE + "/openapi.json")
                .apiProperty("api.title", "Ferry operations API")
                .apiProperty("api.version", FerryInfo.version())
                .apiProperty("api.description", "Connectors, runs, previews and the failure ledger of a running Ferry."
                        + " Reads need the reader or operator role, actions the operator role.")
                .apiProperty("openapi.version", "3.0.3");

        RestDefinition rest = rest(BASE).description("Ferry operations").produces("application/json");

        endpoint(rest.get("/me"), "me", Access.READER, "The caller: its name and roles (the console enables the actions"
                + " its roles allow)", r -> Map.of("name", r.by(), "roles", new TreeSet<>(r.caller().roles())));
        endpoint(rest.get("/connectors"), "connectors-list", Access.READER, "Every connector: schedule, next fires, state,"
                + " watermark, queue depth, last run", r -> ops.connectors());
        endpoint(rest.get("/connectors/{connector}"), "connector-show", Access.READER, "One connector",
                r -> ops.connector(r.path("connector")), connector());
        endpoint(rest.post("/connectors/{connector}/enable"), "connector-enable", Access.OPERATOR,
                "Enable: runs start on schedule again and queued records are delivered",
                r -> ops.enable(r.path("connector"), r.by()), connector());
        endpoint(rest.post("/connectors/{connector}/disable"), "connector-disable", Access.OPERATOR,
                "Disable: no runs start and queued records wait, across restarts",
                r -> ops.disable(r.path("connector"), r.by()), connector());
        endpoint(rest.post("/connectors/{connector}/activate"), "connector-activate", Access.OPERATOR,
                "Activate an ended connector (end-after-runs reached or end-at passed): its scheduled runs count from zero"
                        + " and its next run gathers everything since its watermark. 409 while its end-at is still in the past",
                r -> ops.activate(r.path("connector"), r.by()), connector());
        endpoint(rest.put("/connectors/{connector}/position"), "connector-position", Access.OPERATOR,
                "Move the watermark (audited with who, when, from, to and why). Body: {\"position\": \"beginning\" |"
                        + " \"now\" | a cursor value, \"reason\": \"...\"}; 409 while a run processes or a preview awaits"
                        + " review",
                r -> {
                    JsonNode body = r.body();
                    return ops.reposition(r.path("connector"), text(body, "position"), text(body, "reason"), r.by());
                }, connector());
        endpoint(rest.post("/connectors/{connector}/position/dry-run"), "connector-position-dry-run", Access.OPERATOR,
                "What moving the watermark would do, without moving it: the watermark the position names and how many"
                        + " rows a run would gather from it now (rows), beside the current watermark's (rowsFromCurrent)."
                        + " Body: {\"position\": ...}. Reads the source",
                r -> ops.checkPosition(r.path("connector"), text(r.body(), "position")), connector());
        endpoint(rest.get("/connectors/{connector}/position-changes"), "connector-position-changes", Access.READER,
                "The audit of the connector's position: start positions applied and operators' moves",
                r -> ops.positionChanges(r.path("connector")), connector());
        endpoint(rest.post("/connectors/{connector}/schedule/check"), "connector-schedule-check", Access.READER,
                "Check a schedule as the connector's run-time schedule, saving nothing: valid, or Ferry's messages by key;"
                        + " in words, its zone and next 5 fire times. Body: the schedule's keys after <connector>.schedule."
                        + " ({\"every\": \"30m\", \"between\": \"08:00-18:00\", \"days\": \"MON-FRI\"})",
                r -> ops.checkSchedule(r.path("connector"), keys(r.body())), connector());
        endpoint(rest.put("/connectors/{connector}/schedule"), "connector-schedule-set", Access.OPERATOR,
                "Put a run-time schedule in force for the connector at once, instead of its file's, on every instance and"
                        + " across restarts; audited. Body: {\"schedule\": {keys as for check}, \"reason\": \"...\"};"
                        + " 400 with Ferry's messages when it is invalid",
                r -> {
                    JsonNode body = r.body();
                    JsonNode schedule = body.get("schedule");
                    if (schedule == null || !schedule.isObject()) {
                        throw new IllegalArgumentException("schedule is required: an object of the schedule's keys");
                    }
                    return ops.setSchedule(r.path("connector"), keys(schedule), text(body, "reason"), r.by());
                }, connector());
        endpoint(rest.delete("/connectors/{connector}/schedule"), "connector-schedule-clear", Access.OPERATOR,
                "Put the connector's file schedule back in force (removes its run-time schedule); audited",
                r -> ops.clearSchedule(r.path("connector"), r.query("reason"), r.by()), connector(),
                query("reason", "why, for the audit"));
        endpoint(rest.get("/connectors/{connector}/schedule-changes"), "connector-schedule-changes", Access.READER,
                "The audit of the connector's run-time schedule: who set or removed it, when, from what to what, and why",
                r -> ops.scheduleChanges(r.path("connector")), connector());
        endpoint(rest.post("/connectors/{connector}/runs"), "run-start", Access.OPERATOR,
                "Start a run now (MANUAL). Body: {\"mode\": \"SYNC\"} (default) or {\"mode\": \"PREVIEW\"} to gather and"
                        + " stage without delivering; \"refresh\": \"INCREMENTAL\" or \"FULL\" (default: what the"
                        + " connector's scheduled runs read); \"confirmDeletes\": N lets a full refresh deliver up to N"
                        + " deletes beyond the connector's deleteLimit. 202 with the run; 400 for a full refresh of a"
                        + " connector without a key registry; 409 while a run processes or a preview awaits review",
                r -> {
                    // the body is a stream: read once
                    JsonNode body = r.body();
                    String mode = text(body, "mode");
                    boolean preview = mode != null && mode.equalsIgnoreCase("PREVIEW");
                    if (mode != null && !preview && !mode.equalsIgnoreCase("SYNC")) {
                        throw new IllegalArgumentException("mode must be SYNC or PREVIEW, was '" + mode + "'");
                    }
                    String refresh = text(body, "refresh");
                    Refresh.Kind kind = null;
                    if (refresh != null) {
                        try {
                            kind = Refresh.Kind.valueOf(refresh.toUpperCase(Locale.ROOT));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("refresh must be INCREMENTAL or FULL, was '" + refresh + "'");
                        }
                    }
                    String confirm = text(body, "confirmDeletes");
                    long confirmDeletes;
                    try {
                        confirmDeletes = confirm == null ? 0 : Long.parseLong(confirm);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("confirmDeletes must be a whole number, was '" + confirm + "'");
                    }
                    Run run = ops.start(r.path("connector"), preview, kind, confirmDeletes, r.by());
                    return new Answer(202, run, BASE + "/runs/" + run.id());
                }, connector());
        endpoint(rest.get("/connectors/{connector}/failures"), "failures-list", Access.READER,
                "The connector's failed records, most recent first, paged; status OPEN, PARKED or RESOLVED",
                r -> ops.failures(r.path("connector"), r.enumValue("status", Failure.Status.class),
                        r.number("offset", 0, 0, Integer.MAX_VALUE), r.number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)),
                connector(), query("status", "OPEN, PARKED or RESOLVED; all when absent"), offset(), limit());
        endpoint(rest.post("/connectors/{connector}/failures/requeue"), "failures-requeue-all", Access.OPERATOR,
                "Re-queue every parked record: the next run gathers them again",
                r -> Map.of("requeued", ops.requeueAll(r.path("connector"), r.by())), connector());
        endpoint(rest.get("/connectors/{connector}/failures/{key}"), "failure-show", Access.READER, "One failed record",
                r -> ops.failure(r.path("connector"), r.path("key")), connector(), key());
        endpoint(rest.post("/connectors/{connector}/failures/{key}/requeue"), "failure-requeue", Access.OPERATOR,
                "Re-queue a parked record: the next run gathers it again",
                r -> ops.requeue(r.path("connector"), r.path("key"), r.by()), connector(), key());
        endpoint(rest.post("/connectors/{connector}/failures/{key}/park"), "failure-park", Access.OPERATOR,
                "Park an open record: kept and visible, not retried until re-queued",
                r -> ops.park(r.path("connector"), r.path("key"), r.by()), connector(), key());
        endpoint(rest.get("/instances"), "instances-list", Access.READER,
                "The Ferry instances on this state database as this one sees them: name, host, version, started,"
                        + " last heartbeat, and state alive, gone (heartbeat stood still for ferry.cluster.lease) or"
                        + " stopped",
                r -> ops.instances());
        endpoint(rest.get("/runs"), "runs-list", Access.READER,
                "Runs, newest first, paged; filtered by connector, status and creation time (from included, to not)",
                r -> ops.runs(new RunLedger.Query(r.query("connector"), r.enumValue("status", RunStatus.class),
                                r.instant("from"), r.instant("to")),
                        r.number("offset", 0, 0, Integer.MAX_VALUE), r.number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)),
                query("connector", "connector id"), query("status", "CREATED, PROCESSING, SUBMITTED, PREVIEW, COMPLETED,"
                        + " INCOMPLETE, FAILED or DELETED"), query("from", "created at or after (ISO-8601 instant)"),
                query("to", "created before (ISO-8601 instant)"), offset(), limit());
        endpoint(rest.get("/runs/{run}"), "run-show", Access.READER,
                "One run with its counts, the instance that gathered it (gatheredBy) and what each instance delivered"
                        + " (deliveredBy), its failed records (paged) and, for a preview, a sample of its staged records",
                r -> ops.run(r.id("run"), r.number("failuresOffset", 0, 0, Integer.MAX_VALUE),
                        r.number("failuresLimit", DEFAULT_LIMIT, 1, MAX_LIMIT)),
                run(), query("failuresOffset", "first failed record shown (default 0)"),
                query("failuresLimit", "failed records shown (default 50, at most 1000)"));
        endpoint(rest.post("/runs/{run}/submit"), "run-submit", Access.OPERATOR,
                "Submit a preview: exactly its staged records are delivered and the watermark moves. 202 with the run",
                r -> {
                    Run run = ops.submit(r.id("run"), r.by());
                    return new Answer(202, run, BASE + "/runs/" + run.id());
                }, run());
        endpoint(rest.delete("/runs/{run}"), "run-delete", Access.OPERATOR,
                "Delete a preview: nothing is delivered, the watermark stays; the run is kept as DELETED",
                r -> ops.delete(r.id("run"), r.by()), run());
        endpoint(rest.post("/housekeeping"), "housekeeping-run", Access.OPERATOR,
                "Delete finished runs and resolved failures older than ferry.housekeeping.max-age now",
                r -> ops.housekeep(r.by()));
    }

    /** A schedule's keys: an object of texts (a number is taken as its text). */
    private static Map<String, String> keys(JsonNode object) {
        Map<String, String> keys = new TreeMap<>();
        object.fields().forEachRemaining(field -> {
            if (!field.getValue().isValueNode() || field.getValue().isNull()) {
                throw new IllegalArgumentException("schedule key " + field.getKey() + " must be text");
            }
            keys.put(field.getKey(), field.getValue().asText());
        });
        return keys;
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isValueNode()) {
            throw new IllegalArgumentException(field + " must be text");
        }
        return value.asText();
    }

    /** A parameter of an endpoint, for the OpenAPI document. */
    private record Param(String name, RestParamType type, String description) {
    }

    private static Param connector() {
        return new Param("connector", RestParamType.path, "connector id");
    }

    private static Param run() {
        return new Param("run", RestParamType.path, "run id");
    }

    private static Param key() {
        return new Param("key", RestParamType.path, "the record's key at the source");
    }

    private static Param offset() {
        return query("offset", "first item of the page (default 0)");
    }

    private static Param limit() {
        return query("limit", "items per page (default " + DEFAULT_LIMIT + ", at most " + MAX_LIMIT + ")");
    }

    private static Param query(String name, String description) {
        return new Param(name, RestParamType.query, description);
    }

    private void endpoint(RestDefinition verb, String id, String role, String description, Handler handler, Param... params) {
        verb.id("ferry-api-" + id).description(description + " (role: " + role + ")");
        for (Param p : params) {
            verb.param().name(p.name()).type(p.type()).description(p.description()).dataType("string")
                    .required(p.type() == RestParamType.path).endParam();
        }
        for (int code : new int[] {200, 400, 401, 403, 404, 409, 415, 429}) {
            verb.responseMessage().code(code).message(switch (code) {
                case 200 -> "done; JSON";
                case 400 -> "a bad parameter";
                case 401 -> "no or wrong credentials";
                case 403 -> "the caller's role does not allow it, or a page of another site sent it";
                case 404 -> "unknown connector, run or record";
                case 409 -> "the current state does not allow it";
                case 415 -> "a request body that is not JSON";
                default -> "too many failed logins from this address or for this user; see Retry-After";
            }).endResponseMessage();
        }
        verb.to("direct:ferry-api-" + id);
        from("direct:ferry-api-" + id).routeId("ferry-api-" + id).process(exchange -> answer(exchange, role, handler));
    }

    private void answer(Exchange exchange, String role, Handler handler) throws Exception {
        Message m = exchange.getMessage();
        Access.Caller caller = access.caller(m.getHeader(VertxPlatformHttpConstants.AUTHENTICATED_USER));
        int status;
        Object body;
        String location = null;
        if (caller == null) {
            status = 401;
            body = error(401, "authentication required");
        } else if (!caller.may(role)) {
            status = 403;
            body = error(403, "user " + caller.name() + " may not do this: it needs the " + role + " role");
        } else {
            try {
                Object result = handler.handle(new Request(m, caller, json));
                if (result instanceof Answer a) {
                    status = a.status();
                    body = a.body();
                    location = a.location();
                } else {
                    status = 200;
                    body = result;
                }
            } catch (NotFound e) {
                status = 404;
                body = error(404, e.getMessage());
            } catch (Conflict e) {
                status = 409;
                body = error(409, e.getMessage());
            } catch (IllegalArgumentException e) {
                status = 400;
                body = error(400, e.getMessage());
            } catch (Exception e) {
                // The message may be an SQL or broker error; the details go to the log, not to the caller.
                LOG.warn("API {} {} failed", m.getHeader(Exchange.HTTP_METHOD), m.getHeader(Exchange.HTTP_URI), e);
                status = 500;
                body = error(500, "Ferry could not answer: " + e.getClass().getSimpleName()
                        + "; the log of the Ferry instance has the details");
            }
        }
        // Request headers (Authorization among them) must not travel back as response headers.
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (location != null) {
            m.setHeader("Location", location);
        }
        m.setBody(json.writeValueAsString(body));
    }

    private static Map<String, Object> error(int status, String message) {
        return JsonError.body(status, message);
    }
}
