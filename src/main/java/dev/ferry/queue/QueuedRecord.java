package dev.ferry.queue;

/**
 * A gathered record on its way to the sync queue: the row as JSON plus what delivery needs to know
 * about it, carried as message properties (see {@link RecordHeaders}).
 *
 * <p>Its idempotency key is derived when it is queued: per record, or per batch (see {@link RecordHeaders}).
 *
 * @param ledgerCheck whether a successful delivery must resolve a failure-ledger entry of this key
 */
public record QueuedRecord(
        String connector,
        long runId,
        String key,
        String version,
        Operation operation,
        boolean ledgerCheck,
        String json) {

    public enum Operation {
        UPSERT, DELETE
    }
}
