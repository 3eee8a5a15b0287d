package dev.ferry.queue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import dev.ferry.gather.IdempotencyKey;

/** The per-record headers of a batch message: JSON arrays of strings (see {@link RecordHeaders}). */
public final class BatchHeaders {

    private static final JsonFactory JSON = new JsonFactory();
    /** Decimals stay exact text: a record shown from the queue reads as it was queued. */
    private static final com.fasterxml.jackson.databind.ObjectMapper TREES = new com.fasterxml.jackson.databind.ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true));

    private BatchHeaders() {
    }

    static String write(String[] values) {
        int size = 2;
        for (String value : values) {
            size += value.length() + 3;
        }
        StringBuilder out = new StringBuilder(size).append('[');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append('"');
            String value = values[i];
            if (plain(value)) {
                out.append(value); // keys, versions and idempotency keys almost always: copied at once
            } else {
                for (int c = 0; c < value.length(); c++) {
                    char ch = value.charAt(c);
                    if (ch == '"' || ch == '\\') {
                        out.append('\\').append(ch);
                    } else if (ch < 0x20) {
                        out.append(String.format("\\u%04x", (int) ch));
                    } else {
                        out.append(ch);
                    }
                }
            }
            out.append('"');
        }
        return out.append(']').toString();
    }

    /** Whether the value goes into a JSON string as it is: no quote, backslash or control character. */
    private static boolean plain(String value) {
        for (int c = 0; c < value.length(); c++) {
            char ch = value.charAt(c);
            if (ch == '"' || ch == '\\' || ch < 0x20) {
                return false;
            }
        }
        return true;
    }

    /** The values of a header that {@link #write} wrote. */
    public static List<String> read(String header) {
        List<String> values = new ArrayList<>();
        try (JsonParser json = JSON.createParser(header)) {
            if (json.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalArgumentException("not a JSON array: " + header);
            }
            while (json.nextToken() == JsonToken.VALUE_STRING) {
                values.add(json.getText());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON array of strings: " + e.getMessage(), e);
        }
        return values;
    }

    /** The elements of a batch body (a JSON array), each as JSON text. */
    public static List<String> splitArray(String body) {
        try {
            com.fasterxml.jackson.databind.JsonNode array = TREES.readTree(body);
            if (array == null || !array.isArray()) {
                throw new IllegalArgumentException("a batch body is a JSON array");
            }
            List<String> elements = new ArrayList<>(array.size());
            array.forEach(element -> elements.add(element.toString()));
            return elements;
        } catch (IOException e) {
            throw new IllegalArgumentException("a batch body is not JSON: " + e.getMessage(), e);
        }
    }

    /** One key for the whole batch, the same for every delivery of these versions of these records. */
    static String idempotencyKey(String connector, String[] recordKeys) {
        return IdempotencyKey.of(connector, "batch", String.join(",", recordKeys));
    }
}
