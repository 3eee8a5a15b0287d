package dev.ferry.security;

import java.util.LinkedHashMap;
import java.util.Map;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The one form of every error Ferry's HTTP servers answer: {@code {"status": 403, "error": "Forbidden",
 * "message": "..."}}, as {@code application/json}.
 */
public final class JsonError {

    private JsonError() {
    }

    /** The body of an error answer. */
    public static Map<String, Object> body(int status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("error", reason(status));
        body.put("message", message == null ? reason(status) : message);
        return body;
    }

    /** Ends the request with this error. */
    public static void send(RoutingContext ctx, int status, String message) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject(body(status, message)).encode());
    }

    static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 415 -> "Unsupported Media Type";
            case 429 -> "Too Many Requests";
            case 503 -> "Service Unavailable";
            default -> "Internal Server Error";
        };
    }
}
