package dev.ferry.queue;

import org.apache.camel.spi.Metadata;

/**
 * Message properties of a queued record. {@code ferry:queue} (and camel-jms) turns them into exchange headers of
 * the same name, so that deliver routes and the {@code ferry:delivered} / {@code ferry:failed} steps read them.
 *
 * <p>A <b>batch</b> message (a connector with {@code batchSize} above 1) carries several records: its
 * body is a JSON array of them, {@link #RECORD_COUNT} says how many, and the per-record values are
 * JSON arrays in the same order ({@link #RECORD_KEYS}, {@link #RECORD_VERSIONS},
 * {@link #IDEMPOTENCY_KEYS}, {@link #OPERATIONS}). Its {@link #IDEMPOTENCY_KEY} stands for the whole
 * batch, and {@link #LEDGER_CHECK} is true when it is for any of its records.
 *
 * <p>A <b>packed</b> message carries single records the same way, plus {@link #RECORD_LENGTHS} and no batch
 * idempotency key: {@code ferry:queue} delivers each of its records as an exchange with the headers of a
 * single-record message.
 */
public final class RecordHeaders {

    @Metadata(description = "Connector id.", javaType = "String")
    public static final String CONNECTOR = "FerryConnector";
    @Metadata(description = "Id of the run that gathered the record.", javaType = "long")
    public static final String RUN_ID = "FerryRunId";
    @Metadata(description = "The record's key at the source, as text.", javaType = "String")
    public static final String RECORD_KEY = "FerryRecordKey";
    @Metadata(description = "The record's version: its cursor value at the source, as text.", javaType = "String")
    public static final String RECORD_VERSION = "FerryRecordVersion";
    @Metadata(description = "Stable for one version of one record of one connector; send it as the target's"
            + " Idempotency-Key.", javaType = "String")
    public static final String IDEMPOTENCY_KEY = "FerryIdempotencyKey";
    @Metadata(description = "UPSERT or DELETE.", javaType = "String")
    public static final String OPERATION = "FerryOperation";
    @Metadata(description = "True when a successful delivery may resolve a failure-ledger entry.", javaType = "boolean")
    public static final String LEDGER_CHECK = "FerryLedgerCheck";
    @Metadata(description = "Records in the message: absent or 1 for a single record, more for a"
            + " batch.", javaType = "int")
    public static final String RECORD_COUNT = "FerryRecordCount";
    @Metadata(description = "A batch's record keys, as a JSON array of strings.", javaType = "String")
    public static final String RECORD_KEYS = "FerryRecordKeys";
    @Metadata(description = "A batch's record versions, as a JSON array of strings.", javaType = "String")
    public static final String RECORD_VERSIONS = "FerryRecordVersions";
    @Metadata(description = "A batch's per-record idempotency keys, as a JSON array of strings.", javaType = "String")
    public static final String IDEMPOTENCY_KEYS = "FerryIdempotencyKeys";
    @Metadata(description = "A batch's per-record operations (UPSERT, DELETE), as a JSON array of strings;"
            + " absent when all are UPSERT.", javaType = "String")
    public static final String OPERATIONS = "FerryOperations";
    @Metadata(description = "A message of single records packed together on the queue (a connector with batchSize 1"
            + " that ferry:queue delivers): the length of each record's JSON in the body's array, comma-separated."
            + " ferry:queue delivers each record as an exchange of its own, with the single-record headers; it is"
            + " never a header of an exchange.", javaType = "String")
    public static final String RECORD_LENGTHS = "FerryRecordLengths";
    @Metadata(description = "Records of one key go to one consumer at a time, in order: an old version never"
            + " overtakes a new one.", javaType = "String")
    public static final String GROUP_ID = "JMSXGroupID";

    private RecordHeaders() {
    }
}
