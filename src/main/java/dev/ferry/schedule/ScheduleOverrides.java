package dev.ferry.schedule;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ferry.state.Jdbc;
import dev.ferry.state.JdbcRunner;

/**
 * Run-time schedules in the state database ({@code ferry_schedule_override}): an operator's schedule for a
 * connector, in force instead of its file's until removed, with the audit of every change
 * ({@code ferry_schedule_audit}). The keys are a schedule's as in a configuration file, after
 * {@code <connector>.schedule.}.
 */
public final class ScheduleOverrides {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<TreeMap<String, String>> KEYS = new TypeReference<>() {
    };

    /** A connector's run-time schedule: its keys, the audit row that set it (its version), when and by whom. */
    public record Override(String connector, Map<String, String> keys, long version, Instant setAt, String setBy) {
    }

    /** One change: who, when, the schedules before and after (null keys: the file's), in words, and why. */
    public record Change(String connector, Instant changedAt, String changedBy, Map<String, String> oldSchedule,
                         Map<String, String> newSchedule, String oldSummary, String newSummary, String reason) {
    }

    private final JdbcRunner jdbc;
    private final Clock clock;

    public ScheduleOverrides(DataSource dataSource, Clock clock) {
        this.jdbc = new JdbcRunner(dataSource);
        this.clock = clock;
    }

    public Optional<Override> find(String connector) throws SQLException {
        return jdbc.queryFirst("SELECT * FROM ferry_schedule_override WHERE connector = ?", ScheduleOverrides::map, connector);
    }

    /** Every connector's run-time schedule, in one query. */
    public Map<String, Override> all() throws SQLException {
        Map<String, Override> all = new HashMap<>();
        jdbc.query("SELECT * FROM ferry_schedule_override", ScheduleOverrides::map).forEach(o -> all.put(o.connector(), o));
        return all;
    }

    /**
     * Puts {@code keys} in force for the connector (null: back to its file's schedule), audited with the summaries
     * of the schedules before and after; returns the audit row's id, the override's version.
     */
    public long set(String connector, Map<String, String> keys, String oldSummary, String newSummary, String by,
                    String reason) throws SQLException {
        Instant now = clock.instant();
        return jdbc.inTransaction(c -> {
            Optional<Override> old = jdbc.queryFirst(c, "SELECT * FROM ferry_schedule_override WHERE connector = ?",
                    ScheduleOverrides::map, connector);
            long version = jdbc.insert(c, "INSERT INTO ferry_schedule_audit (connector, changed_at, changed_by,"
                            + " old_schedule, new_schedule, old_summary, new_summary, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    connector, now, by, old.map(o -> write(o.keys())).orElse(null), keys == null ? null : write(keys),
                    oldSummary, newSummary, reason);
            jdbc.update(c, "DELETE FROM ferry_schedule_override WHERE connector = ?", connector);
            if (keys != null) {
                jdbc.update(c, "INSERT INTO ferry_schedule_override (connector, schedule, version, set_at, set_by)"
                        + " VALUES (?, ?, ?, ?, ?)", connector, write(keys), version, now, by);
            }
            return version;
        });
    }

    /** The connector's schedule changes, oldest first. */
    public List<Change> changes(String connector) throws SQLException {
        return jdbc.query("SELECT * FROM ferry_schedule_audit WHERE connector = ? ORDER BY id",
                rs -> new Change(rs.getString("connector"), Jdbc.getInstant(rs, "changed_at"), rs.getString("changed_by"),
                        read(rs.getString("old_schedule")), read(rs.getString("new_schedule")), rs.getString("old_summary"),
                        rs.getString("new_summary"), rs.getString("reason")), connector);
    }

    private static Override map(ResultSet rs) throws SQLException {
        return new Override(rs.getString("connector"), read(rs.getString("schedule")), rs.getLong("version"),
                Jdbc.getInstant(rs, "set_at"), rs.getString("set_by"));
    }

    private static String write(Map<String, String> keys) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(keys));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of texts is always JSON", e);
        }
    }

    private static Map<String, String> read(String json) throws SQLException {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readValue(json, KEYS);
        } catch (JsonProcessingException e) {
            throw new SQLException("ferry_schedule_override holds a schedule that is not a JSON object of texts: " + json, e);
        }
    }
}
