package dev.ferry.delivery;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.camel.http.base.HttpOperationFailedException;

import dev.ferry.security.Redact;

/**
 * What the failure ledger keeps of a failed delivery: the HTTP status if the target answered, and a
 * one-line text with an excerpt of the response body. URLs lose their user info and query, where credentials
 * live. An HTML answer (a proxy's error page) is kept as its text, without tags: the ledger holds text, which
 * no page that shows it may take for markup.
 */
public record DeliveryError(Integer httpStatus, String text) {

    static final int BODY_EXCERPT = 500;

    private static final Pattern SCRIPT_OR_STYLE = Pattern.compile("(?is)<(script|style)\\b.*?(</\\1\\s*>|$)");
    private static final Pattern COMMENT = Pattern.compile("(?s)<!--.*?(-->|$)");
    private static final Pattern TAG = Pattern.compile("(?s)<[^>]*(>|$)");
    private static final Pattern HTML = Pattern.compile("(?is)\\s*(<!doctype\\s+html|<html|<head|<body)\\b.*");

    public static DeliveryError of(Throwable failure) {
        if (failure == null) {
            return new DeliveryError(null, "unknown error (no exception on the exchange)");
        }
        if (failure instanceof HttpOperationFailedException http) {
            String body = http.getResponseBody();
            if (body != null && html(http.getResponseHeaders(), body)) {
                body = text(body);
            }
            String text = "HTTP " + http.getStatusCode() + " from " + Redact.urls(http.getUri())
                    + (body == null || body.isBlank() ? "" : ": " + excerpt(body));
            return new DeliveryError(http.getStatusCode(), text);
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = failure.getClass().getSimpleName() + ": " + Redact.urls(String.valueOf(failure.getMessage()));
        if (root != failure) {
            text += " (caused by " + root.getClass().getSimpleName() + ": " + Redact.urls(String.valueOf(root.getMessage())) + ")";
        }
        return new DeliveryError(null, text);
    }

    /** One line of at most {@link #BODY_EXCERPT} characters; control characters (a binary body) become U+FFFD. */
    static String excerpt(String body) {
        String flat = body.replaceAll("\\s+", " ").replaceAll("\\p{Cc}", "\uFFFD").trim();
        return flat.length() <= BODY_EXCERPT ? flat : flat.substring(0, BODY_EXCERPT) + "…";
    }

    /** An HTML page, by its Content-Type or, without one, by how it begins. */
    static boolean html(Map<String, String> headers, String body) {
        if (headers != null) {
            for (Map.Entry<String, String> h : headers.entrySet()) {
                if ("Content-Type".equalsIgnoreCase(h.getKey()) && h.getValue() != null) {
                    return h.getValue().toLowerCase(Locale.ROOT).contains("html");
                }
            }
        }
        return HTML.matcher(body).matches();
    }

    /** The text of an HTML page: no scripts, styles, comments or tags. */
    static String text(String html) {
        String text = SCRIPT_OR_STYLE.matcher(html).replaceAll(" ");
        text = COMMENT.matcher(text).replaceAll(" ");
        return TAG.matcher(text).replaceAll(" ");
    }
}
