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
import java.time.Clock;
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
 * does not grow with the number of rows. A full refresh reads every row instead and compares it with the key
 * registry. A connector whose source is an HTTP API is gathered by {@link ApiGatherer}; what a run queues, and
 * counts, is kept by {@link RunRecords} either way.
 */
public final class Gatherer {

    /**
     * What to gather for one run.
     *
     * @param preview a preview run: a record that cannot be queued is kept with the run only, and reaches the
     *                failure ledger when the preview is submitted (a preview that is deleted leaves no trace there)
     */
    public record Request(String connector, long runId, RecordSource source, Watermark from, boolean ledgerCheck,
                          int maxAttempts, BooleanSupplier stopping, boolean preview, Refresh refresh,
                          Refresh.Kind kind, long confirmedDeletes) {

        public Request(String connector, long runId, RecordSource source, Watermark from, boolean ledgerCheck,
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
    private static final int STOP_CHECK_EVERY = 500;

    /** What {@link #pending} answers for an API source: it cannot count without reading every page. */
    public static final long UNCOUNTED = -1;

    /** The default of {@code ferry.gather.max-record-size}. */
    public static final long DEFAULT_MAX_RECORD_BYTES = 10L << 20;

    private final FailureLedger failures;
    private final long maxRecordBytes;
    private final OpenTransactions openTransactions;
    private final KeyRegistry registry;
    private final ApiGatherer api;

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
        this.api = new ApiGatherer(failures, registry, maxRecordBytes, Clock.systemUTC());
    }

    /** The table or query of a request whose source is a database. */
    private static Source table(Request request) {
        return (Source) request.source();
    }

    public Result gather(Request request, SyncQueue.Writer writer) throws Exception {
        if (request.source() instanceof ApiSource apiSource) {
            return api.gather(request, apiSource, new RunRecords(request, writer, failures, registry));
        }
        Source source = table(request);
        try (Connection db = source.dataSource().getConnection()) {
            // PostgreSQL streams with a fetch size only inside a transaction; H2 only in lazy mode.
            db.setAutoCommit(false);
            SourceDialect dialect = SourceDialect.of(db);
            dialect.streamRows(db, true);
            try {
                ValueType[] types = describe(db, source);
                RunRecords run = new RunRecords(request, writer, failures, registry);
                if (request.full()) {
                    fullPass(db, request, types, run);
                    long skipped = run.failed == 0 && !request.ledgerCheck() ? 0 : goneFailures(db, request, types, run);
                    run.commit();
                    db.commit();
                    return new Result(run.gathered, run.failed, skipped, request.from(), run.unchanged, run.deleted);
                }
                Object upper = upperBound(db, dialect, types[0], request.connector(), source);
                mainPass(db, request, types, upper, dialect.comparesRowValues(), run);
                long skipped = request.from() == null ? 0 : retryPass(db, request, types, run);
                run.commit();
                db.commit();
                return new Result(run.gathered, run.failed, skipped, run.last != null ? run.last : request.from(),
                        0, run.deleted);
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

    /**
     * A position to start from: {@code now} is the last row at or before the source's clock minus the
     * settle lag (only later changes are gathered); a cursor value is the last row before it (rows at that
     * value and later are gathered); {@code beginning}, or no row, is null: everything is gathered.
     */
    public Watermark position(String connector, RecordSource recordSource, String spec) throws SQLException {
        if (spec == null || spec.isBlank() || "beginning".equalsIgnoreCase(spec)) {
            return null;
        }
        if (recordSource instanceof ApiSource) {
            return ApiGatherer.position(spec);
        }
        Source source = (Source) recordSource;
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
    private void mainPass(Connection db, Request request, ValueType[] types, Object upper, boolean rowValues,
                          RunRecords run) throws Exception {
        Source source = table(request);
        Watermark from = request.from();
        try (PreparedStatement ps = db.prepareStatement(source.mainPassSql(from != null, upper != null, rowValues))) {
            ps.setFetchSize(source.fetchSize());
            bindMainPass(ps, from, upper, rowValues);
            try (ResultSet rs = ps.executeQuery()) {
                RowReader rows = new RowReader(rs, source, types);
                long read = 0;
                while (rs.next()) {
                    RunRecords.Row row = rows.read(run);
                    if (row != null) {
                        run.queue(row, false);
                    }
                    run.last = rows.position;
                    if (++read % STOP_CHECK_EVERY == 0 && request.stopping().getAsBoolean()) {
                        throw new StoppedException();
                    }
                }
            }
        }
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
    public long pending(String connector, RecordSource recordSource, Watermark from) throws SQLException {
        if (!(recordSource instanceof Source source)) {
            return UNCOUNTED;
        }
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
    private long retryPass(Connection db, Request request, ValueType[] types, RunRecords run) throws Exception {
        Source source = table(request);
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
                            RunRecords.Row row = rows.read(run);
                            if (row != null) {
                                run.queue(row, true);
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
            skipped += gone(request, types, run, gone);
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
        RunRecords.Row read(RunRecords run) throws Exception {
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
                run.cannotCarry(key, version, "Cannot carry the record as JSON: " + e.getMessage());
                return null;
            }
            return new RunRecords.Row(key, version, deleted() ? QueuedRecord.Operation.DELETE : QueuedRecord.Operation.UPSERT, json);
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

    /**
     * A full refresh: every row of the source, unordered (nothing to resume from: a failed refresh is repeated whole),
     * in chunks compared with the key registry. A row is queued when its key is not registered, its content hash
     * differs from the registered one, or its last delivery failed; a soft-deleted row only when its key is
     * registered. Then the registered keys the source no longer has are queued as deletes, within the delete limit.
     */
    private void fullPass(Connection db, Request request, ValueType[] types, RunRecords run) throws Exception {
        Source source = table(request);
        long registered = run.registeredCount();
        List<RunRecords.Row> chunk = new ArrayList<>(KeyRegistry.CHUNK);
        try (PreparedStatement ps = db.prepareStatement(source.fullPassSql())) {
            ps.setFetchSize(source.fetchSize());
            try (ResultSet rs = ps.executeQuery()) {
                RowReader rows = new RowReader(rs, source, types);
                while (rs.next()) {
                    RunRecords.Row row = rows.read(run);
                    if (row != null) {
                        chunk.add(row);
                    }
                    if (chunk.size() == KeyRegistry.CHUNK) {
                        run.compare(chunk, false);
                        if (request.stopping().getAsBoolean()) {
                            throw new StoppedException();
                        }
                    }
                }
                run.compare(chunk, false);
            }
        }
        long gone = Math.max(0, registered - run.matched);
        if (gone > 0) {
            run.requireWithinDeleteLimit(gone, registered);
            deletePass(db, request, types, run);
        }
    }

    /** Queues a delete for each registered key (not queued by this run) whose row the source no longer has. */
    private void deletePass(Connection db, Request request, ValueType[] types, RunRecords run) throws Exception {
        run.forEachUnstaged(keys -> {
            for (String key : missing(db, table(request), types, keys)) {
                run.queue(deleteRow(request, types, key, run), false);
            }
        });
    }

    /**
     * Failed keys gone from the source: a registered one is queued as a delete (the target has a version of it), any
     * other is resolved, there being nothing to deliver. Returns how many were resolved.
     */
    private long gone(Request request, ValueType[] types, RunRecords run, List<String> gone) throws Exception {
        if (gone.isEmpty()) {
            return 0;
        }
        Set<String> registered = run.registered(gone);
        List<String> resolved = new ArrayList<>();
        for (String key : gone) {
            if (registered.contains(key)) {
                run.queue(deleteRow(request, types, key, run), true);
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
    private long goneFailures(Connection db, Request request, ValueType[] types, RunRecords run) throws Exception {
        long resolved = 0;
        String after = null;
        while (true) {
            List<String> keys = failures.openKeys(request.connector(), after, RETRY_CHUNK);
            if (keys.isEmpty()) {
                return resolved;
            }
            after = keys.get(keys.size() - 1);
            List<String> gone = missing(db, table(request), types, keys);
            if (!gone.isEmpty()) {
                Set<String> registered = run.registered(gone);
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
    private static RunRecords.Row deleteRow(Request request, ValueType[] types, String key, RunRecords run) {
        return run.deleteRow(unquoted(table(request).keyColumn()).toLowerCase(Locale.ROOT), key, types[1].parse(key));
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
