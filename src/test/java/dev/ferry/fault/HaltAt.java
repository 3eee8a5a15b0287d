package dev.ferry.fault;

import dev.ferry.connector.FaultHooks;

/**
 * Fault hooks for a Ferry process that stop it dead — {@code Runtime.halt}, no shutdown hook, nothing
 * flushed, as {@code kill -9} — at an exact point of its first run, where a crash can hurt most. Set by the
 * process's settings: {@code camel.beans.ferryFaultHooks = #class:dev.ferry.fault.HaltAt} with
 * {@code .point = queue-commit} (and {@code .commits = n}: after the run's n-th queue transaction) or
 * {@code watermark-commit} (every record queued, the watermark about to be committed) or
 * {@code after-watermark-commit} (the run SUBMITTED, no tracker watching it yet).
 */
public class HaltAt implements FaultHooks {

    private String point = "none";
    private long commits = 1;
    private long transactions;

    public void setPoint(String point) {
        this.point = point;
    }

    public void setCommits(long commits) {
        this.commits = commits;
    }

    @Override
    public void afterQueueCommit(String connector, long runId, long committed) {
        transactions++;
        if ("queue-commit".equals(point) && transactions >= commits) {
            halt("after queue transaction " + transactions + " of run " + runId + " (" + committed + " records queued)");
        }
    }

    @Override
    public void beforeWatermarkCommit(String connector, long runId) {
        if ("watermark-commit".equals(point)) {
            halt("before the watermark commit of run " + runId);
        }
    }

    @Override
    public void afterWatermarkCommit(String connector, long runId) {
        if ("after-watermark-commit".equals(point)) {
            halt("after the watermark commit of run " + runId);
        }
    }

    private static void halt(String where) {
        System.out.println("HaltAt: halting " + where);
        System.out.flush();
        Runtime.getRuntime().halt(137);
    }
}
