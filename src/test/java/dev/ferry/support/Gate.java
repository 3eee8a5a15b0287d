package dev.ferry.support;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds a gather inside the source database until a test opens it: an H2 function
 * ({@code CREATE ALIAS FERRY_GATE FOR "dev.ferry.support.Gate.pass"}) that a view calls for each row.
 */
public final class Gate {

    private static volatile CountDownLatch latch = new CountDownLatch(0);
    private static volatile CountDownLatch reached = new CountDownLatch(1);

    private Gate() {
    }

    /** From now on, rows wait at the gate. */
    public static void close() {
        latch = new CountDownLatch(1);
        reached = new CountDownLatch(1);
    }

    public static void open() {
        latch.countDown();
    }

    /** Waits until a row is held at the gate. */
    public static boolean awaitReached(long seconds) throws InterruptedException {
        return reached.await(seconds, TimeUnit.SECONDS);
    }

    /** Called by H2 for every row: waits while the gate is closed (at most a minute, then lets it through). */
    public static boolean pass() throws InterruptedException {
        reached.countDown();
        latch.await(60, TimeUnit.SECONDS);
        return true;
    }
}
