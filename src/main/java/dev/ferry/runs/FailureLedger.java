package dev.ferry.runs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import dev.ferry.state.Jdbc;

/**
 * The failure ledger ({@code ferry_failure}): per connector and record key, the last failed delivery.
 * Written once per failed record (failures are the exception, so one statement each is fine) and read
 * by each run to gather the failed keys again.
 */
public final class FailureLedger {

    static final int ERROR_MAX = 4000;

    private final DataSource dataSource;
    private final Clock clock;

    public FailureLedger(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /**
     * Records that a record finally failed in a run. A record that was resolved before starts a new
     * entry; an open one counts one more attempt and is parked once it reaches {@code maxAttempts}.
     */
    public Failure.Status record(String connector, String key, String version, long runId, Integer httpStatus,
                                 String error, int maxAttempts) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
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
        }
    }

    /** Records a failure in the run's own history only (a preview's: the ledger gets it on submit). */
    public void recordInRun(String connector, String key, String version, long runId, Integer httpStatus, String error)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            recordInRun(c, connector, key, version, runId, httpStatus, error, clock.instant());
        }
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
    private static void recordInRun(Connection c, String connector, String key, String version, long runId,
                                    Integer httpStatus, String error, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE ferry_run_failure SET record_version = ?, http_status = ?,"
                + " error = ?, failed_at = ? WHERE run_id = ? AND record_key = ?")) {
            ps.setString(1, version);
            Jdbc.setInteger(ps, 2, httpStatus);
            ps.setString(3, Jdbc.clip(error, ERROR_MAX));
            Jdbc.setInstant(ps, 4, now);
            ps.setLong(5, runId);
            ps.setString(6, key);
            if (ps.executeUpdate() == 1) {
                return;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO ferry_run_failure (run_id, record_key, connector,"
                + " record_version, http_status, error, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, runId);
            ps.setString(2, key);
            ps.setString(3, connector);
            ps.setString(4, version);
            Jdbc.setInteger(ps, 5, httpStatus);
            ps.setString(6, Jdbc.clip(error, ERROR_MAX));
            Jdbc.setInstant(ps, 7, now);
            ps.executeUpdate();
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
        try (Connection c = dataSource.getConnection()) {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM ferry_run_failure WHERE run_id = ?")) {
                ps.setLong(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            List<RunFailure> items = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM ferry_run_failure WHERE run_id = ?"
                    + " ORDER BY record_key OFFSET ? ROWS FETCH FIRST ? ROWS ONLY")) {
                ps.setLong(1, runId);
                ps.setInt(2, offset);
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Integer status = httpStatus(rs);
                        items.add(new RunFailure(rs.getLong("run_id"), rs.getString("connector"), rs.getString("record_key"),
                                rs.getString("record_version"), status, rs.getString("error"), Jdbc.getInstant(rs, "failed_at")));
                    }
                }
            }
            return new Page<>(items, offset, limit, total);
        }
    }

    private static boolean update(Connection c, String connector, String key, String version, long runId,
                                  Integer httpStatus, String error, int maxAttempts, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE ferry_failure SET"
                        + " first_failed_at = CASE WHEN status = 'RESOLVED' THEN ? ELSE first_failed_at END,"
                        + " status = CASE WHEN status = 'PARKED'"
                        + "   OR (CASE WHEN status = 'RESOLVED' THEN 1 ELSE attempts + 1 END) >= ?"
                        + "   THEN 'PARKED' ELSE 'OPEN' END,"
                        + " attempts = CASE WHEN status = 'RESOLVED' THEN 1 ELSE attempts + 1 END,"
                        + " last_failed_at = ?, resolved_at = NULL, record_version = ?, http_status = ?,"
                        + " last_error = ?, run_id = ?"
                        + " WHERE connector = ? AND record_key = ?")) {
            Jdbc.setInstant(ps, 1, now);
            ps.setInt(2, maxAttempts);
            Jdbc.setInstant(ps, 3, now);
            ps.setString(4, version);
            Jdbc.setInteger(ps, 5, httpStatus);
            ps.setString(6, Jdbc.clip(error, ERROR_MAX));
            ps.setLong(7, runId);
            ps.setString(8, connector);
            ps.setString(9, key);
            return ps.executeUpdate() == 1;
        }
    }

    private static void insert(Connection c, String connector, String key, String version, long runId,
                               Integer httpStatus, String error, int maxAttempts, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO ferry_failure (connector, record_key, status, attempts, first_failed_at, last_failed_at,"
                        + " record_version, http_status, last_error, run_id) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, connector);
            ps.setString(2, key);
            ps.setString(3, (maxAttempts <= 1 ? Failure.Status.PARKED : Failure.Status.OPEN).name());
            Jdbc.setInstant(ps, 4, now);
            Jdbc.setInstant(ps, 5, now);
            ps.setString(6, version);
            Jdbc.setInteger(ps, 7, httpStatus);
            ps.setString(8, Jdbc.clip(error, ERROR_MAX));
            ps.setLong(9, runId);
            ps.executeUpdate();
        }
    }

    /**
     * Resolves the entry of a record that run {@code runId} delivered — unless a later run failed it
     * (runs of a connector gather one after another, so a later run carries the same or a newer version,
     * and its failure must stay visible even if this delivery arrives after it).
     */
    public boolean resolve(String connector, String key, long runId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE ferry_failure SET status = 'RESOLVED', resolved_at = ?"
                             + " WHERE connector = ? AND record_key = ? AND status <> 'RESOLVED' AND run_id <= ?")) {
            Jdbc.setInstant(ps, 1, clock.instant());
            ps.setString(2, connector);
            ps.setString(3, key);
            ps.setLong(4, runId);
            return ps.executeUpdate() == 1;
        }
    }

    /** Whether the state database answers now (within 2 s). */
    public boolean reachable() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /** Resolves entries whose record no longer exists at the source: there is nothing left to deliver. */
    public void resolveGone(String connector, Collection<String> keys) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE ferry_failure SET status = 'RESOLVED', resolved_at = ?,"
                             + " last_error = SUBSTRING('Resolved: the record no longer exists at the source. Last error: '"
                             + " || last_error FROM 1 FOR " + ERROR_MAX + ")"
                             + " WHERE connector = ? AND record_key = ? AND status = 'OPEN'")) {
            for (String key : keys) {
                Jdbc.setInstant(ps, 1, now);
                ps.setString(2, connector);
                ps.setString(3, key);
                ps.addBatch();
            }
            ps.executeBatch();
        }
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
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE ferry_failure SET " + assignments
                     + " WHERE connector = ? AND record_key = ? AND status = ?")) {
            ps.setString(1, connector);
            ps.setString(2, key);
            ps.setString(3, from.name());
            return ps.executeUpdate() == 1;
        }
    }

    /** Re-queues every parked record of the connector; returns how many. */
    public int requeueAll(String connector) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE ferry_failure SET status = 'OPEN', attempts = 0"
                     + " WHERE connector = ? AND status = 'PARKED'")) {
            ps.setString(1, connector);
            return ps.executeUpdate();
        }
    }

    /** Deletes entries resolved before {@code cutoff}; open and parked ones stay whatever their age. */
    public int deleteResolvedBefore(Instant cutoff) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "DELETE FROM ferry_failure WHERE status = 'RESOLVED' AND resolved_at < ?")) {
            Jdbc.setInstant(ps, 1, cutoff);
            return ps.executeUpdate();
        }
    }

    /** Counts of the connector's entries by status. */
    public Map<Failure.Status, Long> counts(String connector) throws SQLException {
        Map<Failure.Status, Long> counts = noCounts();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT status, COUNT(*) FROM ferry_failure WHERE connector = ? GROUP BY status")) {
            ps.setString(1, connector);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(Failure.Status.valueOf(rs.getString(1)), rs.getLong(2));
                }
            }
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
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT connector, status, COUNT(*) FROM ferry_failure GROUP BY connector, status");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                counts.computeIfAbsent(rs.getString(1), connector -> noCounts())
                        .put(Failure.Status.valueOf(rs.getString(2)), rs.getLong(3));
            }
        }
        return counts;
    }

    /** Whether the connector has entries that a delivery may resolve (open or parked). */
    public boolean hasUnresolved(String connector) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT 1 FROM ferry_failure WHERE connector = ? AND status <> 'RESOLVED' FETCH FIRST 1 ROWS ONLY")) {
            ps.setString(1, connector);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Open keys after {@code afterKey} (null: from the start), in key order, for paging through them. */
    public List<String> openKeys(String connector, String afterKey, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT record_key FROM ferry_failure WHERE connector = ? AND status = 'OPEN' AND record_key > ?"
                             + " ORDER BY record_key FETCH FIRST ? ROWS ONLY")) {
            ps.setString(1, connector);
            ps.setString(2, afterKey == null ? "" : afterKey);
            ps.setInt(3, limit);
            List<String> keys = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(rs.getString(1));
                }
            }
            return keys;
        }
    }

    public Optional<Failure> find(String connector, String key) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return find(c, connector, key);
        }
    }

    private static Optional<Failure> find(Connection c, String connector, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT * FROM ferry_failure WHERE connector = ? AND record_key = ?")) {
            ps.setString(1, connector);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** Entries of a connector, optionally of one status, most recent failure first. */
    public List<Failure> list(String connector, Failure.Status status) throws SQLException {
        return list(connector, status, 0, Integer.MAX_VALUE).items();
    }

    /** One page of a connector's entries, optionally of one status, most recent failure first. */
    public Page<Failure> list(String connector, Failure.Status status, int offset, int limit) throws SQLException {
        String where = " WHERE connector = ?" + (status == null ? "" : " AND status = ?");
        try (Connection c = dataSource.getConnection()) {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM ferry_failure" + where)) {
                bind(ps, connector, status);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM ferry_failure" + where
                    + " ORDER BY last_failed_at DESC, record_key OFFSET ? ROWS FETCH FIRST ? ROWS ONLY")) {
                int next = bind(ps, connector, status);
                ps.setInt(next, offset);
                ps.setInt(next + 1, limit);
                List<Failure> failures = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        failures.add(map(rs));
                    }
                }
                return new Page<>(failures, offset, limit, total);
            }
        }
    }

    private static int bind(PreparedStatement ps, String connector, Failure.Status status) throws SQLException {
        ps.setString(1, connector);
        if (status == null) {
            return 2;
        }
        ps.setString(2, status.name());
        return 3;
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
