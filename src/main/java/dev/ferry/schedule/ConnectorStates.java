package dev.ferry.schedule;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.state.Jdbc;
import dev.ferry.state.JdbcRunner;

/** Connector state in the state database ({@code ferry_connector}); a connector's row appears on first use. */
public final class ConnectorStates {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorStates.class);

    private static final String INSERT = "INSERT INTO ferry_connector (connector, enabled, activated_at, scheduled_runs,"
            + " skipped_fires, changed_at, changed_by) VALUES (?, TRUE, ?, 0, 0, ?, 'ferry')";

    private final JdbcRunner jdbc;
    private final Clock clock;
    /**
     * The states read at once for the connectors loading at start-up ({@link #preload}), which are asked for each
     * connector three times while it starts: a thousand connectors cost three thousand statements otherwise. A
     * connector's entry goes as soon as Ferry changes its state, and the rest when the load is over
     * ({@link #preloaded}).
     */
    private final Map<String, ConnectorState> preloaded = new ConcurrentHashMap<>();

    public ConnectorStates(DataSource dataSource, Clock clock) {
        this.jdbc = new JdbcRunner(dataSource);
        this.clock = clock;
    }

    /** The connector's state; a connector seen for the first time starts enabled and active from now. */
    public ConnectorState get(String connector) throws SQLException {
        ConnectorState known = preloaded.get(connector);
        if (known != null) {
            return known;
        }
        return jdbc.withConnection(c -> {
            Optional<ConnectorState> state = find(c, connector);
            if (state.isPresent()) {
                return state.get();
            }
            Instant now = clock.instant();
            try {
                jdbc.update(c, INSERT, connector, now, now);
            } catch (SQLException e) {
                // Another instance created it meanwhile: read theirs.
                if (e.getSQLState() == null || !e.getSQLState().startsWith("23")) {
                    throw e;
                }
            }
            return find(c, connector).orElseThrow();
        });
    }

    /**
     * The state of every connector that has one, in one query (the connector list); a connector not in it is seen
     * for the first time: {@link #get} makes its state.
     */
    public Map<String, ConnectorState> all() throws SQLException {
        return jdbc.query("SELECT * FROM ferry_connector", ConnectorStates::map).stream()
                .collect(Collectors.toMap(ConnectorState::connector, state -> state, (a, b) -> b, HashMap::new));
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
            List<Object[]> rows = missing.stream().map(connector -> new Object[] {connector, now, now}).toList();
            try {
                jdbc.inTransaction(c -> {
                    jdbc.batch(c, INSERT, rows);
                    return null;
                });
            } catch (SQLException e) {
                // another instance made some of them meanwhile (rolled back): get() makes the rest, one by one
                LOG.debug("Connector states not made in one batch: {}", e.toString());
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
        Object[] parameters = Arrays.copyOf(values, values.length + 1);
        parameters[values.length] = connector;
        jdbc.update("UPDATE ferry_connector SET " + assignments + " WHERE connector = ?", parameters);
    }

    private Optional<ConnectorState> find(Connection c, String connector) throws SQLException {
        return jdbc.queryFirst(c, "SELECT * FROM ferry_connector WHERE connector = ?", ConnectorStates::map, connector);
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
