package dev.ferry.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

/**
 * Runs the ledgers' statements on the state database: borrows a connection (or works in the caller's transaction),
 * binds the parameters, maps the rows and closes what it opened — the one place the ledgers' JDBC is written, as
 * db-scheduler's {@code JdbcRunner} is for its task table.
 *
 * <p>Parameters bind by their Java type: an {@link Instant} as a {@code TIMESTAMP WITH TIME ZONE} in UTC (the same
 * on H2 and PostgreSQL, {@link Jdbc#setInstant}), an enum as its name, {@code null} as a null whose type the database
 * takes from where it stands, anything else as JDBC's {@code setObject} binds it.
 */
public final class JdbcRunner {

    /** Reads one row into a value. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet row) throws SQLException;
    }

    /** Work on one connection: statements that must share it, or a transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;

    public JdbcRunner(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** An INSERT, UPDATE or DELETE on a connection of its own, committed: the rows it changed. */
    public int update(String sql, Object... parameters) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return update(c, sql, parameters);
        }
    }

    /** An INSERT, UPDATE or DELETE in the caller's transaction: the rows it changed. */
    public int update(Connection c, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, parameters);
            return ps.executeUpdate();
        }
    }

    /** An INSERT on a connection of its own: the key the database generated for the row. */
    public long insert(String sql, Object... parameters) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return insert(c, sql, parameters);
        }
    }

    /** An INSERT in the caller's transaction: the key the database generated for the row. */
    public long insert(Connection c, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
            bind(ps, parameters);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                if (!keys.next()) {
                    throw new SQLException("The state database generated no key for: " + sql);
                }
                return keys.getLong(1);
            }
        }
    }

    /** One statement for each row of parameters, sent together on a connection of its own. */
    public void batch(String sql, List<Object[]> rows) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            batch(c, sql, rows);
        }
    }

    /** One statement for each row of parameters, sent together in the caller's transaction. */
    public void batch(Connection c, String sql, List<Object[]> rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Object[] row : rows) {
                bind(ps, row);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Every row a query answers, mapped, on a connection of its own. */
    public <T> List<T> query(String sql, RowMapper<T> mapper, Object... parameters) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return query(c, sql, mapper, parameters);
        }
    }

    /** Every row a query answers, mapped, in the caller's transaction. */
    public <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... parameters) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, parameters);
            List<T> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(mapper.map(rs));
                }
            }
            return rows;
        }
    }

    /** The first row a query answers, mapped, on a connection of its own; empty when there is none. */
    public <T> Optional<T> queryFirst(String sql, RowMapper<T> mapper, Object... parameters) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return queryFirst(c, sql, mapper, parameters);
        }
    }

    /** The first row a query answers, mapped, in the caller's transaction; empty when there is none. */
    public <T> Optional<T> queryFirst(Connection c, String sql, RowMapper<T> mapper, Object... parameters)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, parameters);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(mapper.map(rs)) : Optional.empty();
            }
        }
    }

    /** A count or other single number a query answers on a connection of its own (0 when it answers no row). */
    public long queryLong(String sql, Object... parameters) throws SQLException {
        return queryFirst(sql, rs -> rs.getLong(1), parameters).orElse(0L);
    }

    /** A count or other single number a query answers in the caller's transaction (0 when it answers no row). */
    public long queryLong(Connection c, String sql, Object... parameters) throws SQLException {
        return queryFirst(c, sql, rs -> rs.getLong(1), parameters).orElse(0L);
    }

    /** Statements that must share one connection, each committed on its own. */
    public <T> T withConnection(Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        }
    }

    /** Statements that commit together or not at all: rolled back when the work throws. */
    public <T> T inTransaction(Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Binds parameters by their Java type (see the class comment), from the first placeholder on. */
    public static void bind(PreparedStatement ps, Object... parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            Object value = parameters[i];
            int index = i + 1;
            if (value == null) {
                ps.setNull(index, Types.NULL);
            } else if (value instanceof Instant instant) {
                Jdbc.setInstant(ps, index, instant);
            } else if (value instanceof Enum<?> constant) {
                ps.setString(index, constant.name());
            } else {
                ps.setObject(index, value);
            }
        }
    }
}
