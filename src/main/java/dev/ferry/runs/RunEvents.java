package dev.ferry.runs;

/**
 * What happens to runs and their records, as it happens: for metrics. Called on the threads that gather and
 * deliver, so an implementation only counts.
 */
public interface RunEvents {

    /** Does nothing: no metrics. */
    RunEvents NONE = new RunEvents() {
    };

    /** A run read {@code records} records from its connector's source. */
    default void gathered(String connector, long records) {
    }

    /** {@code records} records of the connector were delivered to its target. */
    default void delivered(String connector, long records) {
    }

    /** {@code records} records of the connector failed and went to the failure ledger. */
    default void failed(String connector, long records) {
    }

    /** A run reached a final status. */
    default void ended(Run run) {
    }
}
