package dev.ferry.runs;

/**
 * An operator's request that the current state does not allow — a run already processing, a preview
 * awaiting review, a run in the wrong status. The message says what is in the way and what to do.
 */
public final class Conflict extends Exception {

    public Conflict(String message) {
        super(message);
    }
}
