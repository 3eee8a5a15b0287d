package dev.ferry.ops;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.RunLedger;

/**
 * Deletes finished runs (with their failed-record history) and resolved failures older than the
 * configured age. Runs still going, open and parked failures, watermarks and their audit stay.
 * Started by the {@code ferry-housekeeping} route on its schedule, or by an operator.
 */
public final class Housekeeping {

    private static final Logger LOG = LoggerFactory.getLogger(Housekeeping.class);

    private final RunLedger runs;
    private final FailureLedger failures;
    private final Clock clock;
    private final Duration maxAge;

    public Housekeeping(RunLedger runs, FailureLedger failures, Clock clock, Duration maxAge) {
        this.runs = runs;
        this.failures = failures;
        this.clock = clock;
        this.maxAge = maxAge;
    }

    public Duration maxAge() {
        return maxAge;
    }

    public Operations.HousekeepingResult run(String by) throws SQLException {
        Instant cutoff = clock.instant().minus(maxAge);
        int deletedRuns = runs.deleteEndedBefore(cutoff);
        int deletedFailures = failures.deleteResolvedBefore(cutoff);
        LOG.info("Housekeeping ({}): removed {} run(s) that ended and {} failure(s) resolved before {} (older than {})",
                by, deletedRuns, deletedFailures, cutoff, maxAge);
        return new Operations.HousekeepingResult(cutoff, deletedRuns, deletedFailures);
    }
}
