package dev.ferry.runs;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dev.ferry.state.JdbcRunner;

/**
 * The key registry ({@code ferry_key_registry}) of the connectors that keep one: each record key Ferry queued for
 * delivery, with a hash of the record's content as queued. It is what a full refresh compares the source with: a row
 * whose hash is registered is unchanged and not sent again, a registered key the source no longer has is delivered as
 * a delete.
 *
 * <p>A run {@linkplain #stage stages} each record it queues (its hash, or that it was a delete); its submit
 * {@linkplain #promote promotes} them in the transaction that moves the watermark. A run that fails or a Ferry that
 * dies before the submit leaves its rows staged and unregistered: the next full refresh sends those records again
 * (under the same idempotency keys), and none is taken for delivered that was not queued.
 */
public final class KeyRegistry {

    /** Keys per statement that reads or stages them. */
    public static final int CHUNK = 500;

    /** A staged change: the record's content hash, or a delete ({@code hash} null). */
    public record Staged(String key, Long hash) {
    }

    private final JdbcRunner jdbc;

    public KeyRegistry(DataSource dataSource) {
        this.jdbc = new JdbcRunner(dataSource);
    }

    /**
     * A run of the connector begins: rows staged by its earlier runs that never submitted are dropped (one run of a
     * connector at a time, so none of them is still running).
     */
    public void begin(String connector, long runId) throws SQLException {
        jdbc.inTransaction(c -> {
            jdbc.update(c, "DELETE FROM ferry_key_registry WHERE pending_run < ? AND connector = ? AND content_hash IS NULL",
                    runId, connector);
            jdbc.update(c, "UPDATE ferry_key_registry SET pending_run = NULL, pending_hash = NULL"
                    + " WHERE pending_run < ? AND connector = ?", runId, connector);
            return null;
        });
    }

    /** How many keys of the connector are registered. */
    public long count(String connector) throws SQLException {
        return jdbc.queryLong("SELECT COUNT(*) FROM ferry_key_registry WHERE connector = ? AND content_hash IS NOT NULL",
                connector);
    }

    /** The registered hashes of those of {@code keys} that are registered (at most {@link #CHUNK} keys). */
    public Map<String, Long> hashes(String connector, Collection<String> keys) throws SQLException {
        Map<String, Long> hashes = new HashMap<>(keys.size() * 2);
        if (keys.isEmpty()) {
            return hashes;
        }
        Object[] parameters = new Object[keys.size() * 2];
        StringBuilder pairs = new StringBuilder(keys.size() * 8);
        int i = 0;
        for (String key : keys) {
            pairs.append(i == 0 ? "(?, ?)" : ", (?, ?)");
            parameters[i++] = connector;
            parameters[i++] = key;
        }
        // a row-value IN: H2 looks each pair up in the primary key (with connector = ? AND record_key IN (...), it
        // reads every key of the connector); PostgreSQL does either way
        jdbc.query("SELECT record_key, content_hash FROM ferry_key_registry WHERE (connector, record_key) IN (" + pairs
                + ") AND content_hash IS NOT NULL", rs -> hashes.put(rs.getString(1), rs.getLong(2)), parameters);
        return hashes;
    }

    /**
     * Up to {@code limit} registered keys after {@code afterKey} (null: from the first) in key order, leaving out those
     * the run staged: what a full refresh checks against the source for deletes.
     */
    public List<String> registeredKeys(String connector, long runId, String afterKey, int limit) throws SQLException {
        String sql = "SELECT record_key FROM ferry_key_registry WHERE connector = ? AND content_hash IS NOT NULL"
                + " AND (pending_run IS NULL OR pending_run <> ?)" + (afterKey == null ? "" : " AND record_key > ?")
                + " ORDER BY record_key FETCH FIRST " + limit + " ROWS ONLY";
        return afterKey == null ? jdbc.query(sql, rs -> rs.getString(1), connector, runId)
                : jdbc.query(sql, rs -> rs.getString(1), connector, runId, afterKey);
    }

    /** Stages what a run queued; promoted when the run submits. */
    public void stage(String connector, long runId, List<Staged> changes) throws SQLException {
        if (changes.isEmpty()) {
            return;
        }
        List<Object[]> rows = new ArrayList<>(changes.size());
        for (Staged change : changes) {
            rows.add(new Object[] {connector, change.key(), runId, change.hash()});
        }
        // MERGE is the same on H2 and PostgreSQL 15
        jdbc.batch("MERGE INTO ferry_key_registry r USING (VALUES (CAST(? AS VARCHAR(100)), CAST(? AS VARCHAR(500)),"
                + " CAST(? AS BIGINT), CAST(? AS BIGINT))) AS s (connector, record_key, pending_run, pending_hash)"
                + " ON r.connector = s.connector AND r.record_key = s.record_key"
                + " WHEN MATCHED THEN UPDATE SET pending_run = s.pending_run, pending_hash = s.pending_hash"
                + " WHEN NOT MATCHED THEN INSERT (connector, record_key, pending_run, pending_hash)"
                + " VALUES (s.connector, s.record_key, s.pending_run, s.pending_hash)", rows);
    }

    /**
     * The run's records are all durably queued: what it staged becomes registered, in the caller's transaction (the
     * one that moves the watermark). Returns how many keys changed.
     */
    public int promote(Connection c, long runId) throws SQLException {
        int removed = jdbc.update(c, "DELETE FROM ferry_key_registry WHERE pending_run = ? AND pending_hash IS NULL", runId);
        return removed + jdbc.update(c, "UPDATE ferry_key_registry SET content_hash = pending_hash, run_id = pending_run,"
                + " pending_run = NULL, pending_hash = NULL WHERE pending_run = ?", runId);
    }

    /** Forgets every key of the connector: its next full refresh delivers every row again. Returns how many. */
    public int clear(String connector) throws SQLException {
        return jdbc.update("DELETE FROM ferry_key_registry WHERE connector = ?", connector);
    }

    static String placeholders(int n) {
        StringBuilder sql = new StringBuilder(n * 3);
        for (int i = 0; i < n; i++) {
            sql.append(i == 0 ? "?" : ", ?");
        }
        return sql.toString();
    }
}
