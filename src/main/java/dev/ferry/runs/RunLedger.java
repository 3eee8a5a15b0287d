package dev.ferry.runs;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import dev.ferry.gather.Refresh;
import dev.ferry.state.Jdbc;
import dev.ferry.state.JdbcRunner;
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

    private final JdbcRunner jdbc;
    private final Clock clock;
    /** This instance's name: the runs it creates were gathered here, the outcomes it adds were delivered here. */
    private final String instance;

    public RunLedger(DataSource dataSource, Clock clock, String instance) {
        this.jdbc = new JdbcRunner(dataSource);
        this.clock = clock;
        this.instance = instance;
    }

    public String instance() {
        return instance;
    }

    /** The state database's statements, for work that spans the ledger and other tables in one transaction. */
    public JdbcRunner jdbc() {
        return jdbc;
    }

    public long create(String connector, Trigger trigger, RunMode mode, Watermark before) throws SQLException {
        return create(connector, trigger, mode, Refresh.Kind.INCREMENTAL, before);
    }

    public long create(String connector, Trigger trigger, RunMode mode, Refresh.Kind refresh, Watermark before)
            throws SQLException {
        return jdbc.insert("INSERT INTO ferry_run (connector, run_trigger, run_mode, refresh, status, created_at,"
                        + " watermark_before, gathered_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                connector, trigger, mode, refresh, RunStatus.CREATED, clock.instant(), text(before), instance);
    }

    public void markProcessing(long id) throws SQLException {
        requireOne(jdbc.update("UPDATE ferry_run SET status = ?, started_at = ? WHERE id = ? AND status = ?",
                RunStatus.PROCESSING, clock.instant(), id, RunStatus.CREATED), id, RunStatus.CREATED);
    }

    /**
     * Marks the run submitted within the caller's transaction (which also moves the watermark).
     * {@code failed} counts records that failed before reaching the queue; {@code unchanged} rows a full refresh read
     * and did not queue, {@code deleted} the deletes among the gathered records.
     */
    public void markSubmitted(Connection c, long id, long gathered, long failed, long skipped, long unchanged,
                              long deleted, Watermark after) throws SQLException {
        requireOne(jdbc.update(c, "UPDATE ferry_run SET status = ?, submitted_at = ?, gathered = ?, failed = failed + ?,"
                        + " skipped = ?, unchanged = ?, deleted = ?, watermark_after = ? WHERE id = ? AND status = ?",
                RunStatus.SUBMITTED, clock.instant(), gathered, failed, skipped, unchanged, deleted, text(after), id,
                RunStatus.PROCESSING), id, RunStatus.PROCESSING);
    }

    public void markSubmitted(Connection c, long id, long gathered, long failed, long skipped, Watermark after)
            throws SQLException {
        markSubmitted(c, id, gathered, failed, skipped, 0, 0, after);
    }

    /** A preview run has staged its records: it waits for an operator to submit or delete it. */
    public void markPreview(long id, long gathered, long failed, long skipped, long unchanged, long deleted,
                            Watermark after) throws SQLException {
        requireOne(jdbc.update("UPDATE ferry_run SET status = ?, gathered = ?, failed = ?, skipped = ?, unchanged = ?,"
                        + " deleted = ?, watermark_after = ? WHERE id = ? AND status = ?",
                RunStatus.PREVIEW, gathered, failed, skipped, unchanged, deleted, text(after), id, RunStatus.PROCESSING),
                id, RunStatus.PROCESSING);
    }

    /** An operator submitted a preview run: it is enqueueing its staged records again. False if it is no longer a preview. */
    public boolean markSubmitting(long id) throws SQLException {
        return jdbc.update("UPDATE ferry_run SET status = ?, error = NULL WHERE id = ? AND status = ?",
                RunStatus.PROCESSING, id, RunStatus.PREVIEW) == 1;
    }

    /** A submit that broke off, or was cut by a stop: the run waits as a preview again, with a note why. */
    public void backToPreview(long id, String note) throws SQLException {
        jdbc.update("UPDATE ferry_run SET status = ?, error = ? WHERE id = ? AND status = ?",
                RunStatus.PREVIEW, Jdbc.clip(note, ERROR_MAX), id, RunStatus.PROCESSING);
    }

    /** Whether a run is a preview that finished gathering (it has a staged position): PROCESSING means submitting. */
    public boolean hasStaged(long id) throws SQLException {
        return jdbc.queryFirst("SELECT 1 FROM ferry_preview WHERE run_id = ?", rs -> true, id).isPresent();
    }

    /** A submitted preview's records are all in the sync queue, in the caller's transaction (which moves the watermark). */
    public void markPreviewSubmitted(Connection c, long id) throws SQLException {
        requireOne(jdbc.update(c, "UPDATE ferry_run SET status = ?, submitted_at = ? WHERE id = ? AND status = ?",
                RunStatus.SUBMITTED, clock.instant(), id, RunStatus.PROCESSING), id, RunStatus.PROCESSING);
    }

    /** An operator deleted a preview run, in the caller's transaction. False if it is no longer a preview. */
    public boolean markDeleted(Connection c, long id, String note) throws SQLException {
        return jdbc.update(c, "UPDATE ferry_run SET status = ?, ended_at = ?, error = ? WHERE id = ? AND status = ?",
                RunStatus.DELETED, clock.instant(), Jdbc.clip(note, ERROR_MAX), id, RunStatus.PREVIEW) == 1;
    }

    /** The connector's preview run that waits for review, if any. */
    public Optional<Run> pendingPreview(String connector) throws SQLException {
        return jdbc.queryFirst("SELECT * FROM ferry_run WHERE connector = ? AND status = ? ORDER BY id"
                + " FETCH FIRST 1 ROWS ONLY", RunLedger::map, connector, RunStatus.PREVIEW);
    }

    /**
     * Refuses what would change the position a preview of the connector gathered from while it awaits review:
     * its submit would skip or repeat rows. {@code what} completes "submit or delete it before ...".
     */
    public void requireNoPendingPreview(String connector, String what) throws Conflict, SQLException {
        Optional<Run> preview = pendingPreview(connector);
        if (preview.isPresent()) {
            throw new Conflict("Preview run " + preview.get().id() + " of connector " + connector
                    + " awaits review; submit or delete it before " + what);
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
            args.add(query.status());
        }
        if (query.from() != null) {
            where.append(" AND created_at >= ?");
            args.add(query.from());
        }
        if (query.to() != null) {
            where.append(" AND created_at < ?");
            args.add(query.to());
        }
        return jdbc.withConnection(c -> {
            long total = jdbc.queryLong(c, "SELECT COUNT(*) FROM ferry_run" + where, args.toArray());
            List<Object> paged = new ArrayList<>(args);
            paged.add(offset);
            paged.add(limit);
            List<Run> runs = jdbc.query(c, "SELECT * FROM ferry_run" + where
                    + " ORDER BY id DESC OFFSET ? ROWS FETCH FIRST ? ROWS ONLY", RunLedger::map, paged.toArray());
            return new Page<>(withDeliveries(c, runs), offset, limit, total);
        });
    }

    /**
     * Deletes finished runs that ended before {@code cutoff}, with their failed-record history and staged
     * positions; runs still going are kept whatever their age. Returns how many runs went.
     */
    public int deleteEndedBefore(Instant cutoff) throws SQLException {
        String finished = "status IN ('" + RunStatus.COMPLETED + "', '" + RunStatus.INCOMPLETE + "', '" + RunStatus.FAILED
                + "', '" + RunStatus.DELETED + "') AND ended_at < ?";
        return jdbc.inTransaction(c -> {
            for (String table : List.of("ferry_run_failure", "ferry_preview", "ferry_run_delivery")) {
                jdbc.update(c, "DELETE FROM " + table + " WHERE run_id IN (SELECT id FROM ferry_run WHERE " + finished
                        + ")", cutoff);
            }
            return jdbc.update(c, "DELETE FROM ferry_run WHERE " + finished, cutoff);
        });
    }

    /** The run itself broke: status FAILED with the error; the caller has not moved the watermark. */
    public void fail(long id, String error) throws SQLException {
        jdbc.update("UPDATE ferry_run SET status = ?, ended_at = ?, error = ? WHERE id = ? AND status IN (?, ?)",
                RunStatus.FAILED, clock.instant(), Jdbc.clip(error, ERROR_MAX), id, RunStatus.CREATED,
                RunStatus.PROCESSING);
    }

    /**
     * Adds delivery outcomes this instance counted since the last call (several instances may add to one run), to
     * the run and to this instance's share of it. A run still gathering, or one that broke off while gathering, has
     * no final gathered count yet: its records already queued are delivered all the same, and its gathered count is
     * raised to match, so that it never shows more outcomes than records.
     */
    void addOutcomes(Connection c, long id, long delivered, long failed) throws SQLException {
        jdbc.update(c, "UPDATE ferry_run SET delivered = delivered + ?, failed = failed + ?, gathered = CASE WHEN"
                        + " status IN " + GATHERING_OR_BROKEN_OFF + " AND delivered + failed + ? > gathered THEN"
                        + " delivered + failed + ? ELSE gathered END WHERE id = ?",
                delivered, failed, delivered + failed, delivered + failed, id);
        // only this instance writes its row: an update, or the first insert
        if (jdbc.update(c, "UPDATE ferry_run_delivery SET delivered = delivered + ?, failed = failed + ?"
                + " WHERE run_id = ? AND instance = ?", delivered, failed, id, instance) == 0) {
            jdbc.update(c, "INSERT INTO ferry_run_delivery (run_id, instance, delivered, failed) VALUES (?, ?, ?, ?)",
                    id, instance, delivered, failed);
        }
    }

    /**
     * Finishes a submitted run whose every gathered record has an outcome. Returns the finished run, or
     * empty when it is not done yet or someone else finished it.
     */
    Optional<Run> finishIfDone(Connection c, long id) throws SQLException {
        int finished = jdbc.update(c, "UPDATE ferry_run SET status = CASE WHEN failed > 0 THEN ? ELSE ? END,"
                        + " ended_at = ? WHERE id = ? AND status = ? AND delivered + failed >= gathered",
                RunStatus.INCOMPLETE, RunStatus.COMPLETED, clock.instant(), id, RunStatus.SUBMITTED);
        return finished == 0 ? Optional.empty() : find(c, id);
    }

    /**
     * Finishes a submitted run whose records have all left the queue although not all outcomes were counted (an
     * instance stopped uncleanly between a delivery and writing its count). Every record was delivered or written
     * to the run's failed records, which are durable before a record leaves the queue: the failed count is theirs
     * when that is more, and the delivered count is what the failed leave of the gathered.
     */
    public Optional<Run> finishDrained(long id, String note) throws SQLException {
        return jdbc.inTransaction(c -> {
            jdbc.update(c, "UPDATE ferry_run SET failed = (SELECT COUNT(*) FROM ferry_run_failure WHERE run_id = ?)"
                    + " WHERE id = ? AND status = ? AND failed < (SELECT COUNT(*) FROM ferry_run_failure"
                    + " WHERE run_id = ?)", id, id, RunStatus.SUBMITTED, id);
            int finished = jdbc.update(c, "UPDATE ferry_run SET delivered = CASE WHEN gathered - failed > delivered"
                            + " THEN gathered - failed ELSE delivered END, status = CASE WHEN failed > 0 THEN ? ELSE ?"
                            + " END, ended_at = ?, error = ? WHERE id = ? AND status = ?",
                    RunStatus.INCOMPLETE, RunStatus.COMPLETED, clock.instant(), Jdbc.clip(note, ERROR_MAX), id,
                    RunStatus.SUBMITTED);
            return finished == 0 ? Optional.<Run>empty() : find(c, id);
        });
    }

    /** Finishes a submitted run whose every record has an outcome; empty when it is not done or no longer submitted. */
    public Optional<Run> finishIfDone(long id) throws SQLException {
        return jdbc.withConnection(c -> finishIfDone(c, id));
    }

    Optional<RunStatus> status(Connection c, long id) throws SQLException {
        return jdbc.queryFirst(c, "SELECT status FROM ferry_run WHERE id = ?",
                rs -> RunStatus.valueOf(rs.getString(1)), id);
    }

    public Optional<Run> find(long id) throws SQLException {
        return jdbc.withConnection(c -> find(c, id));
    }

    private Optional<Run> find(Connection c, long id) throws SQLException {
        List<Run> runs = withDeliveries(c, jdbc.query(c, "SELECT * FROM ferry_run WHERE id = ?", RunLedger::map, id));
        return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(0));
    }

    /** The runs with what each instance delivered of them, read in one statement. */
    private List<Run> withDeliveries(Connection c, List<Run> runs) throws SQLException {
        if (runs.isEmpty()) {
            return runs;
        }
        String ids = runs.stream().map(r -> String.valueOf(r.id())).collect(Collectors.joining(", "));
        Map<Long, List<Run.Delivery>> deliveries = new HashMap<>();
        for (Map.Entry<Long, Run.Delivery> row : jdbc.query(c, "SELECT run_id, instance, delivered, failed"
                + " FROM ferry_run_delivery WHERE run_id IN (" + ids + ") ORDER BY run_id, instance",
                rs -> Map.entry(rs.getLong(1), new Run.Delivery(rs.getString(2), rs.getLong(3), rs.getLong(4))))) {
            deliveries.computeIfAbsent(row.getKey(), id -> new ArrayList<>()).add(row.getValue());
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
        for (Run run : jdbc.withConnection(c -> withDeliveries(c, jdbc.query(c, "SELECT * FROM ferry_run WHERE id IN"
                + " (SELECT MAX(id) FROM ferry_run GROUP BY connector)", RunLedger::map)))) {
            latest.put(run.connector(), run);
        }
        return latest;
    }

    /** The id of every connector's preview run that waits for review, in one query (the connector list). */
    public Map<String, Long> pendingPreviews() throws SQLException {
        return jdbc.query("SELECT connector, MIN(id) FROM ferry_run WHERE status = ? GROUP BY connector",
                rs -> Map.entry(rs.getString(1), rs.getLong(2)), RunStatus.PREVIEW).stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** Runs of a connector, newest first. */
    public List<Run> list(String connector, int limit) throws SQLException {
        return jdbc.withConnection(c -> withDeliveries(c, jdbc.query(c, "SELECT * FROM ferry_run WHERE connector = ?"
                + " ORDER BY id DESC FETCH FIRST ? ROWS ONLY", RunLedger::map, connector, limit)));
    }

    /**
     * When the connector's last full refresh that queued its records started (it may still be delivering), else its
     * first run; empty before its first run. What a full-refresh schedule counts from.
     */
    public Optional<Instant> lastFullRefreshOrFirstRun(String connector) throws SQLException {
        Optional<Instant> full = jdbc.queryFirst("SELECT MAX(created_at) AS at FROM ferry_run WHERE connector = ?"
                        + " AND refresh = ? AND status IN (?, ?, ?)", rs -> Jdbc.getInstant(rs, "at"), connector,
                Refresh.Kind.FULL, RunStatus.SUBMITTED, RunStatus.COMPLETED, RunStatus.INCOMPLETE);
        if (full.isPresent() && full.get() != null) {
            return full;
        }
        return jdbc.queryFirst("SELECT MIN(created_at) AS at FROM ferry_run WHERE connector = ?",
                rs -> Jdbc.getInstant(rs, "at"), connector).filter(at -> at != null);
    }

    public List<Run> withStatus(RunStatus status) throws SQLException {
        return jdbc.query("SELECT * FROM ferry_run WHERE status = ? ORDER BY id", RunLedger::map, status);
    }

    private static Run map(ResultSet rs) throws SQLException {
        return new Run(
                rs.getLong("id"),
                rs.getString("connector"),
                Trigger.valueOf(rs.getString("run_trigger")),
                RunMode.valueOf(rs.getString("run_mode")),
                Refresh.Kind.valueOf(rs.getString("refresh")),
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
                rs.getLong("unchanged"),
                rs.getLong("deleted"),
                rs.getString("error"),
                rs.getString("gathered_by"),
                List.of());
    }

    private static String text(Watermark watermark) {
        return watermark == null ? null : watermark.toString();
    }

    private static void requireOne(int updated, long id, RunStatus expected) {
        if (updated != 1) {
            throw new IllegalStateException("Run " + id + " is no longer " + expected);
        }
    }
}
