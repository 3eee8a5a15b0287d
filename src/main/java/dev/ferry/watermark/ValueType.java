package dev.ferry.watermark;

import java.math.BigDecimal;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * The Java type a cursor or key value is read as, chosen from the column's JDBC type so that the value
 * keeps the source's native precision (PostgreSQL's microseconds, exact decimals) through a round trip
 * to text and back.
 */
public enum ValueType {
    LOCAL_DATE_TIME(LocalDateTime.class),
    OFFSET_DATE_TIME(OffsetDateTime.class),
    LOCAL_DATE(LocalDate.class),
    LONG(Long.class),
    DECIMAL(BigDecimal.class),
    STRING(String.class),
    UUID(java.util.UUID.class);

    private final Class<?> javaType;

    ValueType(Class<?> javaType) {
        this.javaType = javaType;
    }

    public Class<?> javaType() {
        return javaType;
    }

    /**
     * The type for a column, or null when the column cannot serve as a cursor or key. PostgreSQL's
     * driver reports {@code timestamptz} as {@code Types.TIMESTAMP}; its type name tells them apart.
     */
    public static ValueType ofJdbcType(int jdbcType, String typeName) {
        if ("timestamptz".equalsIgnoreCase(typeName)) {
            return OFFSET_DATE_TIME;
        }
        return switch (jdbcType) {
            case Types.TIMESTAMP -> LOCAL_DATE_TIME;
            case Types.TIMESTAMP_WITH_TIMEZONE -> OFFSET_DATE_TIME;
            case Types.DATE -> LOCAL_DATE;
            case Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT -> LONG;
            case Types.DECIMAL, Types.NUMERIC -> DECIMAL;
            case Types.CHAR, Types.VARCHAR, Types.NCHAR, Types.NVARCHAR, Types.LONGVARCHAR, Types.LONGNVARCHAR -> STRING;
            default -> "uuid".equalsIgnoreCase(typeName) ? UUID : null;
        };
    }

    public Object parse(String text) {
        return switch (this) {
            case LOCAL_DATE_TIME -> LocalDateTime.parse(text);
            case OFFSET_DATE_TIME -> OffsetDateTime.parse(text);
            case LOCAL_DATE -> LocalDate.parse(text);
            case LONG -> Long.valueOf(text);
            case DECIMAL -> new BigDecimal(text);
            case STRING -> text;
            case UUID -> java.util.UUID.fromString(text);
        };
    }

    /** Text that {@link #parse} turns back into an equal value. */
    public String format(Object value) {
        if (!javaType.isInstance(value)) {
            throw new IllegalArgumentException("Expected a " + javaType.getSimpleName() + " but got "
                    + (value == null ? "null" : value.getClass().getSimpleName()));
        }
        return value instanceof BigDecimal decimal ? decimal.toPlainString() : value.toString();
    }

    public static ValueType of(Object value) {
        for (ValueType type : values()) {
            if (type.javaType.isInstance(value)) {
                return type;
            }
        }
        throw new IllegalArgumentException("Unsupported cursor or key value type: " + value.getClass().getName());
    }
}
