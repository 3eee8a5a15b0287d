package dev.ferry.watermark;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT format_version, cursor_type, cursor_value, key_type, key_value"
                             + " FROM ferry_watermark WHERE connector = ?")) {
            ps.setString(1, connector);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int version = rs.getInt(1);
                if (version != Watermark.FORMAT_VERSION) {
                    throw new IllegalStateException("Watermark of connector " + connector + " has format version "
                            + version + "; this Ferry reads version " + Watermark.FORMAT_VERSION);
                }
                Object cursor = ValueType.valueOf(rs.getString(2)).parse(rs.getString(3));
                Object key = ValueType.valueOf(rs.getString(4)).parse(rs.getString(5));
                return Optional.of(new Watermark(cursor, key));
            }
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
