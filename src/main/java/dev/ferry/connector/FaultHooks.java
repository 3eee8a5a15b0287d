package dev.ferry.connector;

/**
 * Points in a run where a test injects a fault — a crash is an exception thrown there — to prove that
 * nothing is lost whatever moment a run dies. Bound as {@code ferryFaultHooks}; production binds none.
 */
public interface FaultHooks {

    /** Registry name a test binds its hooks under. */
    String BEAN = "ferryFaultHooks";

    FaultHooks NONE = new FaultHooks() {
    };

    /** Camel runs and the connector files are about to be loaded; Ferry is not ready until they are. */
    default void beforeConnectorsLoad() {
    }

    /** Ferry is ready; the routes of the connectors that start after it are about to start, in the background. */
    default void beforeWaitingConnectorsStart() {
    }

    /** After a sync-queue transaction committed; {@code committed} records of the run are now queued. */
    default void afterQueueCommit(String connector, long runId, long committed) {
    }

    /** Every record is queued; the watermark and the run's SUBMITTED status are about to be committed. */
    default void beforeWatermarkCommit(String connector, long runId) {
    }

    /** The watermark and the run's SUBMITTED status are committed; no tracker watches the run yet. */
    default void afterWatermarkCommit(String connector, long runId) {
    }
}
