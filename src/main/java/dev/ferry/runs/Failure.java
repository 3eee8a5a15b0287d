package dev.ferry.runs;

import java.time.Instant;

/** One entry of the failure ledger: the last failed delivery of a record. */
public record Failure(
        String connector,
        String recordKey,
        Status status,
        int attempts,
        Instant firstFailedAt,
        Instant lastFailedAt,
        Instant resolvedAt,
        String recordVersion,
        Integer httpStatus,
        String lastError,
        long runId) {

    public enum Status {
        /** Gathered again by the next run. */
        OPEN,
        /** Failed too often: kept and visible, not retried until an operator re-queues it. */
        PARKED,
        /** Delivered since, or gone from the source. */
        RESOLVED
    }
}
