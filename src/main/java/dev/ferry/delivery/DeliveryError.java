package dev.ferry.delivery;

import java.util.regex.Pattern;

import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * What the failure ledger keeps of a failed delivery: the HTTP status if the target answered, and a
 * one-line text with an excerpt of the response body. Credentials in URLs are masked.
 */
public record DeliveryError(Integer httpStatus, String text) {

    static final int BODY_EXCERPT = 500;

    private static final Pattern URL_USER_INFO = Pattern.compile("(?i)(\\b[a-z][a-z0-9+.-]*://)[^/@\\s]+@");

    public static DeliveryError of(Throwable failure) {
        if (failure == null) {
            return new DeliveryError(null, "unknown error (no exception on the exchange)");
        }
        if (failure instanceof HttpOperationFailedException http) {
            String body = http.getResponseBody();
            String text = "HTTP " + http.getStatusCode() + " from " + redact(http.getUri())
                    + (body == null || body.isBlank() ? "" : ": " + excerpt(body));
            return new DeliveryError(http.getStatusCode(), text);
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = failure.getClass().getSimpleName() + ": " + redact(String.valueOf(failure.getMessage()));
        if (root != failure) {
            text += " (caused by " + root.getClass().getSimpleName() + ": " + redact(String.valueOf(root.getMessage())) + ")";
        }
        return new DeliveryError(null, text);
    }

    /** One line of at most {@link #BODY_EXCERPT} characters; control characters (a binary body) become U+FFFD. */
    static String excerpt(String body) {
        String flat = body.replaceAll("\\s+", " ").replaceAll("\\p{Cc}", "\uFFFD").trim();
        return flat.length() <= BODY_EXCERPT ? flat : flat.substring(0, BODY_EXCERPT) + "…";
    }

    /** Masks {@code user:password@} in any URL of a text. */
    public static String redact(String text) {
        return text == null ? null : URL_USER_INFO.matcher(text).replaceAll("$1***@");
    }
}
