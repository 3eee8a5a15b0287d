package dev.ferry.component;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.gather.IdempotencyKey;
import dev.ferry.state.JdbcRunner;

/**
 * How far a delivery lane got into a packed message it gave back when it closed ({@code ferry_pack_progress}): when
 * the message comes again — to any lane of any instance, before or after a restart — delivery goes on after the
 * records already delivered, and their outcomes count then, once. Without it, a toggle, a reload or a stop in the
 * middle of a pack would deliver up to a pack's worth of records twice.
 *
 * <p>Delivery asks the database only about a pack it has a record of: which packs have one is read when Ferry starts
 * and, in a cluster (where another instance may have given a pack back), again every {@code refresh}. So delivery
 * goes on while the state database is away, and a pack that another instance gave back moments ago is delivered
 * whole again — under the same idempotency keys, and counted once: its record's outcomes never counted.
 */
public final class PackProgress extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(PackProgress.class);

    private static final String SAVE = "INSERT INTO ferry_pack_progress (connector, pack, run_id, done, delivered, failed,"
            + " saved_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
    private static final String FIND = "SELECT run_id, done, delivered, failed FROM ferry_pack_progress"
            + " WHERE connector = ? AND pack = ?";
    private static final String DONE = "SELECT COALESCE(SUM(done), 0) FROM ferry_pack_progress WHERE connector = ?";
    private static final String ALL = "SELECT connector, pack FROM ferry_pack_progress";
    private static final String FORGET = "DELETE FROM ferry_pack_progress WHERE connector = ? AND pack = ?";

    /** Records done from the start of a pack, and their outcomes. */
    public record Done(long runId, int records, int delivered, int failed) {
    }

    private final JdbcRunner jdbc;
    private final Clock clock;
    /** Null: read once, at start. */
    private final Duration refresh;
    private final ScheduledExecutorService executor;
    /** {@code connector + '\0' + pack} of every pack with a record, as far as this instance knows. */
    private volatile Set<String> known = ConcurrentHashMap.newKeySet();
    /** Packs this instance gave back: known at once, whatever a reading that started before says. */
    private final Set<String> savedHere = ConcurrentHashMap.newKeySet();
    private ScheduledFuture<?> refreshing;

    /**
     * @param refresh  how often to read again which packs have a record (a cluster), or null for only at start
     * @param executor runs that reading; may be null when {@code refresh} is
     */
    public PackProgress(DataSource state, Clock clock, Duration refresh, ScheduledExecutorService executor) {
        this.jdbc = new JdbcRunner(state);
        this.clock = clock;
        this.refresh = refresh;
        this.executor = executor;
    }

    @Override
    protected void doStart() {
        read();
        if (refresh != null) {
            refreshing = executor.scheduleWithFixedDelay(this::read, refresh.toMillis(), refresh.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    @Override
    protected void doStop() {
        if (refreshing != null) {
            refreshing.cancel(false);
        }
    }

    /** Reads which packs have a record; keeps what it knew when the database does not answer. */
    private void read() {
        Set<String> packs = ConcurrentHashMap.newKeySet();
        try {
            packs.addAll(jdbc.query(ALL, rs -> rs.getString(1) + '\0' + rs.getString(2)));
        } catch (SQLException e) {
            LOG.debug("Cannot read which queued packs of records were given back half-delivered: {}", e.toString());
            return;
        }
        packs.addAll(savedHere);
        known = packs;
    }

    /** Whether the pack may have a record: only then is the database asked ({@link #take}). */
    boolean mayHave(String connector, String pack) {
        String id = connector + '\0' + pack;
        return savedHere.contains(id) || known.contains(id);
    }

    /** Identifies a pack by its records: the same idempotency keys in the same order. */
    static String id(String connector, String idempotencyKeys) {
        return IdempotencyKey.of(connector, "pack", idempotencyKeys);
    }

    /** Records how far delivery got into a pack, replacing what an earlier pass recorded. */
    void save(String connector, String pack, Done done) throws SQLException {
        jdbc.inTransaction(c -> {
            jdbc.update(c, FORGET, connector, pack);
            return jdbc.update(c, SAVE, connector, pack, done.runId(), done.records(), done.delivered(), done.failed(),
                    clock.instant());
        });
        savedHere.add(connector + '\0' + pack);
    }

    /**
     * Takes what was recorded for a pack of run {@code runId}: returns it and deletes it, so that it applies once.
     * A record of another run (the same records gathered again) does not apply.
     */
    Optional<Done> take(String connector, String pack, long runId) throws SQLException {
        return jdbc.withConnection(c -> {
            Optional<Done> done = jdbc.queryFirst(c, FIND, rs -> new Done(rs.getLong("run_id"), rs.getInt("done"),
                    rs.getInt("delivered"), rs.getInt("failed")), connector, pack);
            savedHere.remove(connector + '\0' + pack);
            known.remove(connector + '\0' + pack);
            if (done.isEmpty()) {
                return Optional.empty();
            }
            jdbc.update(c, FORGET, connector, pack);
            return done.filter(d -> d.runId() == runId);
        });
    }

    /** Records of the connector's queued packs that were delivered (or failed) before their pack was given back. */
    public long done(String connector) throws SQLException {
        return jdbc.queryLong(DONE, connector);
    }
}
