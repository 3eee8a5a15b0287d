package dev.ferry.watermark;

import java.util.Objects;

/**
 * The position of the last record a connector has durably queued: the compound cursor
 * {@code (cursor value, key)}. Rows that share a cursor value are ordered by key, so none is skipped.
 *
 * <p>Values are the JDBC-native objects of {@link ValueType}, at the source's precision.
 */
public record Watermark(Object cursor, Object key) {

    /** Version of the stored form; bumped whenever the stored columns change meaning. */
    public static final int FORMAT_VERSION = 1;

    public Watermark {
        Objects.requireNonNull(cursor, "cursor");
        Objects.requireNonNull(key, "key");
        ValueType.of(cursor);
        ValueType.of(key);
    }

    public ValueType cursorType() {
        return ValueType.of(cursor);
    }

    public ValueType keyType() {
        return ValueType.of(key);
    }

    /** Human-readable form for the run ledger and logs: {@code 2026-11-21T10:15:30.123456 / 42}. */
    @Override
    public String toString() {
        return cursorType().format(cursor) + " / " + keyType().format(key);
    }
}
