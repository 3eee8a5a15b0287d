package dev.ferry.gather;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * Turns a result-set row into a JSON object: column labels in lower case (H2 upper-cases unquoted
 * names, PostgreSQL lower-cases them), date-times as ISO-8601 text at full precision, decimals exact,
 * binary as Base64, JSON columns as JSON. Column readers are chosen once per result set.
 */
final class RowEncoder {

    /** A value this record cannot carry as JSON; the record fails, the run goes on. */
    static final class EncodingException extends Exception {
        EncodingException(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    private interface Reader {
        void write(ResultSet rs, int index, JsonGenerator json) throws SQLException, IOException, EncodingException;
    }

    private record Column(int index, String name, Reader reader) {
    }

    private static final JsonFactory JSON = new JsonFactory();

    private final List<Column> columns = new ArrayList<>();

    /** A record of one property, a key: a number as a JSON number, anything else as text. */
    static String keyOnly(String name, Object key) {
        StringWriter out = new StringWriter(name.length() + 24);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeFieldName(name);
            if (key instanceof BigDecimal decimal) {
                json.writeNumber(decimal);
            } else if (key instanceof Long || key instanceof Integer) {
                json.writeNumber(((Number) key).longValue());
            } else {
                json.writeString(key.toString());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing to a StringWriter", e);
        }
        return out.toString();
    }

    RowEncoder(ResultSetMetaData meta, String... skipLabels) throws SQLException {
        outer:
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            String name = meta.getColumnLabel(i).toLowerCase(Locale.ROOT);
            for (String skip : skipLabels) {
                if (skip.equals(name)) {
                    continue outer;
                }
            }
            columns.add(new Column(i, name, reader(meta.getColumnType(i), meta.getColumnTypeName(i))));
        }
    }

    String encode(ResultSet rs) throws SQLException, EncodingException {
        return encode(rs, 0, null, null, 0, null, null);
    }

    /**
     * Encodes the current row; the values of columns {@code indexA} and {@code indexB} are given, already
     * read (the cursor and the key) with their text ({@code ValueType.format}), and written as they are instead of
     * being read, parsed and formatted again.
     */
    String encode(ResultSet rs, int indexA, Object valueA, String textA, int indexB, Object valueB, String textB)
            throws SQLException, EncodingException {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            for (Column column : columns) {
                json.writeFieldName(column.name());
                try {
                    int i = column.index();
                    if (!(i == indexA && writeKnown(json, valueA, textA)) && !(i == indexB && writeKnown(json, valueB, textB))) {
                        column.reader().write(rs, i, json);
                    }
                } catch (EncodingException e) {
                    throw new EncodingException("column " + column.name() + ": " + e.getMessage());
                } catch (SQLException e) {
                    // A value the driver cannot read (class 22, data exception: bytes that are not text in the
                    // database's encoding, a value out of range) belongs to this row only; anything else, such as
                    // a lost connection, fails the run.
                    if (e.getSQLState() != null && e.getSQLState().startsWith("22")) {
                        throw new EncodingException("column " + column.name() + ": the database driver cannot read the value: "
                                + e.getMessage().lines().findFirst().orElse(""));
                    }
                    throw e;
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new EncodingException("cannot write JSON: " + e.getMessage());
        }
        return out.toString();
    }

    /**
     * Writes a value already read as its column's reader would; false for a type it leaves to the reader. Text values
     * are written as {@code text}, their {@code toString()} that {@code ValueType.format} made already.
     */
    private static boolean writeKnown(JsonGenerator json, Object value, String text) throws IOException {
        if (value instanceof Long || value instanceof Integer) {
            json.writeNumber(((Number) value).longValue());
        } else if (value instanceof BigDecimal decimal) {
            json.writeNumber(decimal);
        } else if (value instanceof String || value instanceof OffsetDateTime || value instanceof LocalDateTime
                || value instanceof LocalDate) {
            json.writeString(text);
        } else {
            return false;
        }
        return true;
    }

    private static Reader reader(int jdbcType, String typeName) {
        if ("json".equalsIgnoreCase(typeName) || "jsonb".equalsIgnoreCase(typeName)) {
            // the database holds valid JSON: it goes into the record as JSON, not as a string of JSON
            return (rs, i, json) -> {
                String v = rs.getString(i);
                if (v == null) {
                    json.writeNull();
                } else {
                    json.writeRawValue(text(v));
                }
            };
        }
        if ("timestamptz".equalsIgnoreCase(typeName)) {
            // PostgreSQL's driver reports timestamptz as Types.TIMESTAMP.
            return (rs, i, json) -> writeOrNull(json, rs.getObject(i, OffsetDateTime.class));
        }
        return switch (jdbcType) {
            case Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT -> (rs, i, json) -> {
                long v = rs.getLong(i);
                if (rs.wasNull()) {
                    json.writeNull();
                } else {
                    json.writeNumber(v);
                }
            };
            case Types.DECIMAL, Types.NUMERIC -> (rs, i, json) -> writeOrNull(json, rs.getBigDecimal(i));
            case Types.REAL, Types.FLOAT, Types.DOUBLE -> (rs, i, json) -> {
                double v = rs.getDouble(i);
                if (rs.wasNull()) {
                    json.writeNull();
                } else if (Double.isNaN(v) || Double.isInfinite(v)) {
                    throw new EncodingException("value " + v + " has no JSON representation");
                } else {
                    json.writeNumber(v);
                }
            };
            case Types.BOOLEAN, Types.BIT -> (rs, i, json) -> {
                boolean v = rs.getBoolean(i);
                if (rs.wasNull()) {
                    json.writeNull();
                } else {
                    json.writeBoolean(v);
                }
            };
            case Types.TIMESTAMP -> (rs, i, json) -> writeOrNull(json, rs.getObject(i, LocalDateTime.class));
            case Types.TIMESTAMP_WITH_TIMEZONE -> (rs, i, json) -> writeOrNull(json, rs.getObject(i, OffsetDateTime.class));
            case Types.DATE -> (rs, i, json) -> writeOrNull(json, rs.getObject(i, LocalDate.class));
            case Types.TIME -> (rs, i, json) -> writeOrNull(json, rs.getObject(i, LocalTime.class));
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> (rs, i, json) -> {
                byte[] v = rs.getBytes(i);
                writeOrNull(json, v == null ? null : Base64.getEncoder().encodeToString(v));
            };
            default -> (rs, i, json) -> writeOrNull(json, text(rs.getString(i)));
        };
    }

    /**
     * Text as it is, unless it holds half of a surrogate pair: such a string is not Unicode, JSON in UTF-8
     * cannot carry it, and sending it would silently turn it into '?'. The record fails instead.
     */
    static String text(String value) throws EncodingException {
        if (value == null) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new EncodingException(String.format("the text is not valid Unicode (an unpaired surrogate U+%04X at"
                        + " character %d), so UTF-8 JSON cannot carry it", (int) c, i));
            }
        }
        return value;
    }

    private static void writeOrNull(JsonGenerator json, Object value) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof BigDecimal decimal) {
            json.writeNumber(decimal);
        } else {
            json.writeString(value.toString());
        }
    }
}
