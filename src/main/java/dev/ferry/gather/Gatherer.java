package dev.ferry.gather;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import dev.ferry.queue.QueuedRecord;
import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.KeyRegistry;
import dev.ferry.watermark.ValueType;
import dev.ferry.watermark.Watermark;

/**
 * Streams the rows of one run from the source into the sync queue.
 *
 * <p>Two passes over the source, both on one read transaction:
 * <ol>
 *   <li>the <b>main pass</b>: rows after the watermark up to the upper bound (the database's clock at
 *       the start of the run minus the settle lag), ordered by the compound cursor; the last row's
 *       cursor and key become the new watermark;</li>
 *   <li>the <b>retry pass</b>: rows whose last delivery failed (open failure-ledger entries) and that
 *       the main pass did not carry, re-read by key so that their current state is delivered.</li>
 * </ol>
 * Rows flow one at a time from the JDBC cursor to the queue writer, which commits every N; memory
 * does not grow with the number of rows.
 */
public final class Gatherer {

    /**
     * What to gather for one run.
     *
     * @param preview a preview run: a record that cannot be queued is kept with the run only, and reaches the
     *                failure ledger when the preview is submitted (a preview that is deleted leaves no trace there)
     */
    public record Request(String connector, long runId, Source source, Watermark from, boolean ledgerCheck,
                          int maxAttempts, BooleanSupplier stopping, boolean preview, Refresh refresh,
                          Refresh.Kind kind, long confirmedDeletes) {

        public Request(String connector, long runId, Source source, Watermark from, boolean ledgerCheck,
                       int maxAttempts, BooleanSupplier stopping) {
            this(connector, runId, source, from, ledgerCheck, maxAttempts, stopping, false, Refresh.INCREMENTAL,
                    Refresh.Kind.INCREMENTAL, 0);
        }

        public Request {
            if (kind == Refresh.Kind.FULL && !refresh.keyRegistry()) {
                throw new IllegalArgumentException("Connector " + connector + " keeps no key registry, which a full"
                        + " refresh compares with; set keyRegistry: true (or refresh: full) on its ferry:gather step");
            }
        }

        boolean full() {
            return kind == Refresh.Kind.FULL;
        }
    }

    /**
     * @param gathered rows read for delivery (including {@code failed})
     * @param failed   rows that could not be queued (a value JSON cannot carry); in the failure ledger
     * @param skipped  failed keys whose row no longer exists at the source
     * @param after    the new watermark, or the old one when the main pass found nothing
     * @param unchanged rows a full refresh read and did not queue: the key registry has their content
     * @param deleted  registered keys a full refresh found gone from the source, queued as deletes (in {@code gathered})
     */
    public record Result(long gathered, long failed, long skipped, Watermark after, long unchanged, long deleted) {

        public Result(long gathered, long failed, long skipped, Watermark after) {
            this(gathered, failed, skipped, after, 0, 0);
        }
    }

    /**
     * A full refresh would deliver more deletes than its connector's {@code deleteLimit} allows: the run fails before
     * it queues any of them.
     */
    public static final class DeleteLimitException extends Exception {
        DeleteLimitException(String message) {
            super(message);
        }
    }

    /** Thrown when Ferry stops during a gather; the run fails and the next one repeats the work. */
    public static final class StoppedException extends Exception {
        StoppedException() {
            super("Ferry is stopping; the run was interrupted before its records were all queued");
        }
    }

    private static final int RETRY_CHUNK = 500;
    /** The version of a hard delete, followed by the id of the run that found the key gone. */
    static final String DELETED_VERSION = "deleted-in-run-";
    private static final int STOP_CHECK_EVERY = 500;

    /** The default of {@code ferry.gather.max-record-size}. */
    public static final long DEFAULT_MAX_RECORD_BYTES = 10L << 20;

    private final FailureLedger failures;
    private final long maxRecordBytes;
    private final OpenTransactions openTransactions;
    private final KeyRegistry registry;

    public Gatherer(FailureLedger failures, OpenTransactions openTransactions) {
        this(failures, DEFAULT_MAX_RECORD_BYTES, openTransactions, null);
    }

    /**
     * @param maxRecordBytes   a record larger than this as JSON (UTF-8) fails into the ledger instead of being queued
     * @param openTransactions how far a PostgreSQL source may be read while transactions are open on it
     * @param registry         the key registry of the connectors that keep one (null: none does)
     */
    public Gatherer(FailureLedger failures, long maxRecordBytes, OpenTransactions openTransactions, KeyRegistry registry) {
        this.failures = failures;
        this.maxRecordBytes = maxRecordBytes;
        this.openTransactions = openTransactions;
        this.registry = registry;
    }

    public Result gather(Request request, SyncQueue.Writer writer) throws Exception {
        Source source = request.source();
        try (Connection db = source.dataSource().getConnection()) {
            // PostgreSQL streams with a fetch size only inside a transaction; H2 only in lazy mode.
            db.setAutoCommit(false);
            SourceDialect dialect = SourceDialect.of(db);
            dialect.streamRows(db, true);
            try {
                ValueType[] types = describe(db, source);
                Registration registration = registration(request);
                if (request.full()) {
                    Pass full = fullPass(db, request, types, writer, registration);
                    long skipped = full.failed == 0 && !request.ledgerCheck() ? 0 : goneFailures(db, request, types);
                    writer.commit();
                    registration.flush();
                    db.commit();
                    return new Result(full.gathered, full.failed, skipped, request.from(), full.unchanged, full.deleted);
                }
                Object upper = upperBound(db, dialect, types[0], request.connector(), source);
                Pass main = mainPass(db, request, types, upper, dialect.comparesRowValues(), writer, registration);
                long skipped = request.from() == null ? 0 : retryPass(db, request, types, writer, main, registration);
                writer.commit();
                registration.flush();
                db.commit();
                return new Result(main.gathered, main.failed, skipped, main.last != null ? main.last : request.from(),
                        0, main.deleted);
            } catch (Exception e) {
                try {
                    db.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw explained(e);
            } finally {
                // The connection goes back to a pool other steps use too; a broken one is discarded anyway.
                try {
                    dialect.streamRows(db, false);
                } catch (SQLException ignored) {
                    // the pool's validation retires a connection that cannot take a statement
                }
            }
        }
    }

    /**
     * A source whose text is not valid in the encoding it is read in fails the whole statement on PostgreSQL
     * (the server checks it, so no row can be skipped): the run fails, and its message says what to set.
     */
    private static Exception explained(Exception e) {
        if (e instanceof SQLException sql && ("22021".equals(sql.getSQLState()) || "22P05".equals(sql.getSQLState()))) {
            return new SQLException(sql.getMessage() + " — the source holds text that is not valid in the encoding Ferry"
                    + " reads it in (UTF-8). For a PostgreSQL database in SQL_ASCII, read it in the encoding the text is"
                    + " in: allowEncodingChanges=true on the source's JDBC URL, and SET client_encoding TO 'LATIN1' (say)"
                    + " when a connection opens (camel.beans.<source>.connection-init-sql)", sql.getSQLState(), sql);
        }
        return e;
    }

    /** Counts of one pass and the position of its last row. */
    private static final class Pass {
        long gathered;
        long failed;
        long unchanged;
        long deleted;
        /** Source rows whose key is registered (a full refresh): the registered keys not among them are gone. */
        long matched;
        Watermark last;
    }

    private Registration registration(Request request) throws SQLException {
        if (!request.refresh().keyRegistry()) {
            return Registration.NONE;
        }
        if (registry == null) {
            throw new IllegalStateException("Ferry was started without a key registry");
        }
        registry.begin(request.connector(), request.runId());
        return new Registration(registry, request.connector(), request.runId());
    }

    /**
     * A position to start from: {@code now} is the last row at or before the source's clock minus the
     * settle lag (only later changes are gathered); a cursor value is the last row before it (rows at that
     * value and later are gathered); {@code beginning}, or no row, is null: everything is gathered.
     */
    public Watermark position(String connector, Source source, String spec) throws SQLException {
        if (spec == null || spec.isBlank() || "beginning".equalsIgnoreCase(spec)) {
            return null;
        }
        try (Connection db = source.dataSource().getConnection()) {
            ValueType[] types = describe(db, source);
            String c = source.cursorColumn();
            String k = source.keyColumn();
            Object bound;
            String condition;
            if ("now".equalsIgnoreCase(spec)) {
                bound = upperBound(db, SourceDialect.of(db), types[0], connector, source);
                condition = bound == null ? "" : " WHERE " + c + " <= ?";
            } else {
                try {
                    bound = types[0].parse(spec.trim());
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("startPosition '" + spec + "' is not beginning, now, or a value of "
                            + c + " (" + types[0].javaType().getSimpleName() + ")", e);
                }
                condition = " WHERE " + c + " < ?";
            }
            try (PreparedStatement ps = db.prepareStatement("SELECT " + c + ", " + k + " FROM " + source.relation()
                    + condition + " ORDER BY " + c + " DESC, " + k + " DESC")) {
                ps.setMaxRows(1);
                if (bound != null) {
                    ps.setObject(1, bound);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next()
                            ? new Watermark(rs.getObject(1, types[0].javaType()), rs.getObject(2, types[1].javaType()))
                            : null;
                }
            }
        }
    }

    private static ValueType[] describe(Connection db, Source source) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(source.describeSql());
             ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            ValueType cursor = ValueType.ofJdbcType(meta.getColumnType(1), meta.getColumnTypeName(1));
            ValueType key = ValueType.ofJdbcType(meta.getColumnType(2), meta.getColumnTypeName(2));
            if (cursor == null || cursor == ValueType.UUID) {
                throw new SQLException("Cursor column " + source.cursorColumn() + " has type " + meta.getColumnTypeName(1)
                        + ", which does not order changes; use a timestamp or an increasing number");
            }
            if (key == null) {
                throw new SQLException("Key column " + source.keyColumn() + " has type " + meta.getColumnTypeName(2)
                        + ", which cannot serve as a key; use a number, text or UUID");
            }
            return new ValueType[] {cursor, key};
        }
    }

    /**
     * The database's clock minus the settle lag, frozen for the run; on PostgreSQL, also before the start of any
     * transaction still open ({@link OpenTransactions}). Date-time cursors only: a numeric cursor has no clock to lag
     * behind, and a date cursor gathers complete days only.
     */
    private Object upperBound(Connection db, SourceDialect dialect, ValueType cursorType, String connector, Source source)
            throws SQLException {
        String clock = switch (cursorType) {
            case LOCAL_DATE_TIME -> "LOCALTIMESTAMP";
            case OFFSET_DATE_TIME -> "CURRENT_TIMESTAMP";
            case LOCAL_DATE -> "CURRENT_DATE";
            default -> null;
        };
        if (clock == null) {
            return null;
        }
        Object upper;
        try (PreparedStatement ps = db.prepareStatement(dialect.selectClock(clock)); ResultSet rs = ps.executeQuery()) {
            rs.next();
            upper = switch (cursorType) {
                case LOCAL_DATE_TIME -> rs.getObject(1, LocalDateTime.class).minus(source.settleLag());
                case OFFSET_DATE_TIME -> rs.getObject(1, OffsetDateTime.class).minus(source.settleLag());
                default -> rs.getObject(1, LocalDate.class).minusDays(1);
            };
        }
        if (!source.waitForOpenTransactions() || !dialect.seesOpenTransactions()) {
            return upper;
        }
        Instant horizon = openTransactions.horizon(db, connector, source.openTransactionLimit(),
                dialect.instantOf(db, upper));
        if (horizon == null) {
            return upper;
        }
        // the last value before the horizon: a row stamped at it may be an open transaction's
        Object before = dialect.lastBefore(db, cursorType, horizon);
        @SuppressWarnings({"unchecked", "rawtypes"})
        boolean earlier = ((Comparable) before).compareTo(upper) < 0;
        return earlier ? before : upper;
    }

    /** @param rowValues whether the source compares row values in index order (PostgreSQL) */
    private Pass mainPass(Connection db, Request request, ValueType[] types, Object upper, boolean rowValues,
                          SyncQueue.Writer writer, Registration registration) throws Exception {
        Source source = request.source();
        Watermark from = request.from();
        Pass pass = new Pass();
        try (PreparedStatement ps = db.prepareStatement(source.mainPassSql(from != null, upper != null, rowValues))) {
            ps.setFetchSize(source.fetchSize());
            bindMainPass(ps, from, upper, rowValues);
            try (ResultSet rs = ps.executeQuery()) {
                RowReader rows = new RowReader(rs, source, types);
                long read = 0;
                while (rs.next()) {
                    Row row = rows.read(request, pass);
                    if (row != null) {
                        queue(request, writer, pass, row, false, registration);
                    }
                    pass.last = rows.position;
                    if (++read % STOP_CHECK_EVERY == 0 && request.stopping().getAsBoolean()) {
                        throw new StoppedException();
                    }
                }
            }
        }
        return pass;
    }

    private static void bindMainPass(PreparedStatement ps, Watermark from, Object upper, boolean rowValues) throws SQLException {
        int p = 1;
        if (from != null) {
            ps.setObject(p++, from.cursor());
            if (!rowValues) {
                ps.setObject(p++, from.cursor());
            }
            ps.setObject(p++, from.key());
        }
        if (upper != null) {
            ps.setObject(p, upper);
        }
    }

    /**
     * How many rows a run starting now from {@code from} (null: the beginning) would read in its main pass: those
     * after it up to the source's clock minus the settle lag — what moving a position to {@code from} would gather.
     */
    public long pending(String connector, Source source, Watermark from) throws SQLException {
        try (Connection db = source.dataSource().getConnection()) {
            SourceDialect dialect = SourceDialect.of(db);
            ValueType[] types = describe(db, source);
            Object upper = upperBound(db, dialect, types[0], connector, source);
            boolean rowValues = dialect.comparesRowValues();
            try (PreparedStatement ps = db.prepareStatement(source.mainPassCountSql(from != null, upper != null, rowValues))) {
                bindMainPass(ps, from, upper, rowValues);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        }
    }

    /** Re-reads open failed keys by key; returns how many of them are gone from the source. */
    private long retryPass(Connection db, Request request, ValueType[] types, SyncQueue.Writer writer, Pass pass,
                           Registration registration) throws Exception {
        Source source = request.source();
        Watermark from = request.from();
        long skipped = 0;
        String after = null;
        while (true) {
            List<String> keys = failures.openKeys(request.connector(), after, RETRY_CHUNK);
            if (keys.isEmpty()) {
                return skipped;
            }
            after = keys.get(keys.size() - 1);
            Set<String> found = new HashSet<>();
            try (PreparedStatement ps = db.prepareStatement(source.retryPassSql(keys.size()))) {
                ps.setObject(1, from.cursor());
                ps.setObject(2, from.cursor());
                ps.setObject(3, from.key());
                for (int i = 0; i < keys.size(); i++) {
                    ps.setObject(4 + i, types[1].parse(keys.get(i)));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    RowReader rows = new RowReader(rs, source, types, Source.SETTLED);
                    int settled = rs.findColumn(Source.SETTLED);
                    while (rs.next()) {
                        found.add(rows.key(rs));
                        // Rows after the watermark are this run's main pass's (or, past the upper bound, the next run's).
                        if (rs.getInt(settled) == 1) {
                            Row row = rows.read(request, pass);
                            if (row != null) {
                                queue(request, writer, pass, row, true, registration);
                            }
                        }
                    }
                }
            }
            List<String> gone = new ArrayList<>();
            for (String key : keys) {
                if (!found.contains(key)) {
                    gone.add(key);
                }
            }
            skipped += gone(request, types, writer, pass, gone, registration);
            if (request.stopping().getAsBoolean()) {
                throw new StoppedException();
            }
        }
    }

    /** Reads the cursor, key and JSON of each row of one result set and queues it. */
    private final class RowReader {
        private final ResultSet rs;
        private final RowEncoder encoder;
        private final int cursorIndex;
        private final int keyIndex;
        private final ValueType[] types;
        private final String cursorColumn;
        private final String keyColumn;
        private final int deleteIndex;
        Watermark position;

        RowReader(ResultSet rs, Source source, ValueType[] types, String... skip) throws SQLException {
            this.rs = rs;
            this.encoder = new RowEncoder(rs.getMetaData(), skip);
            this.cursorColumn = source.cursorColumn();
            this.keyColumn = source.keyColumn();
            this.cursorIndex = rs.findColumn(unquoted(cursorColumn));
            this.keyIndex = rs.findColumn(unquoted(keyColumn));
            this.deleteIndex = source.deleteColumn() == null ? 0 : rs.findColumn(unquoted(source.deleteColumn()));
            this.types = types;
        }

        String key(ResultSet current) throws SQLException {
            return types[1].format(current.getObject(keyIndex, types[1].javaType()));
        }

        /**
         * Reads the current row: its record, or null when it cannot be carried as JSON (then it is in the failure
         * ledger, counted gathered and failed).
         */
        Row read(Request request, Pass pass) throws Exception {
            Object cursor = rs.getObject(cursorIndex, types[0].javaType());
            Object keyValue = rs.getObject(keyIndex, types[1].javaType());
            if (cursor == null || keyValue == null) {
                throw new SQLException("A row has a NULL " + (cursor == null ? "cursor column " + cursorColumn
                        : "key column " + keyColumn) + (keyValue == null ? "" : " (key " + keyValue + ")")
                        + "; Ferry cannot order it. Make the column NOT NULL or filter such rows out in the query");
            }
            position = new Watermark(cursor, keyValue);
            String key = types[1].format(keyValue);
            String version = types[0].format(cursor);
            String json;
            try {
                // The cursor and key are already read: the encoder writes them without parsing them again.
                json = encoder.encode(rs, cursorIndex, cursor, version, keyIndex, keyValue, key);
                long size = utf8Length(json, maxRecordBytes);
                if (size > maxRecordBytes) {
                    throw new RowEncoder.EncodingException("the record is " + megabytes(size) + " as JSON, more than the "
                            + megabytes(maxRecordBytes) + " a record may have (ferry.gather.max-record-size)");
                }
            } catch (RowEncoder.EncodingException e) {
                String error = "Cannot carry the record as JSON: " + e.getMessage();
                if (request.preview()) {
                    failures.recordInRun(request.connector(), key, version, request.runId(), null, error);
                } else {
                    failures.record(request.connector(), key, version, request.runId(), null, error, request.maxAttempts());
                }
                pass.gathered++;
                pass.failed++;
                return null;
            }
            return new Row(key, version, deleted() ? QueuedRecord.Operation.DELETE : QueuedRecord.Operation.UPSERT, json);
        }

        /** A soft-deleted row: its delete column holds true (boolean) or any value (other types). */
        private boolean deleted() throws SQLException {
            if (deleteIndex == 0) {
                return false;
            }
            Object value = rs.getObject(deleteIndex);
            return value instanceof Boolean b ? b : value != null;
        }
    }

    /** One row read for delivery. */
    private record Row(String key, String version, QueuedRecord.Operation operation, String json) {
    }

    /**
     * Queues a record and stages it in the key registry if the connector keeps one.
     *
     * @param alone a record that failed before: in a message of its own, so that it cannot fail a batch again
     */
    private void queue(Request request, SyncQueue.Writer writer, Pass pass, Row row, boolean alone,
                       Registration registration) throws Exception {
        queue(request, writer, pass, row, alone, registration, null);
    }

    /** ... with the record's content hash when it is already computed (null: computed here if the registry needs it). */
    private void queue(Request request, SyncQueue.Writer writer, Pass pass, Row row, boolean alone,
                       Registration registration, Long hash) throws Exception {
        QueuedRecord record = new QueuedRecord(request.connector(), request.runId(), row.key(), row.version(),
                row.operation(), request.ledgerCheck(), row.json());
        if (alone) {
            writer.sendAlone(record);
        } else {
            writer.send(record);
        }
        pass.gathered++;
        if (row.operation() == QueuedRecord.Operation.DELETE) {
            pass.deleted++;
        }
        registration.queued(row, hash);
    }

    /**
     * A full refresh: every row of the source, unordered (nothing to resume from: a failed refresh is repeated whole),
     * in chunks compared with the key registry. A row is queued when its key is not registered, its content hash
     * differs from the registered one, or its last delivery failed; a soft-deleted row only when its key is
     * registered. Then the registered keys the source no longer has are queued as deletes, within the delete limit.
     */
    private Pass fullPass(Connection db, Request request, ValueType[] types, SyncQueue.Writer writer,
                          Registration registration) throws Exception {
        Source source = request.source();
        Pass pass = new Pass();
        long registered = registry.count(request.connector());
        List<Row> chunk = new ArrayList<>(KeyRegistry.CHUNK);
        try (PreparedStatement ps = db.prepareStatement(source.fullPassSql())) {
            ps.setFetchSize(source.fetchSize());
            try (ResultSet rs = ps.executeQuery()) {
                RowReader rows = new RowReader(rs, source, types);
                while (rs.next()) {
                    Row row = rows.read(request, pass);
                    if (row != null) {
                        chunk.add(row);
                    }
                    if (chunk.size() == KeyRegistry.CHUNK) {
                        compare(request, writer, pass, chunk, registration);
                        if (request.stopping().getAsBoolean()) {
                            throw new StoppedException();
                        }
                    }
                }
                compare(request, writer, pass, chunk, registration);
            }
        }
        long gone = Math.max(0, registered - pass.matched);
        if (gone > 0) {
            requireWithinDeleteLimit(request, gone, registered);
            deletePass(db, request, types, writer, pass, registration);
        }
        return pass;
    }

    private void compare(Request request, SyncQueue.Writer writer, Pass pass, List<Row> chunk, Registration registration)
            throws Exception {
        if (chunk.isEmpty()) {
            return;
        }
        List<String> keys = new ArrayList<>(chunk.size());
        for (Row row : chunk) {
            keys.add(row.key());
        }
        Map<String, Long> known = registry.hashes(request.connector(), keys);
        Set<String> failed = request.ledgerCheck() ? failures.openAmong(request.connector(), keys) : Set.of();
        for (Row row : chunk) {
            Long hash = known.get(row.key());
            if (hash != null) {
                pass.matched++;
            }
            boolean retry = failed.contains(row.key());
            boolean upsert = row.operation() == QueuedRecord.Operation.UPSERT;
            // hashed once: compared here, staged when queued
            Long content = upsert ? registration.hash(row) : null;
            boolean send = upsert ? hash == null || retry || !hash.equals(content) : hash != null || retry;
            if (send) {
                queue(request, writer, pass, row, retry, registration, content);
            } else {
                pass.unchanged++;
            }
        }
        chunk.clear();
    }

    private static void requireWithinDeleteLimit(Request request, long gone, long registered)
            throws DeleteLimitException {
        int limit = request.refresh().deleteLimit();
        if (gone * 100 <= registered * limit || request.confirmedDeletes() >= gone) {
            return;
        }
        throw new DeleteLimitException(String.format(Locale.ROOT, "The full refresh would delete %,d of the %,d"
                        + " registered keys (%.1f %%), more than deleteLimit (%d %%); nothing was deleted. An empty or"
                        + " truncated source is an outage more often than a mass deletion: check it. If the rows are"
                        + " really gone, confirm: POST /api/connectors/%s/runs {\"refresh\": \"FULL\","
                        + " \"confirmDeletes\": %d}", gone, registered, gone * 100.0 / registered, limit,
                request.connector(), gone));
    }

    /** Queues a delete for each registered key (not queued by this run) whose row the source no longer has. */
    private void deletePass(Connection db, Request request, ValueType[] types, SyncQueue.Writer writer, Pass pass,
                            Registration registration) throws Exception {
        String after = null;
        while (true) {
            List<String> keys = registry.registeredKeys(request.connector(), request.runId(), after, KeyRegistry.CHUNK);
            if (keys.isEmpty()) {
                return;
            }
            after = keys.get(keys.size() - 1);
            for (String key : missing(db, request.source(), types, keys)) {
                queue(request, writer, pass, deleteRow(request, types, key), false, registration);
            }
            if (request.stopping().getAsBoolean()) {
                throw new StoppedException();
            }
        }
    }

    /**
     * Failed keys gone from the source: a registered one is queued as a delete (the target has a version of it), any
     * other is resolved, there being nothing to deliver. Returns how many were resolved.
     */
    private long gone(Request request, ValueType[] types, SyncQueue.Writer writer, Pass pass, List<String> gone,
                      Registration registration) throws Exception {
        if (gone.isEmpty()) {
            return 0;
        }
        Set<String> registered = registration == Registration.NONE ? Set.of()
                : registry.hashes(request.connector(), gone).keySet();
        List<String> resolved = new ArrayList<>();
        for (String key : gone) {
            if (registered.contains(key)) {
                queue(request, writer, pass, deleteRow(request, types, key), true, registration);
            } else {
                resolved.add(key);
            }
        }
        if (!resolved.isEmpty()) {
            failures.resolveGone(request.connector(), resolved);
        }
        return resolved.size();
    }

    /** After a full refresh: open failed keys the source no longer has (registered ones got their delete). */
    private long goneFailures(Connection db, Request request, ValueType[] types) throws Exception {
        long resolved = 0;
        String after = null;
        while (true) {
            List<String> keys = failures.openKeys(request.connector(), after, RETRY_CHUNK);
            if (keys.isEmpty()) {
                return resolved;
            }
            after = keys.get(keys.size() - 1);
            List<String> gone = missing(db, request.source(), types, keys);
            if (!gone.isEmpty()) {
                Set<String> registered = registry.hashes(request.connector(), gone).keySet();
                List<String> unregistered = new ArrayList<>();
                for (String key : gone) {
                    if (!registered.contains(key)) {
                        unregistered.add(key);
                    }
                }
                failures.resolveGone(request.connector(), unregistered);
                resolved += unregistered.size();
            }
        }
    }

    /** Those of {@code keys} that have no row at the source. */
    private static List<String> missing(Connection db, Source source, ValueType[] types, List<String> keys)
            throws SQLException {
        Set<String> found = new HashSet<>();
        try (PreparedStatement ps = db.prepareStatement(source.keysSql(keys.size()))) {
            for (int i = 0; i < keys.size(); i++) {
                ps.setObject(1 + i, types[1].parse(keys.get(i)));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(types[1].format(rs.getObject(1, types[1].javaType())));
                }
            }
        }
        List<String> missing = new ArrayList<>();
        for (String key : keys) {
            if (!found.contains(key)) {
                missing.add(key);
            }
        }
        return missing;
    }

    /** A hard delete: the key alone, under the key column's name; its version names the run that found it gone. */
    private static Row deleteRow(Request request, ValueType[] types, String key) {
        Object value = types[1].parse(key);
        String json = RowEncoder.keyOnly(unquoted(request.source().keyColumn()).toLowerCase(Locale.ROOT), value);
        return new Row(key, DELETED_VERSION + request.runId(), QueuedRecord.Operation.DELETE, json);
    }

    /**
     * What a run stages in the key registry: each queued key with its content hash (a delete without), written a
     * chunk at a time; the run's submit promotes them ({@link KeyRegistry#promote}).
     */
    private static class Registration {
        static final Registration NONE = new Registration(null, null, 0);

        private final KeyRegistry registry;
        private final String connector;
        private final long runId;
        private final List<KeyRegistry.Staged> staged = new ArrayList<>();
        private final MessageDigest sha256;

        Registration(KeyRegistry registry, String connector, long runId) {
            this.registry = registry;
            this.connector = connector;
            this.runId = runId;
            try {
                this.sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java has SHA-256", e);
            }
        }

        /** The first 64 bits of the SHA-256 of the record's JSON: what the registry compares. */
        long hash(Row row) {
            byte[] digest = sha256.digest(row.json().getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        }

        /** @param hash the record's content hash if already computed, else null */
        void queued(Row row, Long hash) throws SQLException {
            if (registry == null) {
                return;
            }
            staged.add(new KeyRegistry.Staged(row.key(), row.operation() == QueuedRecord.Operation.DELETE ? null
                    : hash != null ? hash : hash(row)));
            if (staged.size() >= KeyRegistry.CHUNK) {
                flush();
            }
        }

        void flush() throws SQLException {
            if (registry != null && !staged.isEmpty()) {
                registry.stage(connector, runId, staged);
                staged.clear();
            }
        }
    }

    /** The UTF-8 length of {@code text}, counted exactly only when it may be above {@code limit}. */
    static long utf8Length(String text, long limit) {
        if ((long) text.length() * 3 <= limit) {
            return text.length();
        }
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1_048_576.0);
    }

    private static String unquoted(String identifier) {
        String last = identifier.substring(identifier.lastIndexOf('.') + 1);
        return last.startsWith("\"") ? last.substring(1, last.length() - 1) : last;
    }
}
