package dev.ferry.gather;

import java.time.Duration;
import java.util.regex.Pattern;

import javax.sql.DataSource;

/**
 * Where a connector reads from: a table or a query, its cursor and key columns, and how to read it.
 *
 * @param table        table (or view) to read, optionally schema-qualified; or null when {@code query} is set
 * @param query        a SELECT whose columns include the cursor and key; or null when {@code table} is set
 * @param cursorColumn column whose value grows with every change (e.g. {@code updated_at})
 * @param keyColumn    unique key; orders rows that share a cursor value
 * @param fetchSize    rows fetched per round trip while streaming
 * @param settleLag    rows newer than the database's now minus this wait for the next run
 * @param deleteColumn soft-delete column, or null: a row whose value is true (boolean) or set (any other
 *                     type) is delivered as a delete
 * @param waitForOpenTransactions on PostgreSQL, read no row stamped at or after the start of a transaction still open
 *                     ({@link OpenTransactions}); off, or on another database, the settle lag alone holds
 * @param openTransactionLimit a transaction open longer than this no longer holds the read back
 */
public record Source(DataSource dataSource, String table, String query, String cursorColumn, String keyColumn,
                     int fetchSize, Duration settleLag, String deleteColumn, boolean waitForOpenTransactions,
                     Duration openTransactionLimit) implements RecordSource {

    /** The default of {@code openTransactionLimit}. */
    public static final Duration DEFAULT_OPEN_TRANSACTION_LIMIT = Duration.ofHours(1);

    public Source(DataSource dataSource, String table, String query, String cursorColumn, String keyColumn,
                  int fetchSize, Duration settleLag) {
        this(dataSource, table, query, cursorColumn, keyColumn, fetchSize, settleLag, null);
    }

    public Source(DataSource dataSource, String table, String query, String cursorColumn, String keyColumn,
                  int fetchSize, Duration settleLag, String deleteColumn) {
        this(dataSource, table, query, cursorColumn, keyColumn, fetchSize, settleLag, deleteColumn, true,
                DEFAULT_OPEN_TRANSACTION_LIMIT);
    }

    private static final Pattern IDENTIFIER =
            Pattern.compile("([A-Za-z_][A-Za-z0-9_$]*|\"[^\"]+\")(\\.([A-Za-z_][A-Za-z0-9_$]*|\"[^\"]+\"))*");

    /** Alias of the source relation in every statement Ferry builds. */
    static final String ALIAS = "ferry_src";

    public Source {
        if ((table == null) == (query == null)) {
            throw new IllegalArgumentException("Set exactly one of table and query");
        }
        requireIdentifier("table", table, table != null);
        requireIdentifier("cursorColumn", cursorColumn, true);
        requireIdentifier("keyColumn", keyColumn, true);
        requireIdentifier("deleteColumn", deleteColumn, deleteColumn != null);
        if (fetchSize <= 0) {
            throw new IllegalArgumentException("fetchSize must be positive, was " + fetchSize);
        }
        if (settleLag == null || settleLag.isNegative()) {
            throw new IllegalArgumentException("settleLag must be zero or positive, was " + settleLag);
        }
        if (openTransactionLimit == null || openTransactionLimit.isNegative() || openTransactionLimit.isZero()) {
            throw new IllegalArgumentException("openTransactionLimit must be positive, was " + openTransactionLimit);
        }
    }

    private static void requireIdentifier(String option, String value, boolean required) {
        if (!required) {
            return;
        }
        if (value == null || !IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException(option + " must be a plain or quoted SQL identifier, was '" + value + "'");
        }
    }

    /** The relation to select from, aliased {@value #ALIAS}. */
    String relation() {
        return (table != null ? table : "(" + query + ")") + " " + ALIAS;
    }

    /** Reads nothing; its metadata tells the cursor's and key's types (and that they exist). */
    String describeSql() {
        return "SELECT " + cursorColumn + ", " + keyColumn + " FROM " + relation() + " WHERE 1 = 0";
    }

    /**
     * The main pass: rows after the watermark's compound cursor, up to the upper bound, in cursor
     * order. The keyset predicate {@code c > ? OR (c = ? AND k > ?)} never skips rows that share a
     * cursor value.
     */
    String mainPassSql(boolean fromWatermark, boolean upperBound) {
        return mainPassSql(fromWatermark, upperBound, false);
    }

    /**
     * As {@link #mainPassSql(boolean, boolean)}; with {@code rowValues} the keyset predicate is the
     * row-value comparison {@code (c, k) > (?, ?)} (two parameters instead of three), which PostgreSQL
     * turns into one range scan of an index on {@code (c, k)} that starts at the watermark and already
     * delivers the rows in order. Given the OR form, it scans the index from its first entry and
     * filters, which on a large table reads every row before the watermark.
     */
    String mainPassSql(boolean fromWatermark, boolean upperBound, boolean rowValues) {
        return "SELECT * FROM " + relation() + mainPassWhere(fromWatermark, upperBound, rowValues)
                + " ORDER BY " + cursorColumn + ", " + keyColumn;
    }

    /** How many rows the main pass would read: its predicate, as {@link #mainPassSql}, with the same parameters. */
    String mainPassCountSql(boolean fromWatermark, boolean upperBound, boolean rowValues) {
        return "SELECT COUNT(*) FROM " + relation() + mainPassWhere(fromWatermark, upperBound, rowValues);
    }

    private String mainPassWhere(boolean fromWatermark, boolean upperBound, boolean rowValues) {
        StringBuilder sql = new StringBuilder();
        String c = cursorColumn;
        String k = keyColumn;
        if (fromWatermark && rowValues) {
            sql.append(" WHERE (").append(c).append(", ").append(k).append(") > (?, ?)");
        } else if (fromWatermark) {
            sql.append(" WHERE (").append(c).append(" > ? OR (").append(c).append(" = ? AND ").append(k).append(" > ?))");
        }
        if (upperBound) {
            sql.append(fromWatermark ? " AND " : " WHERE ").append(c).append(" <= ?");
        } else if (!fromWatermark) {
            sql.append(" WHERE ").append(c).append(" IS NOT NULL");
        }
        return sql.toString();
    }

    /** A full refresh: every row, in whatever order the database streams them fastest. */
    String fullPassSql() {
        return "SELECT * FROM " + relation();
    }

    /** The keys, of {@code keys} given, that have a row. */
    String keysSql(int keys) {
        StringBuilder sql = new StringBuilder("SELECT ").append(keyColumn).append(" FROM ").append(relation())
                .append(" WHERE ").append(keyColumn).append(" IN (");
        for (int i = 0; i < keys; i++) {
            sql.append(i == 0 ? "?" : ", ?");
        }
        return sql.append(")").toString();
    }

    /**
     * The retry pass: rows of failed keys, each marked whether it lies at or before the watermark
     * (later ones are gathered by the main pass of this run or the next).
     */
    String retryPassSql(int keys) {
        String c = cursorColumn;
        String k = keyColumn;
        StringBuilder sql = new StringBuilder("SELECT ").append(ALIAS).append(".*, CASE WHEN (")
                .append(c).append(" < ? OR (").append(c).append(" = ? AND ").append(k).append(" <= ?))")
                .append(" THEN 1 ELSE 0 END AS ").append(SETTLED).append(" FROM ").append(relation())
                .append(" WHERE ").append(k).append(" IN (");
        for (int i = 0; i < keys; i++) {
            sql.append(i == 0 ? "?" : ", ?");
        }
        return sql.append(")").toString();
    }

    /** Column the retry pass adds; not part of the record. */
    static final String SETTLED = "ferry_settled";
}
