package dev.ferry.runs;

/** Life of a run, as SPEC.md defines it. */
public enum RunStatus {
    /** Registered, not started. */
    CREATED,
    /** Gathering and enqueueing. */
    PROCESSING,
    /** Everything gathered is in the sync queue; delivery is finishing. */
    SUBMITTED,
    /** Records gathered and staged, nothing delivered; waits for an operator to submit or delete it. */
    PREVIEW,
    /** Every record delivered. */
    COMPLETED,
    /** Finished, some records failed: the next run retries them. */
    INCOMPLETE,
    /** The run itself broke; the watermark did not move. */
    FAILED,
    /** A preview that an operator deleted: nothing was delivered and the watermark did not move. */
    DELETED;

    public boolean isFinal() {
        return this == COMPLETED || this == INCOMPLETE || this == FAILED || this == DELETED;
    }
}
