package dev.ferry.bench;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The benchmark's source: generated tables {@code bench_rows_<n>} in PostgreSQL, kept between runs.
 * Every value follows from the row's id (see {@link Receiver}, which checks them), and rows are
 * indexed on the connector's compound cursor {@code (updated_at, id)}.
 */
final class BenchDatabase implements AutoCloseable {

    /** Bump when the generated rows change, so that kept tables are made again. */
    private static final int GENERATOR = 1;

    private final Connection db;

    BenchDatabase() throws SQLException {
        db = DriverManager.getConnection(System.getenv("FERRY_BENCH_PG_URL"), System.getenv("FERRY_BENCH_PG_USER"),
                System.getenv("FERRY_BENCH_PG_PASSWORD"));
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS bench_meta (table_name text PRIMARY KEY, row_count bigint NOT NULL,"
                    + " generator int NOT NULL)");
        }
    }

    static String table(int rows) {
        return "bench_rows_" + rows;
    }

    String version() throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Makes the table of {@code rows} rows unless a table from this generator is there already. */
    String ensure(int rows) throws SQLException {
        String table = table(rows);
        try (PreparedStatement ps = db.prepareStatement("SELECT 1 FROM bench_meta WHERE table_name = ? AND row_count = ?"
                + " AND generator = ? AND to_regclass(table_name) IS NOT NULL")) {
            ps.setString(1, table);
            ps.setLong(2, rows);
            ps.setInt(3, GENERATOR);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return table;
                }
            }
        }
        long start = System.nanoTime();
        System.out.printf("Generating %s (%,d rows) ...%n", table, rows);
        try (Statement s = db.createStatement()) {
            s.execute("SET maintenance_work_mem = '256MB'");
            s.execute("DROP TABLE IF EXISTS " + table);
            s.execute("CREATE TABLE " + table + " (id bigint NOT NULL, updated_at timestamptz NOT NULL, version int NOT NULL,"
                    + " name text NOT NULL, email text NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL,"
                    + " note text NOT NULL)");
            s.execute("INSERT INTO " + table + " SELECT g, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 millisecond', 0,"
                    + " 'customer ' || g, 'c' || g || '@example.com', (g % 100000) / 100.0,"
                    + " (ARRAY['active','paused','closed'])[g % 3 + 1], 'row ' || g || ' of the benchmark'"
                    + " FROM generate_series(1, " + rows + ") g");
            s.execute("ALTER TABLE " + table + " ADD PRIMARY KEY (id)");
            s.execute("CREATE INDEX " + table + "_cursor ON " + table + " (updated_at, id)");
            s.execute("VACUUM ANALYZE " + table);
            s.execute("DELETE FROM bench_meta WHERE table_name = '" + table + "'");
            s.execute("INSERT INTO bench_meta VALUES ('" + table + "', " + rows + ", " + GENERATOR + ")");
        }
        System.out.printf("Generated %s in %.0f s%n", table, (System.nanoTime() - start) / 1e9);
        return table;
    }

    /** The last row by the compound cursor: where a connector that starts "now" stands. */
    Object[] last(String table) throws SQLException {
        try (Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("SELECT updated_at, id FROM " + table + " ORDER BY updated_at DESC, id DESC LIMIT 1")) {
            rs.next();
            return new Object[] {rs.getObject(1, OffsetDateTime.class), rs.getLong(2)};
        }
    }

    /**
     * Changes {@code count} random rows (seeded): a new version, and cursors after every other row's
     * (in the past, so no settle lag holds them back). Returns their ids and new versions.
     */
    Map<Long, Integer> change(String table, int rows, int count, long seed) throws SQLException {
        Random random = new Random(seed);
        Set<Long> ids = new LinkedHashSet<>();
        while (ids.size() < count) {
            ids.add(1L + random.nextInt(rows));
        }
        Map<Long, Integer> versions = new HashMap<>();
        Array array = db.createArrayOf("bigint", ids.toArray());
        try (PreparedStatement ps = db.prepareStatement("UPDATE " + table + " t SET version = t.version + 1,"
                + " updated_at = m.mx + v.ord * interval '1 millisecond'"
                + " FROM unnest(?::bigint[]) WITH ORDINALITY AS v(id, ord), (SELECT max(updated_at) AS mx FROM " + table + ") m"
                + " WHERE t.id = v.id RETURNING t.id, t.version")) {
            ps.setArray(1, array);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.put(rs.getLong(1), rs.getInt(2));
                }
            }
        }
        return versions;
    }

    /**
     * Puts every row of the table back at version 0, as generated (their cursors stay where {@link #change} moved
     * them): the rounds that sync a whole table expect version 0. Returns how many rows it changed.
     */
    int resetVersions(String table) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("UPDATE " + table + " SET version = 0 WHERE version <> 0")) {
            return ps.executeUpdate();
        }
    }

    /** The plan PostgreSQL picks for Ferry's incremental query (the SQL of its main pass on PostgreSQL) from a position. */
    String incrementalPlan(String table, Object[] from) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("EXPLAIN SELECT * FROM " + table + " ferry_src"
                + " WHERE (updated_at, id) > (?, ?) AND updated_at <= ? ORDER BY updated_at, id")) {
            ps.setObject(1, from[0]);
            ps.setObject(2, from[1]);
            ps.setObject(3, OffsetDateTime.now());
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1).strip()).append(" | ");
                }
            }
            return plan.toString();
        }
    }

    @Override
    public void close() throws SQLException {
        db.close();
    }
}
