package dev.ferry;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A start-up step that runs on a thread of its own while the wiring goes on: the embedded broker opens its journal
 * and the demo seeds its databases while Flyway checks the state database, instead of one after the other.
 *
 * @param <T> what the step makes (a started service, an open pool)
 */
final class SideBySide<T> {

    private static final Logger LOG = LoggerFactory.getLogger(SideBySide.class);

    /** What undoes a step's result when the start-up fails before the result is taken. */
    interface Undo<T> {
        void undo(T result) throws Exception;
    }

    private final String name;
    private final FutureTask<T> task;
    private final Undo<T> undo;
    private volatile boolean taken;

    private SideBySide(String name, Callable<T> step, Undo<T> undo) {
        this.name = name;
        this.task = new FutureTask<>(step);
        this.undo = undo;
    }

    static <T> SideBySide<T> start(String name, Callable<T> step, Undo<T> undo) {
        SideBySide<T> side = new SideBySide<>(name, step, undo);
        Thread thread = new Thread(side.task, "ferry-start-" + name);
        thread.setDaemon(true);
        thread.start();
        return side;
    }

    /** Waits for the step and takes its result (from then on the caller closes it); throws what the step threw. */
    T take() throws Exception {
        try {
            T result = task.get();
            taken = true;
            return result;
        } catch (ExecutionException e) {
            taken = true; // nothing to undo
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /** The start-up failed elsewhere: waits for the step and undoes what it made, unless it was taken. */
    void discardUnlessTaken() {
        if (taken) {
            return;
        }
        try {
            undo.undo(take());
        } catch (Exception | Error e) {
            LOG.debug("Start-up step {} left behind after a failed start-up", name, e);
        }
    }
}
