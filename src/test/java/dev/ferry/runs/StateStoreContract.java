package dev.ferry.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ferry.state.StateDatabase;
import dev.ferry.support.SettableClock;
import dev.ferry.watermark.Watermark;
import dev.ferry.watermark.WatermarkStore;

/**
 * What Ferry's state storage must do, on every database it supports: one subclass per database
 * opens a fresh schema, the tests are the same.
 */
abstract class StateStoreContract {

    static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    protected final SettableClock clock = new SettableClock(T0);
    private StateDatabase state;
    protected RunLedger runs;
    protected FailureLedger failures;
    protected WatermarkStore watermarks;

    /** A fresh, empty state database, migrated by Ferry's Flyway scripts. */
    protected abstract StateDatabase openFreshState();

    @BeforeEach
    void open() {
        state = openFreshState();
        runs = new RunLedger(state.dataSource(), clock, "test");
        failures = new FailureLedger(state.dataSource(), clock);
        watermarks = new WatermarkStore(state.dataSource(), clock);
    }

    @AfterEach
    void close() {
        state.close();
    }

    protected DataSource dataSource() {
        return state.dataSource();
    }

    @Test
    void watermarksRoundTripAtTheSourcesPrecision() throws Exception {
        List<Watermark> values = List.of(
                new Watermark(LocalDateTime.parse("2026-03-29T02:30:00.123456"), 42L),
                new Watermark(OffsetDateTime.parse("2026-10-25T02:30:00.000001+02:00"), "INV-2026-000007"),
                new Watermark(new BigDecimal("1234567890.000100"), UUID.fromString("7d4c1b7e-2f1a-4b8e-9c41-0d2b3c4e5f60")),
                new Watermark(5L, new BigDecimal("10.50")));
        long runId = runs.create("c", Trigger.SCHEDULE, RunMode.SYNC, null);
        for (Watermark value : values) {
            try (Connection c = dataSource().getConnection()) {
                watermarks.save(c, "c", value, runId);
            }
            Watermark loaded = watermarks.load("c").orElseThrow();
            assertThat(loaded).isEqualTo(value);
            assertThat(loaded.toString()).isEqualTo(value.toString());
        }
        assertThat(watermarks.load("other")).isEmpty();
    }

    @Test
    void aRunMovesForwardThroughItsStatusesAndFinishesOnceEveryRecordHasAnOutcome() throws Exception {
        long id = runs.create("c", Trigger.MANUAL, RunMode.SYNC, null);
        assertThat(runs.find(id).orElseThrow().status()).isEqualTo(RunStatus.CREATED);
        clock.tick(Duration.ofSeconds(1));
        runs.markProcessing(id);
        Watermark after = new Watermark(LocalDateTime.parse("2026-11-21T09:00:00"), 7L);
        try (Connection c = dataSource().getConnection()) {
            runs.markSubmitted(c, id, 3, 0, 1, after);
        }
        try (Connection c = dataSource().getConnection()) {
            runs.addOutcomes(c, id, 2, 0);
            assertThat(runs.finishIfDone(c, id)).isEmpty();
            runs.addOutcomes(c, id, 0, 1);
            clock.tick(Duration.ofSeconds(2));
            Run done = runs.finishIfDone(c, id).orElseThrow();
            assertThat(done.status()).isEqualTo(RunStatus.INCOMPLETE);
            assertThat(done.trigger()).isEqualTo(Trigger.MANUAL);
            assertThat(done.gathered()).isEqualTo(3);
            assertThat(done.delivered()).isEqualTo(2);
            assertThat(done.failed()).isEqualTo(1);
            assertThat(done.skipped()).isEqualTo(1);
            assertThat(done.watermarkAfter()).isEqualTo(after.toString());
            assertThat(done.startedAt()).isEqualTo(T0.plusSeconds(1));
            assertThat(done.endedAt()).isEqualTo(T0.plusSeconds(3));
            // A second finisher (another instance, a late flush) finds nothing to do.
            assertThat(runs.finishIfDone(c, id)).isEmpty();
        }
        assertThatThrownBy(() -> runs.markProcessing(id)).hasMessageContaining("no longer CREATED");
    }

    @Test
    void aFailedRunKeepsItsErrorOnOneBoundedField() throws Exception {
        long id = runs.create("c", Trigger.SCHEDULE, RunMode.SYNC, null);
        runs.markProcessing(id);
        runs.fail(id, "x".repeat(5000));
        Run failed = runs.find(id).orElseThrow();
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(failed.error()).hasSize(RunLedger.ERROR_MAX);
        assertThat(runs.withStatus(RunStatus.FAILED)).extracting(Run::id).containsExactly(id);
    }

    @Test
    void aRecordFailingRunAfterRunIsParkedAtMaxAttemptsAndADeliveryResolvesIt() throws Exception {
        assertThat(failures.hasUnresolved("c")).isFalse();
        assertThat(failures.record("c", "42", "v1", 1, 503, "HTTP 503", 3)).isEqualTo(Failure.Status.OPEN);
        clock.tick(Duration.ofMinutes(1));
        assertThat(failures.record("c", "42", "v2", 2, null, "timeout", 3)).isEqualTo(Failure.Status.OPEN);
        clock.tick(Duration.ofMinutes(1));
        assertThat(failures.record("c", "42", "v2", 3, 500, "HTTP 500", 3)).isEqualTo(Failure.Status.PARKED);

        Failure parked = failures.find("c", "42").orElseThrow();
        assertThat(parked.attempts()).isEqualTo(3);
        assertThat(parked.firstFailedAt()).isEqualTo(T0);
        assertThat(parked.lastFailedAt()).isEqualTo(T0.plus(Duration.ofMinutes(2)));
        assertThat(parked.httpStatus()).isEqualTo(500);
        assertThat(parked.runId()).isEqualTo(3);
        assertThat(failures.openKeys("c", null, 10)).isEmpty();
        assertThat(failures.hasUnresolved("c")).isTrue();

        // Delivered by a run older than the one that last failed it (a late delivery): the failure stays.
        assertThat(failures.resolve("c", "42", 2)).isFalse();
        clock.tick(Duration.ofMinutes(1));
        assertThat(failures.resolve("c", "42", 3)).isTrue();
        Failure resolved = failures.find("c", "42").orElseThrow();
        assertThat(resolved.status()).isEqualTo(Failure.Status.RESOLVED);
        assertThat(resolved.resolvedAt()).isEqualTo(clock.instant());
        assertThat(failures.hasUnresolved("c")).isFalse();

        // Failing again after being resolved starts a new entry.
        clock.tick(Duration.ofMinutes(1));
        assertThat(failures.record("c", "42", "v3", 4, 502, "HTTP 502", 3)).isEqualTo(Failure.Status.OPEN);
        Failure again = failures.find("c", "42").orElseThrow();
        assertThat(again.attempts()).isEqualTo(1);
        assertThat(again.firstFailedAt()).isEqualTo(clock.instant());
        assertThat(again.resolvedAt()).isNull();
    }

    @Test
    void openKeysPageInKeyOrderAndGoneKeysAreResolved() throws Exception {
        for (String key : List.of("3", "1", "2", "10")) {
            failures.record("c", key, "v", 1, 500, "HTTP 500", 10);
        }
        failures.record("other", "1", "v", 1, 500, "HTTP 500", 10);
        assertThat(failures.openKeys("c", null, 2)).containsExactly("1", "10");
        assertThat(failures.openKeys("c", "10", 2)).containsExactly("2", "3");
        assertThat(failures.openKeys("c", "3", 2)).isEmpty();

        failures.resolveGone("c", List.of("2", "3"));
        assertThat(failures.openKeys("c", null, 10)).containsExactly("1", "10");
        assertThat(failures.find("c", "2").orElseThrow().lastError()).startsWith("Resolved: the record no longer exists");
        assertThat(failures.list("c", Failure.Status.RESOLVED)).extracting(Failure::recordKey).containsExactlyInAnyOrder("2", "3");
        assertThat(failures.list("c", null)).hasSize(4);
    }

    @Test
    void errorTextsAreClippedToTheColumnAlsoWhenAGoneRecordIsResolved() throws Exception {
        failures.record("c", "1", "v", 1, null, "y".repeat(10_000), 10);
        assertThat(failures.find("c", "1").orElseThrow().lastError()).hasSize(FailureLedger.ERROR_MAX);
        failures.resolveGone("c", List.of("1"));
        Failure gone = failures.find("c", "1").orElseThrow();
        assertThat(gone.status()).isEqualTo(Failure.Status.RESOLVED);
        assertThat(gone.lastError()).startsWith("Resolved: the record no longer exists").hasSize(FailureLedger.ERROR_MAX);
    }

    @Test
    void runsAreFoundByConnectorStatusAndTimeInPagesNewestFirst() throws Exception {
        long a = finishedRun("alpha");
        clock.tick(Duration.ofMinutes(1));
        long b = runs.create("alpha", Trigger.MANUAL, RunMode.PREVIEW, null);
        clock.tick(Duration.ofMinutes(1));
        long c = finishedRun("beta");

        Page<Run> all = runs.search(new RunLedger.Query(null, null, null, null), 0, 2);
        assertThat(all.total()).isEqualTo(3);
        assertThat(all.items()).extracting(Run::id).containsExactly(c, b);
        assertThat(runs.search(new RunLedger.Query(null, null, null, null), 2, 2).items()).extracting(Run::id).containsExactly(a);
        assertThat(runs.search(new RunLedger.Query("alpha", RunStatus.CREATED, null, null), 0, 10).items())
                .extracting(Run::id).containsExactly(b);
        assertThat(runs.search(new RunLedger.Query(null, null, T0.plus(Duration.ofMinutes(1)), T0.plus(Duration.ofMinutes(2))),
                0, 10).items()).extracting(Run::id).containsExactly(b);
    }

    @Test
    void housekeepingDeletesOnlyFinishedRunsAndResolvedFailuresBeforeTheCutoffWithTheirHistory() throws Exception {
        long old = finishedRun("alpha");
        failures.record("alpha", "k1", "v1", old, 500, "boom", 10);
        failures.record("alpha", "k2", "v1", old, 500, "boom", 10);
        failures.resolve("alpha", "k1", old);
        long stillGoing = runs.create("alpha", Trigger.SCHEDULE, RunMode.SYNC, null);
        clock.tick(Duration.ofDays(10));
        long recent = finishedRun("alpha");

        assertThat(runs.deleteEndedBefore(T0.plus(Duration.ofDays(1)))).isEqualTo(1);
        assertThat(failures.deleteResolvedBefore(T0.plus(Duration.ofDays(1)))).isEqualTo(1);

        assertThat(runs.find(old)).isEmpty();
        assertThat(failures.ofRun(old, 0, 10).total()).isZero();
        assertThat(runs.find(stillGoing)).isPresent();
        assertThat(runs.find(recent)).isPresent();
        assertThat(failures.find("alpha", "k1")).isEmpty();
        assertThat(failures.find("alpha", "k2").orElseThrow().status()).isEqualTo(Failure.Status.OPEN);
    }

    @Test
    void aRunKeepsItsOwnFailedRecordsAndAPreviewItsStagedPosition() throws Exception {
        long first = runs.create("alpha", Trigger.SCHEDULE, RunMode.SYNC, null);
        long second = runs.create("alpha", Trigger.SCHEDULE, RunMode.SYNC, null);
        failures.record("alpha", "k1", "v1", first, 422, "first error", 10);
        failures.record("alpha", "k1", "v2", second, 503, "second error", 10);
        failures.record("alpha", "k1", "v2", second, 503, "second error, redelivered", 10);

        assertThat(failures.ofRun(first, 0, 10).items()).singleElement()
                .satisfies(f -> assertThat(f.error()).isEqualTo("first error"));
        assertThat(failures.ofRun(second, 0, 10).items()).singleElement()
                .satisfies(f -> assertThat(f.error()).isEqualTo("second error, redelivered"));

        Watermark position = new Watermark(LocalDateTime.of(2026, 11, 21, 9, 30, 0, 123_456_000), 42L);
        watermarks.stage(first, "alpha", position);
        watermarks.stage(second, "alpha", null);
        try (Connection c = dataSource().getConnection()) {
            assertThat(watermarks.staged(c, first)).contains(java.util.Optional.of(position));
            assertThat(watermarks.staged(c, second)).contains(java.util.Optional.empty());
            watermarks.unstage(c, first);
            assertThat(watermarks.staged(c, first)).isEmpty();
        }
    }

    private long finishedRun(String connector) throws Exception {
        long id = runs.create(connector, Trigger.SCHEDULE, RunMode.SYNC, null);
        runs.fail(id, "test run");
        return id;
    }
}
