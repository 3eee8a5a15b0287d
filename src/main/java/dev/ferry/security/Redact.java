package dev.ferry.security;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * URLs as Ferry shows them in answers, health details, the ledgers and the log: without their user info
 * ({@code user:password@}) and query ({@code ?apiKey=...&trustStorePassword=...}), where credentials live.
 * Scheme, host, port and path say which system is meant; that is all an operator needs to see.
 */
public final class Redact {

    /** A URL, or a JDBC URL's inner one: scheme://, user info, the rest up to a query, fragment or white space. */
    private static final Pattern URL = Pattern.compile(
            "(?i)\\b([a-z][a-z0-9+.-]*://)(?:[^/@\\s\"'<>]*@)?([^?#\\s\"'<>]*)(?:\\?[^#\\s\"'<>]*)?(?:#[^\\s\"'<>]*)?");

    private Redact() {
    }

    /** Every URL in a text without user info, query and fragment; null stays null. */
    public static String urls(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = URL.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + m.group(2)));
        }
        m.appendTail(out);
        return out.toString();
    }
}
