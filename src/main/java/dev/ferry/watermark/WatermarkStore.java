package dev.ferry.watermark;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

/** Watermarks per connector in the state database ({@code ferry_watermark}). */
public final class WatermarkStore {

    private final DataSource dataSource;
    private final Clock clock;

    public WatermarkStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    public Optional<Watermark> load(String connector) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return Optional.ofNullable(load(c, connector));
        }
    }

    /** The connector's watermark as the caller's transaction sees it, or null when it has none. */
    public static Watermark load(Connection c, String connector) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                     "SELECT format_version, cursor_type, cursor_value, key_type, key_value"
                             + " FROM ferry_watermark WHERE connector = ?")) {
            ps.setString(1, connector);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? map(rs, connector) : null;
            }
        }
    }

    /** Every connector's watermark, in one query (the connector list). */
    public Map<String, Watermark> loadAll() throws SQLException {
        Map<String, Watermark> watermarks = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT format_version, cursor_type, cursor_value, key_type,"
                     + " key_value, connector FROM ferry_watermark");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                watermarks.put(rs.getString(6), map(rs, rs.getString(6)));
            }
        }
        return watermarks;
    }

    /** A watermark from the first five columns: format version, cursor type and value, key type and value. */
    private static Watermark map(ResultSet rs, String connector) throws SQLException {
        int version = rs.getInt(1);
        if (version != Watermark.FORMAT_VERSION) {
            throw new IllegalStateException("Watermark of connector " + connector + " has format version "
                    + version + "; this Ferry reads version " + Watermark.FORMAT_VERSION);
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
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO ferry_preview (run_id, connector, format_version,"
                     + " cursor_type, cursor_value, key_type, key_value, staged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, runId);
            ps.setString(2, connector);
            if (position == null) {
                ps.setNull(3, Types.INTEGER);
                for (int i = 4; i <= 7; i++) {
                    ps.setNull(i, Types.VARCHAR);
                }
            } else {
                ps.setInt(3, Watermark.FORMAT_VERSION);
                ps.setString(4, position.cursorType().name());
                ps.setString(5, position.cursorType().format(position.cursor()));
                ps.setString(6, position.keyType().name());
                ps.setString(7, position.keyType().format(position.key()));
            }
            ps.setObject(8, OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }

    /**
     * The position a preview run staged: empty when the run staged nothing (no such row), an empty
     * inner optional when it found no new row.
     */
    public static Optional<Optional<Watermark>> staged(Connection c, long runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT format_version, cursor_type, cursor_value, key_type,"
                + " key_value FROM ferry_preview WHERE run_id = ?")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                if (rs.getString(2) == null) {
                    return Optional.of(Optional.empty());
                }
                if (rs.getInt(1) != Watermark.FORMAT_VERSION) {
                    throw new IllegalStateException("Staged position of run " + runId + " has format version "
                            + rs.getInt(1) + "; this Ferry reads version " + Watermark.FORMAT_VERSION);
                }
                return Optional.of(Optional.of(new Watermark(ValueType.valueOf(rs.getString(2)).parse(rs.getString(3)),
                        ValueType.valueOf(rs.getString(4)).parse(rs.getString(5)))));
            }
        }
    }

    /** Forgets a preview run's staged position (it was submitted or deleted), in the caller's transaction. */
    public static void unstage(Connection c, long runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM ferry_preview WHERE run_id = ?")) {
            ps.setLong(1, runId);
            ps.executeUpdate();
        }
    }

    /** Saves within the caller's transaction, so that it commits together with the run's status. */
    public void save(Connection c, String connector, Watermark watermark, long runId) throws SQLException {
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE ferry_watermark SET format_version = ?, cursor_type = ?, cursor_value = ?, key_type = ?,"
                        + " key_value = ?, run_id = ?, updated_at = ? WHERE connector = ?")) {
            bind(update, watermark, runId, now);
            update.setString(8, connector);
            if (update.executeUpdate() == 1) {
                return;
            }
        }
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO ferry_watermark (format_version, cursor_type, cursor_value, key_type, key_value, run_id,"
                        + " updated_at, connector) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            bind(insert, watermark, runId, now);
            insert.setString(8, connector);
            insert.executeUpdate();
        }
    }

    /**
     * Moves (or, with {@code position} null, removes: from the beginning) a connector's watermark outside a
     * run, and records who did it, when, from where to where and why — in one transaction.
     */
    public void reposition(String connector, Watermark position, String by, String reason) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Watermark old = load(c, connector);
                if (position == null) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM ferry_watermark WHERE connector = ?")) {
                        ps.setString(1, connector);
                        ps.executeUpdate();
                    }
                } else {
                    save(c, connector, position, 0);
                }
                audit(c, connector, old, position, by, reason);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Whether the connector's position was ever set: by a run, an operator or its start position. */
    public boolean hasHistory(String connector) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return hasHistory(c, connector);
        }
    }

    public boolean hasHistory(Connection c, String connector) throws SQLException {
        if (load(c, connector) != null) {
            return true;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM ferry_watermark_audit WHERE connector = ? FETCH FIRST 1 ROWS ONLY")) {
            ps.setString(1, connector);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Records a position change in the audit, within the caller's transaction. */
    public void audit(Connection c, String connector, Watermark old, Watermark position, String by, String reason)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO ferry_watermark_audit (connector, changed_at,"
                + " changed_by, old_position, new_position, reason) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, connector);
            ps.setObject(2, OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC));
            ps.setString(3, by);
            ps.setString(4, old == null ? null : old.toString());
            ps.setString(5, position == null ? null : position.toString());
            ps.setString(6, reason);
            ps.executeUpdate();
        }
    }

    /** One audited position change. */
    public record Change(String connector, Instant changedAt, String changedBy, String oldPosition,
                         String newPosition, String reason) {
    }

    /** The audited position changes of a connector, oldest first. */
    public List<Change> changes(String connector) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT * FROM ferry_watermark_audit WHERE connector = ? ORDER BY id")) {
            ps.setString(1, connector);
            List<Change> changes = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    changes.add(new Change(rs.getString("connector"),
                            rs.getObject("changed_at", OffsetDateTime.class).toInstant(), rs.getString("changed_by"),
                            rs.getString("old_position"), rs.getString("new_position"), rs.getString("reason")));
                }
            }
            return changes;
        }
    }

    private static void bind(PreparedStatement ps, Watermark w, long runId, OffsetDateTime now) throws SQLException {
        ps.setInt(1, Watermark.FORMAT_VERSION);
        ps.setString(2, w.cursorType().name());
        ps.setString(3, w.cursorType().format(w.cursor()));
        ps.setString(4, w.keyType().name());
        ps.setString(5, w.keyType().format(w.key()));
        ps.setLong(6, runId);
        ps.setObject(7, now);
    }
}
