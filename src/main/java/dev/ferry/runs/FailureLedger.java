package dev.ferry.runs;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import dev.ferry.state.Jdbc;
import dev.ferry.state.JdbcRunner;

/**
 * The failure ledger ({@code ferry_failure}): per connector and record key, the last failed delivery.
 * Written once per failed record (failures are the exception, so one statement each is fine) and read
 * by each run to gather the failed keys again.
 */
public final class FailureLedger {

    static final int ERROR_MAX = 4000;

    private final JdbcRunner jdbc;
    private final Clock clock;

    public FailureLedger(DataSource dataSource, Clock clock) {
        this.jdbc = new JdbcRunner(dataSource);
        this.clock = clock;
    }

    /**
     * Records that a record finally failed in a run. A record that was resolved before starts a new
     * entry; an open one counts one more attempt and is parked once it reaches {@code maxAttempts}.
     */
    public Failure.Status record(String connector, String key, String version, long runId, Integer httpStatus,
                                 String error, int maxAttempts) throws SQLException {
        Instant now = clock.instant();
        return jdbc.withConnection(c -> {
            recordInRun(c, connector, key, version, runId, httpStatus, error, now);
            for (int attempt = 0; ; attempt++) {
                if (update(c, connector, key, version, runId, httpStatus, error, maxAttempts, now)) {
                    return find(c, connector, key).orElseThrow().status();
                }
                try {
                    insert(c, connector, key, version, runId, httpStatus, error, maxAttempts, now);
                    return maxAttempts <= 1 ? Failure.Status.PARKED : Failure.Status.OPEN;
                } catch (SQLException e) {
                    // Another consumer inserted the same key meanwhile: update that entry instead.
                    if (attempt > 0 || !isUniqueViolation(e)) {
                        throw e;
                    }
                }
            }
        });
    }

    /** Records a failure in the run's own history only (a preview's: the ledger gets it on submit). */
    public void recordInRun(String connector, String key, String version, long runId, Integer httpStatus, String error)
            throws SQLException {
        jdbc.withConnection(c -> {
            recordInRun(c, connector, key, version, runId, httpStatus, error, clock.instant());
            return null;
        });
    }

    /**
     * A preview run was submitted: the records that failed while it gathered go to the ledger now, so the
     * next run retries them. Returns how many.
     */
    public int promote(long runId, int maxAttempts) throws SQLException {
        int promoted = 0;
        for (int offset = 0; ; offset += 500) {
            List<RunFailure> page = ofRun(runId, offset, 500).items();
            for (RunFailure f : page) {
                record(f.connector(), f.recordKey(), f.recordVersion(), runId, f.httpStatus(), f.error(), maxAttempts);
                promoted++;
            }
            if (page.size() < 500) {
                return promoted;
            }
        }
    }

    /** The run's own history of failed records: one row per record (a redelivered one updates its row). */
    private void recordInRun(Connection c, String connector, String key, String version, long runId,
                             Integer httpStatus, String error, Instant now) throws SQLException {
        if (jdbc.update(c, "UPDATE ferry_run_failure SET record_version = ?, http_status = ?, error = ?, failed_at = ?"
                + " WHERE run_id = ? AND record_key = ?", version, httpStatus, Jdbc.clip(error, ERROR_MAX), now, runId,
                key) == 1) {
            return;
        }
        try {
            jdbc.update(c, "INSERT INTO ferry_run_failure (run_id, record_key, connector, record_version, http_status,"
                            + " error, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?)", runId, key, connector, version, httpStatus,
                    Jdbc.clip(error, ERROR_MAX), now);
        } catch (SQLException e) {
            // The same record failed on two consumers at once (a redelivery): the other row says the same.
            if (!isUniqueViolation(e)) {
                throw e;
            }
        }
    }

    /** A record that failed in one run, with that run's error. */
    public record RunFailure(long runId, String connector, String recordKey, String recordVersion, Integer httpStatus,
                             String error, Instant failedAt) {
    }

    /** One page of the records that failed in a run, in key order. */
    public Page<RunFailure> ofRun(long runId, int offset, int limit) throws SQLException {
        return jdbc.withConnection(c -> new Page<>(jdbc.query(c, "SELECT * FROM ferry_run_failure WHERE run_id = ?"
                        + " ORDER BY record_key OFFSET ? ROWS FETCH FIRST ? ROWS ONLY",
                rs -> new RunFailure(rs.getLong("run_id"), rs.getString("connector"), rs.getString("record_key"),
                        rs.getString("record_version"), httpStatus(rs), rs.getString("error"),
                        Jdbc.getInstant(rs, "failed_at")), runId, offset, limit), offset, limit,
                jdbc.queryLong(c, "SELECT COUNT(*) FROM ferry_run_failure WHERE run_id = ?", runId)));
    }

    private boolean update(Connection c, String connector, String key, String version, long runId,
                           Integer httpStatus, String error, int maxAttempts, Instant now) throws SQLException {
        return jdbc.update(c, "UPDATE ferry_failure SET"
                        + " first_failed_at = CASE WHEN status = 'RESOLVED' THEN ? ELSE first_failed_at END,"
                        + " status = CASE WHEN status = 'PARKED'"
                        + "   OR (CASE WHEN status = 'RESOLVED' THEN 1 ELSE attempts + 1 END) >= ?"
                        + "   THEN 'PARKED' ELSE 'OPEN' END,"
                        + " attempts = CASE WHEN status = 'RESOLVED' THEN 1 ELSE attempts + 1 END,"
                        + " last_failed_at = ?, resolved_at = NULL, record_version = ?, http_status = ?,"
                        + " last_error = ?, run_id = ?"
                        + " WHERE connector = ? AND record_key = ?",
                now, maxAttempts, now, version, httpStatus, Jdbc.clip(error, ERROR_MAX), runId, connector, key) == 1;
    }

    private void insert(Connection c, String connector, String key, String version, long runId,
                        Integer httpStatus, String error, int maxAttempts, Instant now) throws SQLException {
        jdbc.update(c, "INSERT INTO ferry_failure (connector, record_key, status, attempts, first_failed_at,"
                        + " last_failed_at, record_version, http_status, last_error, run_id)"
                        + " VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
                connector, key, maxAttempts <= 1 ? Failure.Status.PARKED : Failure.Status.OPEN, now, now, version,
                httpStatus, Jdbc.clip(error, ERROR_MAX), runId);
    }

    /**
     * Resolves the entry of a record that run {@code runId} delivered — unless a later run failed it
     * (runs of a connector gather one after another, so a later run carries the same or a newer version,
     * and its failure must stay visible even if this delivery arrives after it).
     */
    public boolean resolve(String connector, String key, long runId) throws SQLException {
        return jdbc.update("UPDATE ferry_failure SET status = 'RESOLVED', resolved_at = ? WHERE connector = ?"
                + " AND record_key = ? AND status <> 'RESOLVED' AND run_id <= ?", clock.instant(), connector, key, runId)
                == 1;
    }

    /** Whether the state database answers now (within 2 s). */
    public boolean reachable() {
        try (Connection c = jdbc.dataSource().getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /** Resolves entries whose record no longer exists at the source: there is nothing left to deliver. */
    public void resolveGone(String connector, Collection<String> keys) throws SQLException {
        Instant now = clock.instant();
        List<Object[]> rows = new ArrayList<>(keys.size());
        for (String key : keys) {
            rows.add(new Object[] {now, connector, key});
        }
        jdbc.batch("UPDATE ferry_failure SET status = 'RESOLVED', resolved_at = ?,"
                + " last_error = SUBSTRING('Resolved: the record no longer exists at the source. Last error: '"
                + " || last_error FROM 1 FOR " + ERROR_MAX + ")"
                + " WHERE connector = ? AND record_key = ? AND status = 'OPEN'", rows);
    }

    /** An operator re-queues a parked record: the next run reads it again and delivers its current state. */
    public boolean requeue(String connector, String key) throws SQLException {
        return setStatus(connector, key, Failure.Status.PARKED, "status = 'OPEN', attempts = 0");
    }

    /** An operator parks an open record: kept and visible, not retried until re-queued. */
    public boolean park(String connector, String key) throws SQLException {
        return setStatus(connector, key, Failure.Status.OPEN, "status = 'PARKED'");
    }

    private boolean setStatus(String connector, String key, Failure.Status from, String assignments) throws SQLException {
        return jdbc.update("UPDATE ferry_failure SET " + assignments + " WHERE connector = ? AND record_key = ?"
                + " AND status = ?", connector, key, from) == 1;
    }

    /** Re-queues every parked record of the connector; returns how many. */
    public int requeueAll(String connector) throws SQLException {
        return jdbc.update("UPDATE ferry_failure SET status = 'OPEN', attempts = 0 WHERE connector = ?"
                + " AND status = 'PARKED'", connector);
    }

    /** Deletes entries resolved before {@code cutoff}; open and parked ones stay whatever their age. */
    public int deleteResolvedBefore(Instant cutoff) throws SQLException {
        return jdbc.update("DELETE FROM ferry_failure WHERE status = 'RESOLVED' AND resolved_at < ?", cutoff);
    }

    /** Counts of the connector's entries by status. */
    public Map<Failure.Status, Long> counts(String connector) throws SQLException {
        Map<Failure.Status, Long> counts = noCounts();
        for (Map.Entry<Failure.Status, Long> count : jdbc.query("SELECT status, COUNT(*) FROM ferry_failure"
                + " WHERE connector = ? GROUP BY status", rs -> Map.entry(Failure.Status.valueOf(rs.getString(1)),
                rs.getLong(2)), connector)) {
            counts.put(count.getKey(), count.getValue());
        }
        return counts;
    }

    /** Every status at zero. */
    public static Map<Failure.Status, Long> noCounts() {
        Map<Failure.Status, Long> counts = new EnumMap<>(Failure.Status.class);
        for (Failure.Status status : Failure.Status.values()) {
            counts.put(status, 0L);
        }
        return counts;
    }

    /**
     * {@link #counts} of every connector that has entries, in one query (the connector list); a connector not in it
     * has none.
     */
    public Map<String, Map<Failure.Status, Long>> countsByConnector() throws SQLException {
        Map<String, Map<Failure.Status, Long>> counts = new HashMap<>();
        for (StatusCount count : jdbc.query("SELECT connector, status, COUNT(*) FROM ferry_failure"
                + " GROUP BY connector, status", rs -> new StatusCount(rs.getString(1),
                Failure.Status.valueOf(rs.getString(2)), rs.getLong(3)))) {
            counts.computeIfAbsent(count.connector(), connector -> noCounts()).put(count.status(), count.count());
        }
        return counts;
    }

    private record StatusCount(String connector, Failure.Status status, long count) {
    }

    /** Whether the connector has entries that a delivery may resolve (open or parked). */
    public boolean hasUnresolved(String connector) throws SQLException {
        return jdbc.queryFirst("SELECT 1 FROM ferry_failure WHERE connector = ? AND status <> 'RESOLVED'"
                + " FETCH FIRST 1 ROWS ONLY", rs -> true, connector).isPresent();
    }

    /** Open keys after {@code afterKey} (null: from the start), in key order, for paging through them. */
    public List<String> openKeys(String connector, String afterKey, int limit) throws SQLException {
        return jdbc.query("SELECT record_key FROM ferry_failure WHERE connector = ? AND status = 'OPEN'"
                        + " AND record_key > ? ORDER BY record_key FETCH FIRST ? ROWS ONLY", rs -> rs.getString(1),
                connector, afterKey == null ? "" : afterKey, limit);
    }

    /** The versions of the connector's open entries: an API source reads again from the oldest of them. */
    public List<String> openVersions(String connector) throws SQLException {
        return jdbc.query("SELECT DISTINCT record_version FROM ferry_failure WHERE connector = ? AND status = 'OPEN'"
                + " AND record_version IS NOT NULL", rs -> rs.getString(1), connector);
    }

    /** Those of {@code keys} that are open: a full refresh sends their rows again whatever the key registry says. */
    public Set<String> openAmong(String connector, Collection<String> keys) throws SQLException {
        Set<String> open = new HashSet<>();
        if (keys.isEmpty()) {
            return open;
        }
        Object[] parameters = new Object[keys.size() + 1];
        parameters[0] = connector;
        int i = 1;
        for (String key : keys) {
            parameters[i++] = key;
        }
        jdbc.query("SELECT record_key FROM ferry_failure WHERE connector = ? AND status = 'OPEN' AND record_key IN ("
                + KeyRegistry.placeholders(keys.size()) + ")", rs -> open.add(rs.getString(1)), parameters);
        return open;
    }

    public Optional<Failure> find(String connector, String key) throws SQLException {
        return jdbc.withConnection(c -> find(c, connector, key));
    }

    private Optional<Failure> find(Connection c, String connector, String key) throws SQLException {
        return jdbc.queryFirst(c, "SELECT * FROM ferry_failure WHERE connector = ? AND record_key = ?",
                FailureLedger::map, connector, key);
    }

    /** Entries of a connector, optionally of one status, most recent failure first. */
    public List<Failure> list(String connector, Failure.Status status) throws SQLException {
        return list(connector, status, 0, Integer.MAX_VALUE).items();
    }

    /** One page of a connector's entries, optionally of one status, most recent failure first. */
    public Page<Failure> list(String connector, Failure.Status status, int offset, int limit) throws SQLException {
        String where = " WHERE connector = ?" + (status == null ? "" : " AND status = ?");
        Object[] filter = status == null ? new Object[] {connector} : new Object[] {connector, status};
        Object[] paged = Arrays.copyOf(filter, filter.length + 2);
        paged[filter.length] = offset;
        paged[filter.length + 1] = limit;
        return jdbc.withConnection(c -> new Page<>(jdbc.query(c, "SELECT * FROM ferry_failure" + where
                        + " ORDER BY last_failed_at DESC, record_key OFFSET ? ROWS FETCH FIRST ? ROWS ONLY",
                FailureLedger::map, paged), offset, limit,
                jdbc.queryLong(c, "SELECT COUNT(*) FROM ferry_failure" + where, filter)));
    }

    /** The HTTP status column, or null (wasNull must follow its getInt at once). */
    private static Integer httpStatus(ResultSet rs) throws SQLException {
        int status = rs.getInt("http_status");
        return rs.wasNull() ? null : status;
    }

    private static Failure map(ResultSet rs) throws SQLException {
        Integer httpStatus = httpStatus(rs);
        return new Failure(
                rs.getString("connector"),
                rs.getString("record_key"),
                Failure.Status.valueOf(rs.getString("status")),
                rs.getInt("attempts"),
                Jdbc.getInstant(rs, "first_failed_at"),
                Jdbc.getInstant(rs, "last_failed_at"),
                Jdbc.getInstant(rs, "resolved_at"),
                rs.getString("record_version"),
                httpStatus,
                rs.getString("last_error"),
                rs.getLong("run_id"));
    }

    private static boolean isUniqueViolation(SQLException e) {
        // SQLState class 23 is "integrity constraint violation" on every database Ferry supports.
        return e.getSQLState() != null && e.getSQLState().startsWith("23");
    }
}
