package dev.ferry.gather;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

import dev.ferry.watermark.ValueType;

/**
 * What the gather does differently for a source's database product, in one place (as kafka-connect-jdbc's
 * {@code DatabaseDialect}): how a query streams its rows, whether the keyset predicate may compare row values, how to
 * read the database's clock, whether its open transactions can be seen. A product not named here gets the plain JDBC
 * and SQL that every database takes.
 */
enum SourceDialect {

    /**
     * Compares row values in index order: {@code (c, k) > (?, ?)} is one range scan of the cursor index. Shows the
     * transactions open on it ({@link OpenTransactions}), so that a run need not pass a row that commits late.
     */
    POSTGRESQL {
        @Override
        boolean comparesRowValues() {
            return true;
        }

        @Override
        boolean seesOpenTransactions() {
            return true;
        }

        @Override
        Instant instantOf(Connection db, Object cursor) throws SQLException {
            // a date cursor gathers complete days: its bound is the end of the day
            Object local = cursor instanceof LocalDate day ? day.plusDays(1).atStartOfDay() : cursor;
            if (local instanceof OffsetDateTime time) {
                return time.toInstant();
            }
            try (PreparedStatement ps = db.prepareStatement("SELECT CAST(? AS TIMESTAMP WITH TIME ZONE)")) {
                ps.setObject(1, local);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getObject(1, OffsetDateTime.class).toInstant();
                }
            }
        }

        @Override
        Object lastBefore(Connection db, ValueType cursorType, Instant instant) throws SQLException {
            Instant before = instant.minus(1, ChronoUnit.MICROS);
            if (cursorType == ValueType.OFFSET_DATE_TIME) {
                return before.atOffset(ZoneOffset.UTC);
            }
            // the session's time zone is the one a TIMESTAMP cursor's clock (LOCALTIMESTAMP) reads in
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT CAST(? AS TIMESTAMP WITH TIME ZONE) AT TIME ZONE current_setting('TimeZone')")) {
                ps.setObject(1, before.atOffset(ZoneOffset.UTC));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    LocalDateTime local = rs.getObject(1, LocalDateTime.class);
                    return cursorType == ValueType.LOCAL_DATE ? local.toLocalDate().minusDays(1) : local;
                }
            }
        }
    },

    /** Streams a query's rows with a fetch size only in lazy mode, which is a setting of the session. */
    H2 {
        @Override
        void streamRows(Connection db, boolean on) throws SQLException {
            try (Statement s = db.createStatement()) {
                s.execute("SET LAZY_QUERY_EXECUTION " + on);
            }
        }
    },

    /** Selects from {@code DUAL}. */
    ORACLE {
        @Override
        String selectClock(String clock) {
            return "SELECT " + clock + " FROM DUAL";
        }
    },

    OTHER;

    static SourceDialect of(Connection db) throws SQLException {
        return switch (db.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT)) {
            case "postgresql" -> POSTGRESQL;
            case "h2" -> H2;
            case "oracle" -> ORACLE;
            default -> OTHER;
        };
    }

    /**
     * Makes the connection's queries stream their rows with a fetch size ({@code on}), or stop doing so before it goes
     * back to its pool. The connection is in a transaction already, which is what PostgreSQL's driver needs.
     */
    void streamRows(Connection db, boolean on) throws SQLException {
    }

    /** Whether {@code (c, k) > (?, ?)} compares in index order; otherwise {@code c > ? OR (c = ? AND k > ?)}. */
    boolean comparesRowValues() {
        return false;
    }

    /** Whether the transactions open on the database can be seen ({@link OpenTransactions}: PostgreSQL only). */
    boolean seesOpenTransactions() {
        return false;
    }

    /** The instant a date-time cursor value stands for, in the session's time zone (a date: the end of that day). */
    Instant instantOf(Connection db, Object cursor) throws SQLException {
        throw new UnsupportedOperationException(name() + " shows no open transactions");
    }

    /** The last cursor value before {@code instant}: a date-time a microsecond before it, or the day before its day. */
    Object lastBefore(Connection db, ValueType cursorType, Instant instant) throws SQLException {
        throw new UnsupportedOperationException(name() + " shows no open transactions");
    }

    /** The query that reads a clock expression such as {@code LOCALTIMESTAMP}. */
    String selectClock(String clock) {
        return "SELECT " + clock;
    }
}
