package dev.ferry.component;

import java.util.HashMap;
import java.util.Map;

import org.apache.camel.Exchange;

import dev.ferry.runs.RunTracker;

/**
 * The outcomes that {@code ferry:delivered} and {@code ferry:failed} recorded for the messages of one open broker
 * transaction of a {@code ferry:queue} consumer. They count for their runs only once the transaction that
 * acknowledges those messages commits ({@link #countIn}): if it rolls back, or the instance dies first, the messages
 * come again and are counted then — never twice.
 */
final class PendingOutcomes {

    /** The exchange property by which a deliver route's steps find the open transaction's outcomes. */
    static final String PROPERTY = "FerryPendingOutcomes";

    /** Delivered and failed records of one run. */
    private static final class Counts {
        final String connector;
        int delivered;
        int failed;

        Counts(String connector) {
            this.connector = connector;
        }
    }

    private final Map<Long, Counts> runs = new HashMap<>();

    /** The outcomes of the transaction {@code exchange}'s message belongs to, or null outside a {@code ferry:queue}. */
    static PendingOutcomes of(Exchange exchange) {
        return exchange.getProperty(PROPERTY, PendingOutcomes.class);
    }

    void delivered(String connector, long runId, int records) {
        runs.computeIfAbsent(runId, id -> new Counts(connector)).delivered += records;
    }

    void failed(String connector, long runId, int records) {
        runs.computeIfAbsent(runId, id -> new Counts(connector)).failed += records;
    }

    /** Delivered records, of every run. */
    int delivered() {
        return runs.values().stream().mapToInt(counts -> counts.delivered).sum();
    }

    /** Failed records, of every run. */
    int failed() {
        return runs.values().stream().mapToInt(counts -> counts.failed).sum();
    }

    /** Moves every outcome into {@code other} (a pack's outcomes into its transaction's); then starts empty. */
    void moveTo(PendingOutcomes other) {
        runs.forEach((runId, counts) -> {
            Counts into = other.runs.computeIfAbsent(runId, id -> new Counts(counts.connector));
            into.delivered += counts.delivered;
            into.failed += counts.failed;
        });
        runs.clear();
    }

    /** Counts every outcome for its run, after the transaction committed; then starts empty. */
    void countIn(RunTracker tracker) {
        runs.forEach((runId, counts) -> {
            if (counts.delivered > 0) {
                tracker.delivered(counts.connector, runId, counts.delivered);
            }
            if (counts.failed > 0) {
                tracker.failed(counts.connector, runId, counts.failed);
            }
        });
        runs.clear();
    }

    /** Forgets every outcome: the transaction rolled back and its messages come again. */
    void discard() {
        runs.clear();
    }
}
