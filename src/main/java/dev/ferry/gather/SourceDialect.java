package dev.ferry.gather;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * What the gather does differently for a source's database product, in one place (as kafka-connect-jdbc's
 * {@code DatabaseDialect}): how a query streams its rows, whether the keyset predicate may compare row values, how to
 * read the database's clock. A product not named here gets the plain JDBC and SQL that every database takes.
 */
enum SourceDialect {

    /** Compares row values in index order: {@code (c, k) > (?, ?)} is one range scan of the cursor index. */
    POSTGRESQL {
        @Override
        boolean comparesRowValues() {
            return true;
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

    /** The query that reads a clock expression such as {@code LOCALTIMESTAMP}. */
    String selectClock(String clock) {
        return "SELECT " + clock;
    }
}
