package dev.ferry.runs;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    /** Keys changed by runs' promotions after which PostgreSQL's statistics of the registry are renewed. */
    private static final int ANALYZE_AFTER = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(KeyRegistry.class);

    /** A staged change: the record's content hash, or a delete ({@code hash} null). */
    public record Staged(String key, Long hash) {
    }

    private final JdbcRunner jdbc;
    /** How a chunk of keys is looked up, by the state database's product: null until the first lookup. */
    private volatile Boolean rowValueLookup;
    private final AtomicLong changedSinceAnalyze = new AtomicLong();

    public KeyRegistry(DataSource dataSource) {
        this.jdbc = new JdbcRunner(dataSource);
    }

    private boolean rowValueLookup() throws SQLException {
        Boolean rowValues = rowValueLookup;
        if (rowValues == null) {
            rowValues = jdbc.withConnection(c -> !c.getMetaData().getDatabaseProductName().equals("PostgreSQL"));
            rowValueLookup = rowValues;
        }
        return rowValues;
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
        select(connector, keys, "content_hash", " AND content_hash IS NOT NULL",
                rs -> hashes.put(rs.getString(1), rs.getLong(2)));
        return hashes;
    }

    /**
     * What the registry knows of a key while a run reads: its registered content hash (null: none) and whether this
     * run has staged it already, with what hash (null: a delete).
     */
    public record Known(Long registered, boolean stagedByRun, Long staged) {
    }

    /** What the registry knows of each of {@code keys} (at most {@link #CHUNK}) it has a row for, seen from run {@code runId}. */
    public Map<String, Known> lookup(String connector, long runId, Collection<String> keys) throws SQLException {
        Map<String, Known> known = new HashMap<>(keys.size() * 2);
        select(connector, keys, "content_hash, pending_run, pending_hash", "", rs -> {
            long hash = rs.getLong(2);
            Long registered = rs.wasNull() ? null : hash;
            long pendingRun = rs.getLong(3);
            boolean staged = !rs.wasNull() && pendingRun == runId;
            long pendingHash = rs.getLong(4);
            return known.put(rs.getString(1), new Known(registered, staged, staged && !rs.wasNull() ? pendingHash : null));
        });
        return known;
    }

    private void select(String connector, Collection<String> keys, String columns, String condition,
                        JdbcRunner.RowMapper<?> row) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        List<Object> parameters = new ArrayList<>(keys.size() * 2);
        StringBuilder sql = new StringBuilder(keys.size() * 8 + 150)
                .append("SELECT record_key, ").append(columns).append(" FROM ferry_key_registry WHERE ");
        if (rowValueLookup()) {
            // H2 looks each (connector, key) pair up in the primary key; given connector = ? AND record_key IN (...)
            // it reads every key of the connector
            sql.append("(connector, record_key) IN (");
            for (String key : keys) {
                sql.append(parameters.isEmpty() ? "(?, ?)" : ", (?, ?)");
                parameters.add(connector);
                parameters.add(key);
            }
        } else {
            // PostgreSQL scans the primary key for connector = ? AND record_key = ANY(...); a row-value IN it cannot
            parameters.add(connector);
            sql.append("connector = ? AND record_key IN (").append(placeholders(keys.size()));
            parameters.addAll(keys);
        }
        sql.append(")").append(condition);
        jdbc.query(sql.toString(), row, parameters.toArray());
    }

    /** How many registered keys the run has not staged: after a pass that stages every key it reads, those gone. */
    public long countUnstaged(String connector, long runId) throws SQLException {
        return jdbc.queryLong("SELECT COUNT(*) FROM ferry_key_registry WHERE connector = ? AND content_hash IS NOT NULL"
                + " AND (pending_run IS NULL OR pending_run <> ?)", connector, runId);
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
        int changed = removed + jdbc.update(c, "UPDATE ferry_key_registry SET content_hash = pending_hash, run_id = pending_run,"
                + " pending_run = NULL, pending_hash = NULL WHERE pending_run = ?", runId);
        changedSinceAnalyze.addAndGet(changed);
        return changed;
    }

    /**
     * After a run's promotion has committed: when many keys changed since the last time, PostgreSQL's statistics of
     * the registry are renewed now. A first full refresh fills the registry in one transaction, and until autovacuum
     * gets to it the planner takes the table for empty and scans it whole for every chunk of the next refresh.
     */
    public void analyzeIfGrown() {
        if (changedSinceAnalyze.get() < ANALYZE_AFTER) {
            return;
        }
        changedSinceAnalyze.set(0);
        try {
            if (!rowValueLookup()) {
                jdbc.update("ANALYZE ferry_key_registry");
            }
        } catch (SQLException e) {
            LOG.warn("Could not renew the key registry's statistics ({}); autovacuum will", e.toString());
        }
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
