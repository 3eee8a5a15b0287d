package dev.ferry.queue;

/**
 * Message properties of a queued record. Camel JMS turns them into exchange headers of the same
 * name, so that deliver routes and the {@code ferry:delivered} / {@code ferry:failed} steps read them.
 *
 * <p>A <b>batch</b> message (a connector with {@code batchSize} above 1) carries several records: its
 * body is a JSON array of them, {@link #RECORD_COUNT} says how many, and the per-record values are
 * JSON arrays in the same order ({@link #RECORD_KEYS}, {@link #RECORD_VERSIONS},
 * {@link #IDEMPOTENCY_KEYS}, {@link #OPERATIONS}). Its {@link #IDEMPOTENCY_KEY} stands for the whole
 * batch, and {@link #LEDGER_CHECK} is true when it is for any of its records.
 */
public final class RecordHeaders {

    /** Connector id. */
    public static final String CONNECTOR = "FerryConnector";
    /** Id of the run that gathered the record. */
    public static final String RUN_ID = "FerryRunId";
    /** The record's key at the source, as text. */
    public static final String RECORD_KEY = "FerryRecordKey";
    /** The record's version: its cursor value at the source, as text. */
    public static final String RECORD_VERSION = "FerryRecordVersion";
    /** Stable for one version of one record of one connector; send it as the target's Idempotency-Key. */
    public static final String IDEMPOTENCY_KEY = "FerryIdempotencyKey";
    /** {@code UPSERT} or {@code DELETE}. */
    public static final String OPERATION = "FerryOperation";
    /** True when a successful delivery may resolve a failure-ledger entry. */
    public static final String LEDGER_CHECK = "FerryLedgerCheck";
    /** Records in the message: absent or 1 for a single record, more for a batch. */
    public static final String RECORD_COUNT = "FerryRecordCount";
    /** A batch's record keys, as a JSON array of strings. */
    public static final String RECORD_KEYS = "FerryRecordKeys";
    /** A batch's record versions, as a JSON array of strings. */
    public static final String RECORD_VERSIONS = "FerryRecordVersions";
    /** A batch's per-record idempotency keys, as a JSON array of strings. */
    public static final String IDEMPOTENCY_KEYS = "FerryIdempotencyKeys";
    /** A batch's per-record operations ({@code UPSERT}, {@code DELETE}), as a JSON array of strings; absent when all are UPSERT. */
    public static final String OPERATIONS = "FerryOperations";
    /** Records of one key go to one consumer at a time, in order: an old version never overtakes a new one. */
    public static final String GROUP_ID = "JMSXGroupID";

    private RecordHeaders() {
    }
}
