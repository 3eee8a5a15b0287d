package dev.ferry.support;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.ferry.connector.FaultHooks;

/**
 * Holds a run in the middle until a test opens the gate: every record gathered and queued, the run
 * PROCESSING, its watermark not yet committed. Ferry's fault hook, so it holds the same on every source
 * database: {@code fixture.bindOnce("ferryFaultHooks", Gate.HOOKS)}. {@link #BEFORE_CONNECTORS_LOAD} holds
 * start-up instead, {@link #BEFORE_WAITING_CONNECTORS_START} the routes that start after ready.
 */
public final class Gate {

    /** Runs wait at the gate after queueing their records, before committing their watermark. */
    public static final FaultHooks HOOKS = new FaultHooks() {
        @Override
        public void beforeWatermarkCommit(String connector, long runId) {
            pass();
        }
    };

    /** Start-up waits at the gate once Camel runs, before the connector files are loaded. */
    public static final FaultHooks BEFORE_CONNECTORS_LOAD = new FaultHooks() {
        @Override
        public void beforeConnectorsLoad() {
            pass();
        }
    };

    /** Ferry is ready; the connectors whose routes start after it wait at the gate, not started. */
    public static final FaultHooks BEFORE_WAITING_CONNECTORS_START = new FaultHooks() {
        @Override
        public void beforeWaitingConnectorsStart() {
            pass();
        }
    };

    private static volatile CountDownLatch latch = new CountDownLatch(0);
    private static volatile CountDownLatch reached = new CountDownLatch(1);

    private Gate() {
    }

    /** From now on, runs wait at the gate. */
    public static void close() {
        latch = new CountDownLatch(1);
        reached = new CountDownLatch(1);
    }

    public static void open() {
        latch.countDown();
    }

    /** Waits until a run is held at the gate. */
    public static boolean awaitReached(long seconds) throws InterruptedException {
        return reached.await(seconds, TimeUnit.SECONDS);
    }

    /** Waits while the gate is closed (at most a minute, then lets the run through). */
    static void pass() {
        reached.countDown();
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
