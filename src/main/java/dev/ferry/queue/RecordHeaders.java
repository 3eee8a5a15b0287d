package dev.ferry.queue;

/**
 * Message properties of a queued record. Camel JMS turns them into exchange headers of the same
 * name, so that deliver routes and the {@code ferry:delivered} / {@code ferry:failed} steps read them.
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
    /** Records of one key go to one consumer at a time, in order: an old version never overtakes a new one. */
    public static final String GROUP_ID = "JMSXGroupID";

    private RecordHeaders() {
    }
}
