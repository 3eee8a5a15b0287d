package dev.ferry.schedule;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import dev.ferry.state.Jdbc;

/** Connector state in the state database ({@code ferry_connector}); a connector's row appears on first use. */
public final class ConnectorStates {

    private static final String INSERT = "INSERT INTO ferry_connector (connector, enabled, activated_at, scheduled_runs,"
            + " skipped_fires, changed_at, changed_by) VALUES (?, TRUE, ?, 0, 0, ?, 'ferry')";

    private final DataSource dataSource;
    private final Clock clock;
    /**
     * The states read at once for the connectors loading at start-up ({@link #preload}), which are asked for each
     * connector three times while it starts: a thousand connectors cost three thousand statements otherwise. A
     * connector's entry goes as soon as Ferry changes its state, and the rest when the load is over
     * ({@link #preloaded}).
     */
    private final Map<String, ConnectorState> preloaded = new ConcurrentHashMap<>();

    public ConnectorStates(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** The connector's state; a connector seen for the first time starts enabled and active from now. */
    public ConnectorState get(String connector) throws SQLException {
        ConnectorState known = preloaded.get(connector);
        if (known != null) {
            return known;
        }
        try (Connection c = dataSource.getConnection()) {
            ConnectorState state = find(c, connector);
            if (state != null) {
                return state;
            }
            Instant now = clock.instant();
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setString(1, connector);
                Jdbc.setInstant(ps, 2, now);
                Jdbc.setInstant(ps, 3, now);
                ps.executeUpdate();
            } catch (SQLException e) {
                // Another instance created it meanwhile: read theirs.
                if (e.getSQLState() == null || !e.getSQLState().startsWith("23")) {
                    throw e;
                }
            }
            return find(c, connector);
        }
    }

    /**
     * The state of every connector that has one, in one query (the connector list); a connector not in it is seen
     * for the first time: {@link #get} makes its state.
     */
    public Map<String, ConnectorState> all() throws SQLException {
        Map<String, ConnectorState> states = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT * FROM ferry_connector");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ConnectorState state = map(rs);
                states.put(state.connector(), state);
            }
        }
        return states;
    }

    /**
     * Reads the state of every connector in one statement and makes those seen for the first time in one more, to be
     * answered from memory by {@link #get} until {@link #preloaded}: for the connectors loading at start-up.
     */
    public void preload(Collection<String> connectors) throws SQLException {
        Map<String, ConnectorState> states = all();
        List<String> missing = connectors.stream().filter(c -> !states.containsKey(c)).distinct().toList();
        if (!missing.isEmpty()) {
            Instant now = clock.instant();
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                    for (String connector : missing) {
                        ps.setString(1, connector);
                        Jdbc.setInstant(ps, 2, now);
                        Jdbc.setInstant(ps, 3, now);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                    c.commit();
                } catch (SQLException e) {
                    // another instance made some of them meanwhile: get() makes the rest, one by one
                    c.rollback();
                }
            }
            states.putAll(all());
        }
        states.keySet().retainAll(Set.copyOf(connectors));
        preloaded.putAll(states);
    }

    /** The start-up's connectors are loaded: {@link #get} reads the state database again. */
    public void preloaded() {
        preloaded.clear();
    }

    public void setEnabled(String connector, boolean enabled, String by) throws SQLException {
        get(connector);
        update(connector, "enabled = ?, changed_at = ?, changed_by = ?", enabled, clock.instant(), by);
    }

    /** An end condition was reached. */
    public void end(String connector, String reason) throws SQLException {
        update(connector, "ended_at = ?, ended_reason = ?", clock.instant(), Jdbc.clip(reason, 500));
    }

    /** Active again from now: the end is cleared and scheduled runs count from zero. */
    public void activate(String connector, String by) throws SQLException {
        get(connector);
        Instant now = clock.instant();
        update(connector, "ended_at = NULL, ended_reason = NULL, scheduled_runs = 0, activated_at = ?, changed_at = ?,"
                + " changed_by = ?", now, now, by);
    }

    /** A scheduled fire was handled now. */
    public void recordFire(String connector) throws SQLException {
        update(connector, "last_fire_at = ?", clock.instant());
    }

    /** Counts a run started by the schedule; returns the count since activation. */
    public int countScheduledRun(String connector) throws SQLException {
        update(connector, "scheduled_runs = scheduled_runs + 1");
        return get(connector).scheduledRuns();
    }

    /** A fire came while the previous run was still processing. */
    public void recordSkippedFire(String connector) throws SQLException {
        update(connector, "skipped_fires = skipped_fires + 1, last_skipped_at = ?", clock.instant());
    }

    private void update(String connector, String assignments, Object... values) throws SQLException {
        preloaded.remove(connector);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE ferry_connector SET " + assignments + " WHERE connector = ?")) {
            int i = 1;
            for (Object value : values) {
                if (value instanceof Instant instant) {
                    Jdbc.setInstant(ps, i++, instant);
                } else {
                    ps.setObject(i++, value);
                }
            }
            ps.setString(i, connector);
            ps.executeUpdate();
        }
    }

    private static ConnectorState find(Connection c, String connector) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM ferry_connector WHERE connector = ?")) {
            ps.setString(1, connector);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? map(rs) : null;
            }
        }
    }

    private static ConnectorState map(ResultSet rs) throws SQLException {
        return new ConnectorState(
                        rs.getString("connector"),
                        rs.getBoolean("enabled"),
                        Jdbc.getInstant(rs, "activated_at"),
                        rs.getInt("scheduled_runs"),
                        Jdbc.getInstant(rs, "ended_at"),
                        rs.getString("ended_reason"),
                        Jdbc.getInstant(rs, "last_fire_at"),
                        rs.getLong("skipped_fires"),
                        Jdbc.getInstant(rs, "last_skipped_at"),
                        Jdbc.getInstant(rs, "changed_at"),
                        rs.getString("changed_by"));
    }
}
