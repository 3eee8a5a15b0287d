package dev.ferry.connector;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock a connector's run holds while it gathers and enqueues, across every Ferry instance on one state
 * database: with it, no two runs of a connector process at once anywhere, and a run whose instance died is
 * recognised as such (nobody holds its lock any more).
 */
public interface ConnectorLock {

    /** A held lock; closing it releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** The lock if nobody holds it now, or empty. */
    Optional<Held> tryLock(String connector) throws SQLException;

    /** One Ferry instance (the embedded H2 default): the runner's own bookkeeping is the lock. */
    ConnectorLock LOCAL = connector -> Optional.of(() -> { });

    /** The lock for the state database at this URL: PostgreSQL advisory locks, or {@link #LOCAL} for H2. */
    static ConnectorLock of(String stateUrl, DataSource state) {
        return stateUrl.startsWith("jdbc:postgresql:") ? new PostgresAdvisory(state) : LOCAL;
    }

    /**
     * A session-level advisory lock per connector on a connection kept for the run: PostgreSQL releases it
     * when the run ends or when the instance's connection dies with it (a killed process), so another
     * instance can then recover the run.
     */
    final class PostgresAdvisory implements ConnectorLock {
        private static final Logger LOG = LoggerFactory.getLogger(PostgresAdvisory.class);
        private final DataSource state;

        PostgresAdvisory(DataSource state) {
            this.state = state;
        }

        @Override
        public Optional<Held> tryLock(String connector) throws SQLException {
            long key = key(connector);
            Connection c = state.getConnection();
            try {
                c.setAutoCommit(true);
                if (!advisory(c, "SELECT pg_try_advisory_lock(?)", key)) {
                    c.close();
                    return Optional.empty();
                }
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
            return Optional.of(() -> {
                try {
                    advisory(c, "SELECT pg_advisory_unlock(?)", key);
                    c.close();
                } catch (SQLException e) {
                    // The session is gone, and its lock with it; the pool must not lend that connection again.
                    LOG.warn("Connector {}: releasing its run lock failed ({}); discarding the connection", connector,
                            e.toString());
                    try {
                        c.abort(Runnable::run);
                    } catch (SQLException ignored) {
                        // nothing more to do
                    }
                }
            });
        }

        private static boolean advisory(Connection c, String sql, long key) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        }

        /** A stable 64-bit key per connector (advisory locks are numbers). */
        static long key(String connector) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256")
                        .digest(("ferry-connector:" + connector).getBytes(StandardCharsets.UTF_8));
                long key = 0;
                for (int i = 0; i < 8; i++) {
                    key = (key << 8) | (digest[i] & 0xff);
                }
                return key;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
