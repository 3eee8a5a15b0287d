package dev.ferry.queue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Sync-queue depths for what shows them — the connector list, a connector's JMX view, the metrics — read from the
 * broker in one question for every queue, at most once per {@code maxAge}, however many connectors and callers ask.
 * What must know the depth now (finishing an orphaned run) asks {@link SyncQueue#depth} instead.
 */
public final class QueueDepths {

    private final SyncQueue queue;
    private final Clock clock;
    private final Duration maxAge;
    private Map<String, Long> depths = Map.of();
    private Instant readAt;

    public QueueDepths(SyncQueue queue, Clock clock, Duration maxAge) {
        this.queue = queue;
        this.clock = clock;
        this.maxAge = maxAge;
    }

    /** The queue's depth, at most {@code maxAge} old; 0 for a queue the broker does not have (yet). */
    public synchronized long depth(String name) throws Exception {
        Instant now = clock.instant();
        if (readAt == null || !now.isBefore(readAt.plus(maxAge))) {
            depths = queue.depths();
            readAt = now;
        }
        return depths.getOrDefault(name, 0L);
    }
}
