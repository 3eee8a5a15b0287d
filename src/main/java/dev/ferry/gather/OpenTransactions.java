package dev.ferry.gather;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.state.Jdbc;
import dev.ferry.state.JdbcRunner;

/**
 * How far a run may read a PostgreSQL source without passing a row that a transaction still open will commit: the
 * <b>read horizon</b>, the earliest time at which a transaction open on the source database can have begun.
 *
 * <p>A row's cursor is stamped inside the transaction that writes it, at or after that transaction began (PostgreSQL's
 * {@code now()} is the transaction's start; a trigger's {@code clock_timestamp()} is later). A run that reads no
 * further than just before the horizon cannot pass a row that commits after it: every transaction still open began
 * at or after the horizon, and one that begins later stamps later still. A batch job that commits an hour after it
 * stamped its rows holds the horizon for that hour, and its rows are delivered by the first run after it commits.
 *
 * <p>What Ferry sees of other sessions, with no right beyond reading its table: {@code pg_locks} shows every open
 * transaction (each holds the lock on its own virtual transaction id, from its first statement, writing or not),
 * and {@code pg_stat_activity} its process, role and application; when it began ({@code xact_start}) is shown for
 * the sessions of Ferry's own role, and of every role when Ferry's has {@code pg_read_all_stats}. For the others, a
 * transaction's start is bounded by what the connector's runs saw: one that was not open at an earlier observation
 * began after it. Each run therefore remembers its observation ({@code ferry_open_transactions}), and a run that
 * finds a transaction it cannot date looks again for up to {@value #RECHECK_MILLIS} ms — a transaction that ends
 * meanwhile holds nothing back, one that begins meanwhile began after the first look. A transaction it has never seen
 * before and still cannot date is taken to have begun the open-transaction limit before it was first seen (or at
 * the server's start, when that is later): what the limit means.
 *
 * <p>A transaction open longer than the connector's {@code openTransactionLimit} (an idle-in-transaction session, a
 * forgotten psql) stops holding the horizon: the run reads up to the settle lag, and Ferry warns, naming it; a row it
 * stamped and commits later is then missed as it would be without this. The horizon and what holds it are kept per
 * connector for the health check and the metrics ({@link #report}).
 */
public final class OpenTransactions {

    private static final Logger LOG = LoggerFactory.getLogger(OpenTransactions.class);

    /** How long a run looks again for transactions it cannot date to end. */
    static final long RECHECK_MILLIS = 1_000;
    private static final long RECHECK_EVERY_MILLIS = 100;
    /** A hold shorter than this is not logged (the health check and the metric show every hold). */
    private static final Duration WORTH_TELLING = Duration.ofSeconds(10);
    /** Ferry's own reads name themselves with this, so that the gathers of other connectors do not hold each other. */
    static final String APPLICATION = "ferry: gather";

    /** The sessions of the source database that are in a transaction, and its prepared transactions. */
    private static final String OPEN = """
            SELECT a.pid, l.virtualxid, a.backend_xid::text, a.usename, a.application_name, a.xact_start, a.state,
                   a.state_change
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'virtualxid' AND l.granted AND l.virtualxid = l.virtualtransaction
              AND a.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND a.usesysid IS NOT NULL AND a.pid <> pg_backend_pid()
              AND a.backend_type IS DISTINCT FROM 'walsender'
              AND coalesce(a.application_name, '') NOT LIKE '%s%%'
            UNION ALL
            SELECT NULL, NULL, p.transaction::text, p.owner, p.gid, NULL, 'prepared', p.prepared
            FROM pg_prepared_xacts p WHERE p.database = current_database()
            """.formatted(APPLICATION);
    /** When the observation is made (before the locks are read: an earlier time is a safe bound), and of what. */
    private static final String NOW = "SELECT statement_timestamp(), current_database(), pg_postmaster_start_time(),"
            + " pg_is_in_recovery(), pg_stat_clear_snapshot()";
    /** The key under which the warning that the open transactions cannot be seen is told once. */
    private static final String BLIND = "blind";

    /**
     * A transaction open at an observation.
     *
     * @param key         the session's process and virtual transaction id, or the prepared transaction's id
     * @param xid         its transaction id once it has written (a prepared transaction keeps it), or null
     * @param since       the earliest it can have begun: when it began, where that is shown
     * @param seen        since when it is known to be open: when it began, or the first observation that saw it
     * @param exact       whether {@code since} is when it began (shown by the server)
     * @param description what an operator needs to find it: process, role, application, state
     */
    public record Open(String key, String xid, Instant since, Instant seen, boolean exact, String description) {

        /** How long it is known to have been open at {@code now}. */
        public Duration age(Instant now) {
            return Duration.between(seen, now);
        }
    }

    /**
     * What one run saw, as it ends up: the horizon, what holds it, and the transactions past the limit.
     *
     * @param observedAt the source's clock at the observation
     * @param horizon    read no row stamped at or after this; null: no open transaction holds the read
     * @param holder     the transaction the horizon is the start of, or null
     * @param overLimit  transactions open longer than the limit, which hold nothing back; oldest first
     * @param held       how far the read stops short of the settle lag because of the holder (zero: not at all)
     * @param unseen     why the source's open transactions cannot be seen (a standby; the views refused), or null
     */
    public record Report(Instant observedAt, Instant horizon, Open holder, List<Open> overLimit, Duration held,
                         String unseen) {
    }

    /** An observation as kept between runs. */
    private record Observation(String source, Instant observedAt, Map<String, Open> open, boolean standby) {
    }

    private final JdbcRunner state;
    private final Map<String, Report> reports = new ConcurrentHashMap<>();
    /** Per connector, the transactions already warned about (past the limit) and the holder last logged. */
    private final Map<String, Set<String>> warned = new ConcurrentHashMap<>();
    private final Map<String, String> lastHolder = new ConcurrentHashMap<>();

    public OpenTransactions(DataSource state) {
        this.state = new JdbcRunner(state);
    }

    /** What the connector's last run on a PostgreSQL source saw, if it watches open transactions. */
    public Optional<Report> report(String connector) {
        return Optional.ofNullable(reports.get(connector));
    }

    /** Forgets a connector that is gone. */
    public void forget(String connector) {
        reports.remove(connector);
        warned.remove(connector);
        lastHolder.remove(connector);
    }

    /**
     * Observes the transactions open on the source that {@code db} is connected to — within the caller's transaction,
     * before its reading statements — and returns the horizon: no row stamped at or after it may be read yet (null:
     * none holds). {@code notBefore} is the settle lag's bound: a transaction that holds the read no further back than
     * it is not waited for.
     */
    public Instant horizon(Connection db, String connector, Duration limit, Instant notBefore) throws SQLException {
        boolean inTransaction = !db.getAutoCommit();
        if (inTransaction) {
            try (Statement s = db.createStatement()) {
                // Ferry's reads do not write: other connectors' runs need not wait for this one
                s.execute("SET LOCAL application_name = '" + APPLICATION + " " + connector.replace("'", "") + "'");
            }
        }
        Observation previous = load(connector);
        Observation current;
        // a server that refuses the views (a hardened one) must not fail the run's transaction with them
        Savepoint before = inTransaction ? db.setSavepoint() : null;
        try {
            current = observe(db, previous, limit);
        } catch (SQLException e) {
            if (before != null) {
                db.rollback(before);
            }
            return blind(connector, "the source's pg_locks and pg_stat_activity cannot be read (" + e.getMessage()
                    + "): its open transactions cannot be seen, so its runs read up to the settle lag alone");
        }
        if (before != null) {
            db.releaseSavepoint(before);
        }
        if (current.standby()) {
            return blind(connector, "the source is a standby server: the transactions open on its primary cannot be"
                    + " seen there, so its runs read up to the settle lag alone. Read the primary to gather no row that"
                    + " commits late");
        }
        long deadline = System.nanoTime() + RECHECK_MILLIS * 1_000_000;
        while (undated(current, previous, notBefore, limit) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(RECHECK_EVERY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            current = observe(db, current, limit);
        }
        save(connector, current);
        return report(connector, current, limit, notBefore);
    }

    /** The connector's runs cannot see the source's open transactions: said once, and in its report. */
    private Instant blind(String connector, String why) {
        reports.put(connector, new Report(null, null, null, List.of(), Duration.ZERO, why));
        if (warned.computeIfAbsent(connector, c -> ConcurrentHashMap.newKeySet()).add(BLIND)) {
            LOG.warn("Connector {}: {}", connector, why);
        }
        return null;
    }

    /**
     * Whether a transaction that the server does not date holds the read before the settle lag's bound on what the
     * connector's own earlier observation says: looking again may show it ended (a short transaction), or date it.
     */
    private static boolean undated(Observation current, Observation previous, Instant notBefore, Duration limit) {
        for (Open open : current.open().values()) {
            boolean known = previous != null && previous.open().containsKey(open.key());
            boolean withinLimit = open.age(current.observedAt()).compareTo(limit) <= 0;
            if (!open.exact() && !known && open.since().isBefore(notBefore) && withinLimit) {
                return true;
            }
        }
        return false;
    }

    private Instant report(String connector, Observation current, Duration limit, Instant notBefore) {
        Instant now = current.observedAt();
        Open holder = null;
        List<Open> overLimit = new ArrayList<>();
        for (Open open : current.open().values()) {
            if (open.age(now).compareTo(limit) > 0) {
                overLimit.add(open);
            } else if (holder == null || open.since().isBefore(holder.since())) {
                holder = open;
            }
        }
        overLimit.sort(Comparator.comparing(Open::seen));
        Instant horizon = holder == null ? null : holder.since();
        Duration held = horizon == null || !horizon.isBefore(notBefore) ? Duration.ZERO
                : Duration.between(horizon, notBefore);
        reports.put(connector, new Report(now, horizon, holder, List.copyOf(overLimit), held, null));
        tell(connector, held.compareTo(WORTH_TELLING) < 0 ? null : holder, overLimit, limit);
        return horizon;
    }

    /** Logs a new holder of the connector's reads once (null: none worth telling), and each one past the limit once. */
    private void tell(String connector, Open holder, List<Open> overLimit, Duration limit) {
        String key = holder == null ? null : holder.key();
        String before = key == null ? lastHolder.remove(connector) : lastHolder.put(connector, key);
        if (key != null && !key.equals(before)) {
            LOG.info("Connector {} reads its source only up to {}: {} may still commit rows stamped from then on",
                    connector, holder.since(), holder.description());
        } else if (key == null && before != null) {
            LOG.info("Connector {}: no open transaction holds its reads back any more", connector);
        }
        Set<String> told = warned.computeIfAbsent(connector, c -> ConcurrentHashMap.newKeySet());
        told.removeIf(k -> !k.equals(BLIND) && overLimit.stream().noneMatch(open -> open.key().equals(k)));
        for (Open open : overLimit) {
            if (told.add(open.key())) {
                LOG.warn("Connector {} no longer waits for {}: it has been open longer than openTransactionLimit ({})."
                        + " Runs read up to the settle lag again; rows it stamped and commits later will not be"
                        + " gathered unless they change again. End it, or raise the limit", connector,
                        open.description(), limit.toString().substring(2).toLowerCase(Locale.ROOT));
            }
        }
    }

    /** One look at the source's open transactions, dated by what {@code previous} saw. */
    private static Observation observe(Connection db, Observation previous, Duration limit) throws SQLException {
        Instant now;
        String source;
        Instant serverStart;
        try (PreparedStatement ps = db.prepareStatement(NOW); ResultSet rs = ps.executeQuery()) {
            rs.next();
            now = rs.getObject(1, OffsetDateTime.class).toInstant();
            serverStart = rs.getObject(3, OffsetDateTime.class).toInstant();
            source = rs.getString(2) + " " + serverStart;
            if (rs.getBoolean(4)) {
                return new Observation(source, now, Map.of(), true);
            }
        }
        Observation before = previous != null && previous.source().equals(source) ? previous : null;
        Map<String, Open> byXid = new HashMap<>();
        if (before != null) {
            for (Open open : before.open().values()) {
                if (open.xid() != null) {
                    byXid.put(open.xid(), open);
                }
            }
        }
        Map<String, Open> open = new LinkedHashMap<>();
        try (PreparedStatement ps = db.prepareStatement(OPEN); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Integer pid = (Integer) rs.getObject(1);
                String xid = rs.getString(3);
                String key = pid != null ? pid + "/" + rs.getString(2) : "prepared/" + xid;
                OffsetDateTime started = rs.getObject(6, OffsetDateTime.class);
                Open known = before == null ? null : before.open().get(key);
                if (known == null && xid != null) {
                    // the same transaction under another key: prepared since the last look
                    known = byXid.get(xid);
                }
                Instant since;
                Instant seen;
                if (started != null) {
                    since = started.toInstant();
                    seen = since;
                } else if (known != null) {
                    since = known.since();
                    seen = known.seen();
                } else {
                    // not open at the last look, so it began after it; never looked: the limit bounds the guess
                    since = before != null ? before.observedAt() : later(now.minus(limit), serverStart);
                    seen = now;
                }
                open.put(key, new Open(key, xid, since, seen, started != null,
                        describe(pid, rs.getString(4), rs.getString(5), started, rs.getString(7),
                                rs.getObject(8, OffsetDateTime.class), xid, seen)));
            }
        }
        return new Observation(source, now, open, false);
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static String describe(Integer pid, String role, String application, OffsetDateTime started, String state,
                                   OffsetDateTime stateChange, String xid, Instant seen) {
        StringBuilder text = new StringBuilder();
        if (pid == null) {
            text.append("prepared transaction '").append(application).append("' (role ").append(role)
                    .append(", prepared at ").append(stateChange == null ? "?" : stateChange.toInstant()).append(')');
            return text.toString();
        }
        text.append("the transaction of process ").append(pid).append(" (role ").append(role);
        if (application != null && !application.isEmpty()) {
            text.append(", application '").append(application).append('\'');
        }
        if (state != null) {
            text.append(", ").append(state);
            if (stateChange != null && !"active".equals(state)) {
                text.append(" since ").append(stateChange.toInstant().truncatedTo(ChronoUnit.SECONDS));
            }
        }
        if (xid != null) {
            text.append(", xid ").append(xid);
        }
        text.append(started != null ? ", begun " + started.toInstant().truncatedTo(ChronoUnit.SECONDS)
                : ", open since at least " + seen.truncatedTo(ChronoUnit.SECONDS));
        return text.append(')').toString();
    }

    private Observation load(String connector) throws SQLException {
        return state.queryFirst("SELECT source, observed_at, transactions FROM ferry_open_transactions WHERE connector = ?",
                rs -> {
                    Map<String, Open> open = new LinkedHashMap<>();
                    for (String line : rs.getString(3).split("\n")) {
                        String[] f = line.split(" ", 5);
                        if (f.length == 5) {
                            open.put(f[0], new Open(f[0], "-".equals(f[1]) ? null : f[1], micros(f[2]), micros(f[3]),
                                    false, f[4]));
                        }
                    }
                    return new Observation(rs.getString(1), Jdbc.getInstant(rs, "observed_at"), open, false);
                }, connector).orElse(null);
    }

    /** Keeps the observation for the next run, unless a later one is kept already (a preview's, say). */
    private void save(String connector, Observation observation) throws SQLException {
        StringBuilder lines = new StringBuilder();
        for (Open open : observation.open().values()) {
            lines.append(open.key()).append(' ').append(open.xid() == null ? "-" : open.xid()).append(' ')
                    .append(micros(open.since())).append(' ').append(micros(open.seen())).append(' ')
                    .append(open.description().replace('\n', ' ')).append('\n');
        }
        Instant at = observation.observedAt();
        int updated = state.update("UPDATE ferry_open_transactions SET source = ?, observed_at = ?, transactions = ?"
                + " WHERE connector = ? AND observed_at < ?", observation.source(), at, lines.toString(), connector, at);
        if (updated == 0) {
            try {
                state.update("INSERT INTO ferry_open_transactions (connector, source, observed_at, transactions)"
                        + " VALUES (?, ?, ?, ?)", connector, observation.source(), at, lines.toString());
            } catch (SQLException e) {
                // the row is there already, with a later observation: that one stays
                if (!(e.getSQLState() != null && e.getSQLState().startsWith("23"))) {
                    throw e;
                }
            }
        }
    }

    private static long micros(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    private static Instant micros(String value) {
        return Instant.EPOCH.plus(Long.parseLong(value), ChronoUnit.MICROS);
    }
}
