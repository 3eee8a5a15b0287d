package dev.ferry.watermark;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import dev.ferry.state.Jdbc;
import dev.ferry.state.JdbcRunner;

/** Watermarks per connector in the state database ({@code ferry_watermark}). */
public final class WatermarkStore {

    /** A position's five columns, in the order {@link #map} reads them. */
    private static final String POSITION = "format_version, cursor_type, cursor_value, key_type, key_value";

    private final JdbcRunner jdbc;
    private final Clock clock;

    public WatermarkStore(DataSource dataSource, Clock clock) {
        this.jdbc = new JdbcRunner(dataSource);
        this.clock = clock;
    }

    public Optional<Watermark> load(String connector) throws SQLException {
        return jdbc.withConnection(c -> Optional.ofNullable(load(c, connector)));
    }

    /** The connector's watermark as the caller's transaction sees it, or null when it has none. */
    public Watermark load(Connection c, String connector) throws SQLException {
        return jdbc.queryFirst(c, "SELECT " + POSITION + " FROM ferry_watermark WHERE connector = ?",
                rs -> map(rs, "Watermark of connector " + connector), connector).orElse(null);
    }

    /** Every connector's watermark, in one query (the connector list). */
    public Map<String, Watermark> loadAll() throws SQLException {
        return jdbc.query("SELECT " + POSITION + ", connector FROM ferry_watermark",
                rs -> Map.entry(rs.getString(6), map(rs, "Watermark of connector " + rs.getString(6)))).stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** A position from the first five columns ({@link #POSITION}); {@code what} names it in an error. */
    private static Watermark map(ResultSet rs, String what) throws SQLException {
        int version = rs.getInt(1);
        if (version != Watermark.FORMAT_VERSION) {
            throw new IllegalStateException(what + " has format version " + version + "; this Ferry reads version "
                    + Watermark.FORMAT_VERSION);
        }
        Object cursor = ValueType.valueOf(rs.getString(2)).parse(rs.getString(3));
        Object key = ValueType.valueOf(rs.getString(4)).parse(rs.getString(5));
        return new Watermark(cursor, key);
    }

    /**
     * Records the position a preview run gathered up to ({@code null}: it found nothing new), to become the
     * connector's watermark when the preview is submitted.
     */
    public void stage(long runId, String connector, Watermark position) throws SQLException {
        jdbc.update("INSERT INTO ferry_preview (run_id, connector, " + POSITION + ", staged_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                runId, connector, position == null ? null : Watermark.FORMAT_VERSION,
                position == null ? null : position.cursorType().name(),
                position == null ? null : position.cursorType().format(position.cursor()),
                position == null ? null : position.keyType().name(),
                position == null ? null : position.keyType().format(position.key()), clock.instant());
    }

    /**
     * The position a preview run staged: empty when the run staged nothing (no such row), an empty
     * inner optional when it found no new row.
     */
    public Optional<Optional<Watermark>> staged(Connection c, long runId) throws SQLException {
        return jdbc.queryFirst(c, "SELECT " + POSITION + " FROM ferry_preview WHERE run_id = ?",
                rs -> rs.getString(2) == null ? Optional.<Watermark>empty()
                        : Optional.of(map(rs, "Staged position of run " + runId)), runId);
    }

    /** Forgets a preview run's staged position (it was submitted or deleted), in the caller's transaction. */
    public void unstage(Connection c, long runId) throws SQLException {
        jdbc.update(c, "DELETE FROM ferry_preview WHERE run_id = ?", runId);
    }

    /** Saves within the caller's transaction, so that it commits together with the run's status. */
    public void save(Connection c, String connector, Watermark watermark, long runId) throws SQLException {
        Instant now = clock.instant();
        Object[] values = {Watermark.FORMAT_VERSION, watermark.cursorType().name(),
                watermark.cursorType().format(watermark.cursor()), watermark.keyType().name(),
                watermark.keyType().format(watermark.key()), runId, now, connector};
        if (jdbc.update(c, "UPDATE ferry_watermark SET format_version = ?, cursor_type = ?, cursor_value = ?,"
                + " key_type = ?, key_value = ?, run_id = ?, updated_at = ? WHERE connector = ?", values) == 0) {
            jdbc.update(c, "INSERT INTO ferry_watermark (" + POSITION + ", run_id, updated_at, connector)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values);
        }
    }

    /**
     * Moves (or, with {@code position} null, removes: from the beginning) a connector's watermark outside a
     * run, and records who did it, when, from where to where and why — in one transaction.
     */
    public void reposition(String connector, Watermark position, String by, String reason) throws SQLException {
        jdbc.inTransaction(c -> {
            Watermark old = load(c, connector);
            if (position == null) {
                jdbc.update(c, "DELETE FROM ferry_watermark WHERE connector = ?", connector);
            } else {
                save(c, connector, position, 0);
            }
            audit(c, connector, old, position, by, reason);
            return null;
        });
    }

    /** Whether the connector's position was ever set: by a run, an operator or its start position. */
    public boolean hasHistory(String connector) throws SQLException {
        return jdbc.withConnection(c -> hasHistory(c, connector));
    }

    public boolean hasHistory(Connection c, String connector) throws SQLException {
        return load(c, connector) != null || jdbc.queryFirst(c, "SELECT 1 FROM ferry_watermark_audit"
                + " WHERE connector = ? FETCH FIRST 1 ROWS ONLY", rs -> true, connector).isPresent();
    }

    /** Records a position change in the audit, within the caller's transaction. */
    public void audit(Connection c, String connector, Watermark old, Watermark position, String by, String reason)
            throws SQLException {
        jdbc.update(c, "INSERT INTO ferry_watermark_audit (connector, changed_at, changed_by, old_position,"
                        + " new_position, reason) VALUES (?, ?, ?, ?, ?, ?)", connector, clock.instant(), by,
                old == null ? null : old.toString(), position == null ? null : position.toString(), reason);
    }

    /** One audited position change. */
    public record Change(String connector, Instant changedAt, String changedBy, String oldPosition,
                         String newPosition, String reason) {
    }

    /** The audited position changes of a connector, oldest first. */
    public List<Change> changes(String connector) throws SQLException {
        return jdbc.query("SELECT * FROM ferry_watermark_audit WHERE connector = ? ORDER BY id",
                rs -> new Change(rs.getString("connector"), Jdbc.getInstant(rs, "changed_at"),
                        rs.getString("changed_by"), rs.getString("old_position"), rs.getString("new_position"),
                        rs.getString("reason")), connector);
    }
}
