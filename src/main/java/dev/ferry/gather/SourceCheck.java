package dev.ferry.gather;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.ferry.watermark.ValueType;

/**
 * What Ferry checks of a connector's source before it first runs: the cursor and key columns exist,
 * have types that order, and cannot be NULL (a NULL cursor or key is never gathered); the soft-delete
 * column, if any, exists; and — a warning only — an index starts with the cursor column, else every run
 * scans the whole table.
 */
public final class SourceCheck {

    /** One finding; a fatal one means the connector cannot run. */
    public record Finding(boolean fatal, String option, String message) {
    }

    private SourceCheck() {
    }

    /**
     * Checks the source. A source that cannot be reached is not a finding: the exception is thrown, and
     * runs fail (and say why) until it can be reached.
     */
    public static List<Finding> check(Source source) throws SQLException {
        return check(source, true);
    }

    /**
     * ... {@code incremental}: whether the connector's scheduled runs read what changed, which an index on the cursor
     * serves (a full refresh reads every row whatever the indexes).
     */
    public static List<Finding> check(Source source, boolean incremental) throws SQLException {
        List<Finding> findings = new ArrayList<>();
        try (Connection db = source.dataSource().getConnection()) {
            String sql = "SELECT " + source.cursorColumn() + ", " + source.keyColumn()
                    + (source.deleteColumn() == null ? "" : ", " + source.deleteColumn())
                    + " FROM " + source.relation() + " WHERE 1 = 0";
            ResultSetMetaData meta;
            List<String[]> nullable = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                meta = rs.getMetaData();
                column(findings, nullable, meta, 1, "cursorColumn", source.cursorColumn(), true);
                column(findings, nullable, meta, 2, "keyColumn", source.keyColumn(), false);
            } catch (SQLException e) {
                if (isConnectionProblem(e)) {
                    throw e;
                }
                findings.add(new Finding(true, optionOf(e, source), "the source does not answer "
                        + source.relation().replace(" " + Source.ALIAS, "") + " with the configured columns: "
                        + e.getMessage().lines().findFirst().orElse("")));
                return findings;
            }
            boolean baseTable = source.table() != null && isBaseTable(db.getMetaData(), source);
            for (String[] column : nullable) {
                nullableColumn(findings, db, source, baseTable, column[0], column[1]);
            }
            if (incremental && source.table() != null && !hasIndexOnCursor(db.getMetaData(), source)) {
                findings.add(new Finding(false, "cursorColumn", "no index of " + source.table() + " starts with "
                        + source.cursorColumn() + ", so every run reads the whole table; create one, e.g. CREATE INDEX ON "
                        + source.table() + " (" + source.cursorColumn() + ", " + source.keyColumn() + ")"));
            }
        }
        return findings;
    }

    private static void column(List<Finding> findings, List<String[]> nullable, ResultSetMetaData meta, int index,
                               String option, String name, boolean cursor) throws SQLException {
        ValueType type = ValueType.ofJdbcType(meta.getColumnType(index), meta.getColumnTypeName(index));
        if (type == null || (cursor && type == ValueType.UUID)) {
            findings.add(new Finding(true, option, "column " + name + " has type " + meta.getColumnTypeName(index)
                    + (cursor ? ", which does not order changes; use a timestamp or an increasing number"
                            : ", which cannot serve as a key; use a number, text or UUID")));
        }
        if (meta.isNullable(index) != ResultSetMetaData.columnNoNulls) {
            nullable.add(new String[] {option, name});
        }
    }

    /**
     * A nullable column of a table is a definition error. Views and queries do not carry NOT NULL through,
     * so for them the rows decide: a NULL now is an error, none is a warning.
     */
    private static void nullableColumn(List<Finding> findings, Connection db, Source source, boolean baseTable,
                                       String option, String name) throws SQLException {
        String never = "rows whose " + name + " is NULL are never gathered";
        if (baseTable) {
            findings.add(new Finding(true, option, "column " + name + " may be NULL, and " + never
                    + "; declare it NOT NULL, or select only rows where it is set with a query"));
            return;
        }
        try (PreparedStatement ps = db.prepareStatement("SELECT COUNT(*) FROM " + source.relation() + " WHERE " + name
                + " IS NULL"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            long nulls = rs.getLong(1);
            if (nulls > 0) {
                findings.add(new Finding(true, option, nulls + " row(s) have no " + name + ", and " + never
                        + "; filter them out in the query or view, or give them a value"));
            } else {
                findings.add(new Finding(false, option, "column " + name + " may be NULL in this view or query (no row"
                        + " is now); " + never));
            }
        }
    }

    private static boolean isBaseTable(DatabaseMetaData meta, Source source) throws SQLException {
        for (String[] candidate : TableName.of(source.table()).candidates()) {
            try (ResultSet rs = meta.getTables(null, candidate[0], candidate[1], null)) {
                if (rs.next()) {
                    String type = rs.getString("TABLE_TYPE");
                    return type != null && type.toUpperCase(Locale.ROOT).contains("TABLE");
                }
            }
        }
        return false;
    }

    private static boolean hasIndexOnCursor(DatabaseMetaData meta, Source source) throws SQLException {
        String cursor = source.cursorColumn().replace("\"", "");
        for (String[] candidate : TableName.of(source.table()).candidates()) {
            try (ResultSet rs = meta.getIndexInfo(null, candidate[0], candidate[1], false, true)) {
                while (rs.next()) {
                    if (rs.getShort("ORDINAL_POSITION") == 1 && cursor.equalsIgnoreCase(rs.getString("COLUMN_NAME"))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * A configured table name as the metadata calls may know it: unquoted names are stored upper case by
     * H2 and lower case by PostgreSQL, quoted ones as written.
     */
    private record TableName(String schema, String name, boolean quoted) {

        static TableName of(String table) {
            String schema = null;
            int dot = table.lastIndexOf('.');
            if (dot > 0) {
                schema = table.substring(0, dot).replace("\"", "");
                table = table.substring(dot + 1);
            }
            return new TableName(schema, table.replace("\"", ""), table.startsWith("\""));
        }

        /** (schema, table) pairs to ask the metadata for, most literal first. */
        List<String[]> candidates() {
            List<String> names = quoted ? List.of(name)
                    : List.of(name, name.toUpperCase(Locale.ROOT), name.toLowerCase(Locale.ROOT));
            List<String> schemas = schema == null ? java.util.Collections.singletonList(null)
                    : List.of(schema, schema.toUpperCase(Locale.ROOT), schema.toLowerCase(Locale.ROOT));
            List<String[]> pairs = new ArrayList<>();
            for (String n : names) {
                for (String sch : schemas) {
                    pairs.add(new String[] {sch, n});
                }
            }
            return pairs;
        }
    }

    /** SQLState class 08: the source is unreachable, which says nothing about the connector's definition. */
    static boolean isConnectionProblem(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("08");
    }

    private static String optionOf(SQLException e, Source source) {
        // the first line only: H2 echoes the whole statement after it, which names every configured column
        String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("").toLowerCase(Locale.ROOT);
        String cursor = source.cursorColumn().replace("\"", "").toLowerCase(Locale.ROOT);
        String key = source.keyColumn().replace("\"", "").toLowerCase(Locale.ROOT);
        if (message.contains(cursor)) {
            return "cursorColumn";
        }
        if (message.contains(key)) {
            return "keyColumn";
        }
        if (source.deleteColumn() != null && message.contains(source.deleteColumn().replace("\"", "").toLowerCase(Locale.ROOT))) {
            return "deleteColumn";
        }
        return source.table() != null ? "table" : "query";
    }
}
