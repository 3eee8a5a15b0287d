package dev.ferry.runs;

import java.time.Instant;

/** One row of the run ledger. */
public record Run(
        long id,
        String connector,
        Trigger trigger,
        RunMode mode,
        RunStatus status,
        Instant createdAt,
        Instant startedAt,
        Instant submittedAt,
        Instant endedAt,
        String watermarkBefore,
        String watermarkAfter,
        long gathered,
        long delivered,
        long failed,
        long skipped,
        String error) {
}
