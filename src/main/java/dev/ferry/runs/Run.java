package dev.ferry.runs;

import java.time.Instant;
import java.util.List;

import dev.ferry.gather.Refresh;

/**
 * One row of the run ledger, with the instance that gathered the run and what each instance delivered of it.
 *
 * <p>{@code gathered} is what the run put on the sync queue (and in the failure ledger) from the source. While a
 * run gathers, and for a run that broke off while gathering, records it already queued are delivered and counted:
 * then {@code gathered} is raised to {@code delivered + failed}, so that a run never shows more outcomes than
 * records. {@code deliveredBy} may add up to less than {@code delivered} when an instance died before writing its
 * counts and the run was finished from its drained queue ({@code error} says so).
 *
 * <p>A full refresh ({@code refresh} FULL) gathers the rows that are new or changed since they were last queued;
 * {@code unchanged} counts the rows it read and did not queue, {@code deleted} the keys gone from the source that it
 * queued as deletes (among {@code gathered}).
 */
public record Run(
        long id,
        String connector,
        Trigger trigger,
        RunMode mode,
        Refresh.Kind refresh,
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
        long unchanged,
        long deleted,
        String error,
        String gatheredBy,
        List<Delivery> deliveredBy) {

    /** What one instance delivered and failed of a run's records. */
    public record Delivery(String instance, long delivered, long failed) {
    }

    public Run {
        deliveredBy = deliveredBy == null ? List.of() : List.copyOf(deliveredBy);
    }

    Run withDeliveries(List<Delivery> deliveries) {
        return new Run(id, connector, trigger, mode, refresh, status, createdAt, startedAt, submittedAt, endedAt,
                watermarkBefore, watermarkAfter, gathered, delivered, failed, skipped, unchanged, deleted, error, gatheredBy,
                deliveries);
    }
}
