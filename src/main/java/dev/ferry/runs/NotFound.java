package dev.ferry.runs;

/** An operator's request names a connector, run or record that does not exist. */
public final class NotFound extends Exception {

    public NotFound(String message) {
        super(message);
    }
}
