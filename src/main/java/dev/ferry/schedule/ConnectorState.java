package dev.ferry.schedule;

import java.time.Instant;

/** One row of {@code ferry_connector}: a connector's run-time state. */
public record ConnectorState(
        String connector,
        boolean enabled,
        Instant activatedAt,
        int scheduledRuns,
        Instant endedAt,
        String endedReason,
        Instant lastFireAt,
        long skippedFires,
        Instant lastSkippedAt,
        Instant changedAt,
        String changedBy) {

    public boolean ended() {
        return endedAt != null;
    }

    /** When missed fires are counted from: the last fire handled, or the activation if later. */
    public Instant coveredUntil() {
        return lastFireAt == null || lastFireAt.isBefore(activatedAt) ? activatedAt : lastFireAt;
    }
}
