package dev.ferry.runs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import dev.ferry.state.Jdbc;

import dev.ferry.watermark.Watermark;

/**
 * The run ledger ({@code ferry_run}, with what each instance delivered in {@code ferry_run_delivery}). Status
 * changes are guarded by the expected current status, so a run never moves backwards and two writers cannot both
 * finish it.
 */
public final class RunLedger {

    static final int ERROR_MAX = 4000;

    /** Statuses of a run that may have records in the queue while its gathered count is not final. */
    private static final String GATHERING_OR_BROKEN_OFF = "('" + RunStatus.CREATED + "', '" + RunStatus.PROCESSING
            + "', '" + RunStatus.FAILED + "')";

    private final DataSource dataSource;
    private final Clock clock;
    /** This instance's name: the runs it creates were gathered here, the outcomes it adds were delivered here. */
    private final String instance;

    public RunLedger(DataSource dataSource, Clock clock, String instance) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.instance = instance;
    }

    public String instance() {
        return instance;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public long create(String connector, Trigger trigger, RunMode mode, Watermark before) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO ferry_run (connector, run_trigger, run_mode, status, created_at, watermark_before,"
                             + " gathered_by) VALUES (?, ?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, connector);
            ps.setString(2, trigger.name());
            ps.setString(3, mode.name());
            ps.setString(4, RunStatus.CREATED.name());
            Jdbc.setInstant(ps, 5, clock.instant());
            ps.setString(6, before == null ? null : before.toString());
            ps.setString(7, instance);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    public void markProcessing(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE ferry_run SET status = ?, started_at = ? WHERE id = ? AND status = ?")) {
            ps.setString(1, RunStatus.PROCESSING.name());
            Jdbc.setInstant(ps, 2, clock.instant());
            ps.setLong(3, id);
            ps.setString(4, RunStatus.CREATED.name());
            requireOne(ps.executeUpdate(), id, RunStatus.CREATED);
        }
    }

    /**
     * Marks the run submitted within the caller's transaction (which also moves the watermark).
     * {@code failed} counts records that failed before reaching the queue.
     */
    public void markSubmitted(Connection c, long id, long gathered, long failed, long skipped, Watermark after)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE ferry_run SET status = ?, submitted_at = ?, gathered = ?, failed = failed + ?, skipped = ?,"
                        + " watermark_after = ? WHERE id = ? AND status = ?")) {
            ps.setString(1, RunStatus.SUBMITTED.name());
            Jdbc.setInstant(ps, 2, clock.instant());
            ps.setLong(3, gathered);
            ps.setLong(4, failed);
            ps.setLong(5, skipped);
            ps.setString(6, after == null ? null : after.toString());
            ps.setLong(7, id);
            ps.setString(8, RunStatus.PROCESSING.name());
            requireOne(ps.executeUpdate(), id, RunStatus.PROCESSING);
        }
    }

    /** A preview run has staged its records: it waits for an operator to submit or delete it. */
    public void markPreview(long id, long gathered, long failed, long skipped, Watermark after) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE ferry_run SET status = ?, gathered = ?, failed = ?, skipped = ?, watermark_after = ?"
                             + " WHERE id = ? AND status = ?")) {
            ps.setString(1, RunStatus.PREVIEW.name());
            ps.setLong(2, gathered);
            ps.setLong(3, failed);
            ps.setLong(4, skipped);
            ps.setString(5, after == null ? null : after.toString());
            ps.setLong(6, id);
            ps.setString(7, RunStatus.PROCESSING.name());
            requireOne(ps.executeUpdate(), id, RunStatus.PROCESSING);
        }
    }

    /** An operator submitted a preview run: it is enqueueing its staged records again. False if it is no longer a preview. */
    public boolean markSubmitting(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE ferry_run SET status = ?, error = NULL WHERE id = ? AND status = ?")) {
            ps.setString(1, RunStatus.PROCESSING.name());
            ps.setLong(2, id);
            ps.setString(3, RunStatus.PREVIEW.name());
            return ps.executeUpdate() == 1;
        }
    }

    /** A submit that broke off, or was cut by a stop: the run waits as a preview again, with a note why. */
    public void backToPreview(long id, String note) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE ferry_run SET status = ?, error = ? WHERE id = ? AND status = ?")) {
            ps.setString(1, RunStatus.PREVIEW.name());
            ps.setString(2, Jdbc.clip(note, ERROR_MAX));
            ps.setLong(3, id);
            ps.setString(4, RunStatus.PROCESSING.name());
            ps.executeUpdate();
        }
    }

    /** Whether a run is a preview that finished gathering (it has a staged position): PROCESSING means submitting. */
    public boolean hasStaged(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM ferry_preview WHERE run_id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** A submitted preview's records are all in the sync queue, in the caller's transaction (which moves the watermark). */
    public void markPreviewSubmitted(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE ferry_run SET status = ?, submitted_at = ? WHERE id = ? AND status = ?")) {
            ps.setString(1, RunStatus.SUBMITTED.name());
            Jdbc.setInstant(ps, 2, clock.instant());
            ps.setLong(3, id);
            ps.setString(4, RunStatus.PROCESSING.name());
            requireOne(ps.executeUpdate(), id, RunStatus.PROCESSING);
        }
    }

    /** An operator deleted a preview run, in the caller's transaction. False if it is no longer a preview. */
    public boolean markDeleted(Connection c, long id, String note) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE ferry_run SET status = ?, ended_at = ?, error = ? WHERE id = ? AND status = ?")) {
            ps.setString(1, RunStatus.DELETED.name());
            Jdbc.setInstant(ps, 2, clock.instant());
            ps.setString(3, Jdbc.clip(note, ERROR_MAX));
            ps.setLong(4, id);
            ps.setString(5, RunStatus.PREVIEW.name());
            return ps.executeUpdate() == 1;
        }
    }

    /** The connector's preview run that waits for review, if any. */
    public Optional<Run> pendingPreview(String connector) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT * FROM ferry_run WHERE connector = ? AND status = ? ORDER BY id FETCH FIRST 1 ROWS ONLY")) {
            ps.setString(1, connector);
            ps.setString(2, RunStatus.PREVIEW.name());
            List<Run> runs = mapAll(ps);
            return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(0));
        }
    }

    /** What to list: every field optional. Times bound the run's creation, {@code from} included, {@code to} not. */
    public record Query(String connector, RunStatus status, Instant from, Instant to) {
    }

    /** One page of runs matching the query, newest first, and how many match in all. */
    public Page<Run> search(Query query, int offset, int limit) throws SQLException {
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (query.connector() != null) {
            where.append(" AND connector = ?");
            args.add(query.connector());
        }
        if (query.status() != null) {
            where.append(" AND status = ?");
            args.add(query.status().name());
        }
        if (query.from() != null) {
            where.append(" AND created_at >= ?");
            args.add(query.from());
        }
        if (query.to() != null) {
            where.append(" AND created_at < ?");
            args.add(query.to());
        }
        try (Connection c = dataSource.getConnection()) {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM ferry_run" + where)) {
                bindAll(ps, args);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM ferry_run" + where
                    + " ORDER BY id DESC OFFSET ? ROWS FETCH FIRST ? ROWS ONLY")) {
                bindAll(ps, args);
                ps.setInt(args.size() + 1, offset);
                ps.setInt(args.size() + 2, limit);
                return new Page<>(withDeliveries(c, mapAll(ps)), offset, limit, total);
            }
        }
    }

    private static void bindAll(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i) instanceof Instant instant) {
                Jdbc.setInstant(ps, i + 1, instant);
            } else {
                ps.setObject(i + 1, args.get(i));
            }
        }
    }

    /**
     * Deletes finished runs that ended before {@code cutoff}, with their failed-record history and staged
     * positions; runs still going are kept whatever their age. Returns how many runs went.
     */
    public int deleteEndedBefore(Instant cutoff) throws SQLException {
        String finished = "status IN ('" + RunStatus.COMPLETED + "', '" + RunStatus.INCOMPLETE + "', '" + RunStatus.FAILED
                + "', '" + RunStatus.DELETED + "') AND ended_at < ?";
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                for (String table : List.of("ferry_run_failure", "ferry_preview", "ferry_run_delivery")) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table
                            + " WHERE run_id IN (SELECT id FROM ferry_run WHERE " + finished + ")")) {
                        Jdbc.setInstant(ps, 1, cutoff);
                        ps.executeUpdate();
                    }
                }
                int deleted;
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM ferry_run WHERE " + finished)) {
                    Jdbc.setInstant(ps, 1, cutoff);
                    deleted = ps.executeUpdate();
                }
                c.commit();
                return deleted;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The run itself broke: status FAILED with the error; the caller has not moved the watermark. */
    public void fail(long id, String error) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE ferry_run SET status = ?, ended_at = ?, error = ? WHERE id = ? AND status IN (?, ?)")) {
            ps.setString(1, RunStatus.FAILED.name());
            Jdbc.setInstant(ps, 2, clock.instant());
            ps.setString(3, Jdbc.clip(error, ERROR_MAX));
            ps.setLong(4, id);
            ps.setString(5, RunStatus.CREATED.name());
            ps.setString(6, RunStatus.PROCESSING.name());
            ps.executeUpdate();
        }
    }

    /**
     * Adds delivery outcomes this instance counted since the last call (several instances may add to one run), to
     * the run and to this instance's share of it. A run still gathering, or one that broke off while gathering, has
     * no final gathered count yet: its records already queued are delivered all the same, and its gathered count is
     * raised to match, so that it never shows more outcomes than records.
     */
    void addOutcomes(Connection c, long id, long delivered, long failed) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE ferry_run SET delivered = delivered + ?, failed = failed + ?, gathered = CASE WHEN status IN "
                        + GATHERING_OR_BROKEN_OFF + " AND delivered + failed + ? > gathered THEN delivered + failed + ?"
                        + " ELSE gathered END WHERE id = ?")) {
            ps.setLong(1, delivered);
            ps.setLong(2, failed);
            ps.setLong(3, delivered + failed);
            ps.setLong(4, delivered + failed);
            ps.setLong(5, id);
            ps.executeUpdate();
        }
        // only this instance writes its row: an update, or the first insert
        try (PreparedStatement ps = c.prepareStatement("UPDATE ferry_run_delivery SET delivered = delivered + ?,"
                + " failed = failed + ? WHERE run_id = ? AND instance = ?")) {
            ps.setLong(1, delivered);
            ps.setLong(2, failed);
            ps.setLong(3, id);
            ps.setString(4, instance);
            if (ps.executeUpdate() == 1) {
                return;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO ferry_run_delivery (run_id, instance, delivered, failed) VALUES (?, ?, ?, ?)")) {
            ps.setLong(1, id);
            ps.setString(2, instance);
            ps.setLong(3, delivered);
            ps.setLong(4, failed);
            ps.executeUpdate();
        }
    }

    /**
     * Finishes a submitted run whose every gathered record has an outcome. Returns the finished run, or
     * empty when it is not done yet or someone else finished it.
     */
    Optional<Run> finishIfDone(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE ferry_run SET status = CASE WHEN failed > 0 THEN ? ELSE ? END, ended_at = ?"
                        + " WHERE id = ? AND status = ? AND delivered + failed >= gathered")) {
            ps.setString(1, RunStatus.INCOMPLETE.name());
            ps.setString(2, RunStatus.COMPLETED.name());
            Jdbc.setInstant(ps, 3, clock.instant());
            ps.setLong(4, id);
            ps.setString(5, RunStatus.SUBMITTED.name());
            if (ps.executeUpdate() == 0) {
                return Optional.empty();
            }
        }
        return find(c, id);
    }

    /**
     * Finishes a submitted run whose records have all left the queue although not all outcomes were counted (an
     * instance stopped uncleanly between a delivery and writing its count). Every record was delivered or written
     * to the run's failed records, which are durable before a record leaves the queue: the failed count is theirs
     * when that is more, and the delivered count is what the failed leave of the gathered.
     */
    public Optional<Run> finishDrained(long id, String note) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE ferry_run SET failed = (SELECT COUNT(*) FROM ferry_run_failure WHERE run_id = ?)"
                                + " WHERE id = ? AND status = ? AND failed < (SELECT COUNT(*) FROM ferry_run_failure"
                                + " WHERE run_id = ?)")) {
                    ps.setLong(1, id);
                    ps.setLong(2, id);
                    ps.setString(3, RunStatus.SUBMITTED.name());
                    ps.setLong(4, id);
                    ps.executeUpdate();
                }
                int finished;
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE ferry_run SET delivered = CASE WHEN gathered - failed > delivered THEN gathered - failed"
                                + " ELSE delivered END, status = CASE WHEN failed > 0 THEN ? ELSE ? END, ended_at = ?,"
                                + " error = ? WHERE id = ? AND status = ?")) {
                    ps.setString(1, RunStatus.INCOMPLETE.name());
                    ps.setString(2, RunStatus.COMPLETED.name());
                    Jdbc.setInstant(ps, 3, clock.instant());
                    ps.setString(4, Jdbc.clip(note, ERROR_MAX));
                    ps.setLong(5, id);
                    ps.setString(6, RunStatus.SUBMITTED.name());
                    finished = ps.executeUpdate();
                }
                c.commit();
                return finished == 0 ? Optional.empty() : find(c, id);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Finishes a submitted run whose every record has an outcome; empty when it is not done or no longer submitted. */
    public Optional<Run> finishIfDone(long id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return finishIfDone(c, id);
        }
    }

    Optional<RunStatus> status(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT status FROM ferry_run WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(RunStatus.valueOf(rs.getString(1))) : Optional.empty();
            }
        }
    }

    public Optional<Run> find(long id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return find(c, id);
        }
    }

    private Optional<Run> find(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM ferry_run WHERE id = ?")) {
            ps.setLong(1, id);
            List<Run> runs = withDeliveries(c, mapAll(ps));
            return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(0));
        }
    }

    /** The runs with what each instance delivered of them, read in one statement. */
    private static List<Run> withDeliveries(Connection c, List<Run> runs) throws SQLException {
        if (runs.isEmpty()) {
            return runs;
        }
        String ids = runs.stream().map(r -> String.valueOf(r.id())).collect(Collectors.joining(", "));
        Map<Long, List<Run.Delivery>> deliveries = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT run_id, instance, delivered, failed FROM ferry_run_delivery"
                + " WHERE run_id IN (" + ids + ") ORDER BY run_id, instance");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                deliveries.computeIfAbsent(rs.getLong(1), id -> new ArrayList<>())
                        .add(new Run.Delivery(rs.getString(2), rs.getLong(3), rs.getLong(4)));
            }
        }
        List<Run> complete = new ArrayList<>(runs.size());
        for (Run run : runs) {
            complete.add(run.withDeliveries(deliveries.getOrDefault(run.id(), List.of())));
        }
        return complete;
    }

    /** Every connector's newest run, in two statements whatever the number of connectors (the connector list). */
    public Map<String, Run> latest() throws SQLException {
        Map<String, Run> latest = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT * FROM ferry_run WHERE id IN (SELECT MAX(id) FROM ferry_run GROUP BY connector)")) {
            for (Run run : withDeliveries(c, mapAll(ps))) {
                latest.put(run.connector(), run);
            }
        }
        return latest;
    }

    /** The id of every connector's preview run that waits for review, in one query (the connector list). */
    public Map<String, Long> pendingPreviews() throws SQLException {
        Map<String, Long> pending = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT connector, MIN(id) FROM ferry_run WHERE status = ? GROUP BY connector")) {
            ps.setString(1, RunStatus.PREVIEW.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pending.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return pending;
    }

    /** Runs of a connector, newest first. */
    public List<Run> list(String connector, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT * FROM ferry_run WHERE connector = ? ORDER BY id DESC FETCH FIRST ? ROWS ONLY")) {
            ps.setString(1, connector);
            ps.setInt(2, limit);
            return withDeliveries(c, mapAll(ps));
        }
    }

    public List<Run> withStatus(RunStatus status) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT * FROM ferry_run WHERE status = ? ORDER BY id")) {
            ps.setString(1, status.name());
            return mapAll(ps);
        }
    }

    private static List<Run> mapAll(PreparedStatement ps) throws SQLException {
        List<Run> runs = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                runs.add(map(rs));
            }
        }
        return runs;
    }

    private static Run map(ResultSet rs) throws SQLException {
        return new Run(
                rs.getLong("id"),
                rs.getString("connector"),
                Trigger.valueOf(rs.getString("run_trigger")),
                RunMode.valueOf(rs.getString("run_mode")),
                RunStatus.valueOf(rs.getString("status")),
                Jdbc.getInstant(rs, "created_at"),
                Jdbc.getInstant(rs, "started_at"),
                Jdbc.getInstant(rs, "submitted_at"),
                Jdbc.getInstant(rs, "ended_at"),
                rs.getString("watermark_before"),
                rs.getString("watermark_after"),
                rs.getLong("gathered"),
                rs.getLong("delivered"),
                rs.getLong("failed"),
                rs.getLong("skipped"),
                rs.getString("error"),
                rs.getString("gathered_by"),
                List.of());
    }

    private static void requireOne(int updated, long id, RunStatus expected) {
        if (updated != 1) {
            throw new IllegalStateException("Run " + id + " is no longer " + expected);
        }
    }
}
