package dev.ferry.cluster;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import dev.ferry.state.Jdbc;
import dev.ferry.state.JdbcRunner;

/**
 * The instances that share the state database ({@code ferry_instance}): each registers under its name when it
 * starts, beats while it runs and says when it stopped cleanly. Times are the database's own
 * ({@code CURRENT_TIMESTAMP}), shown to people only: whether an instance is alive is judged from its beat count
 * ({@link ClusterView}), never by comparing clocks.
 */
public final class Instances {

    private final JdbcRunner jdbc;

    public Instances(DataSource dataSource) {
        this.jdbc = new JdbcRunner(dataSource);
    }

    /** One row: an instance, its last beat and, after a clean stop, when it stopped. */
    public record Instance(String name, String host, String version, String incarnation, Instant startedAt,
                           long beats, Instant beatAt, Instant stoppedAt) {

        public boolean stopped() {
            return stoppedAt != null;
        }
    }

    /**
     * Registers this process under the name: a new incarnation of an instance that ran before (after a restart, or
     * a crash), or a new instance. Returns the row it replaced, if any.
     */
    public Instance register(String name, String host, String version, String incarnation) throws SQLException {
        return jdbc.withConnection(c -> {
            Instance before = find(c, name);
            jdbc.update(c, before == null
                    ? "INSERT INTO ferry_instance (host, version, incarnation, started_at, beats, beat_at, stopped_at, name)"
                            + " VALUES (?, ?, ?, CURRENT_TIMESTAMP, 0, CURRENT_TIMESTAMP, NULL, ?)"
                    : "UPDATE ferry_instance SET host = ?, version = ?, incarnation = ?, started_at = CURRENT_TIMESTAMP,"
                            + " beats = beats + 1, beat_at = CURRENT_TIMESTAMP, stopped_at = NULL WHERE name = ?",
                    Jdbc.clip(host, 200), Jdbc.clip(version, 50), incarnation, name);
            return before;
        });
    }

    /** One beat; false when another process has registered under this name since (it beats there now). */
    public boolean beat(String name, String incarnation) throws SQLException {
        return jdbc.update("UPDATE ferry_instance SET beats = beats + 1, beat_at = CURRENT_TIMESTAMP"
                + " WHERE name = ? AND incarnation = ?", name, incarnation) == 1;
    }

    /** A clean stop: every count of this instance is written, the others need not wait for it. */
    public void stopped(String name, String incarnation) throws SQLException {
        jdbc.update("UPDATE ferry_instance SET stopped_at = CURRENT_TIMESTAMP WHERE name = ? AND incarnation = ?",
                name, incarnation);
    }

    public List<Instance> all() throws SQLException {
        return jdbc.query("SELECT * FROM ferry_instance ORDER BY name", Instances::map);
    }

    public Instance find(String name) throws SQLException {
        return jdbc.withConnection(c -> find(c, name));
    }

    private Instance find(Connection c, String name) throws SQLException {
        return jdbc.queryFirst(c, "SELECT * FROM ferry_instance WHERE name = ?", Instances::map, name).orElse(null);
    }

    private static Instance map(ResultSet rs) throws SQLException {
        return new Instance(rs.getString("name"), rs.getString("host"), rs.getString("version"),
                rs.getString("incarnation"), Jdbc.getInstant(rs, "started_at"), rs.getLong("beats"),
                Jdbc.getInstant(rs, "beat_at"), Jdbc.getInstant(rs, "stopped_at"));
    }
}
