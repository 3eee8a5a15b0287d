package dev.ferry.gather;

/**
 * What a connector's runs read, and what it remembers for full refreshes.
 *
 * @param scheduled   what a scheduled run reads: {@link Kind#INCREMENTAL} (the changes after the watermark) or
 *                    {@link Kind#FULL} (every row); an operator can start either
 * @param keyRegistry whether the connector keeps the key registry ({@link dev.ferry.runs.KeyRegistry}) that a full
 *                    refresh compares with; always for a connector whose scheduled runs are full
 * @param deleteLimit the share of the registered keys, in percent, that one full refresh may deliver as deletes;
 *                    above it the run fails and deletes nothing unless an operator confirms the number
 */
public record Refresh(Kind scheduled, boolean keyRegistry, int deleteLimit) {

    /** What one run reads. */
    public enum Kind {
        /** The rows changed after the watermark, and the failed ones. */
        INCREMENTAL,
        /** Every row: only those new or changed since they were last queued are delivered, and gone keys as deletes. */
        FULL
    }

    /** The default of {@code deleteLimit}. */
    public static final int DEFAULT_DELETE_LIMIT = 10;

    /** Incremental runs and no registry: a connector that has never heard of full refreshes. */
    public static final Refresh INCREMENTAL = new Refresh(Kind.INCREMENTAL, false, DEFAULT_DELETE_LIMIT);

    public Refresh {
        if (scheduled == null) {
            scheduled = Kind.INCREMENTAL;
        }
        keyRegistry |= scheduled == Kind.FULL;
        if (deleteLimit < 0 || deleteLimit > 100) {
            throw new IllegalArgumentException("deleteLimit is a percentage of the registered keys, 0 to 100, was "
                    + deleteLimit);
        }
    }
}
