package dev.ferry.component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ferry.state.StateDatabase;

/**
 * What a delivery lane records when it stops in the middle of a packed message, and what delivery reads back when
 * the pack comes again (the whole path, with a real broker and target, is {@code ToggleTest}).
 */
class PackProgressTest {

    private static final String C = "orders-to-erp";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-05T01:00:00Z"), ZoneOffset.UTC);

    private final StateDatabase state = StateDatabase.open("jdbc:h2:mem:packs-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
            "sa", "", 4);
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void close() {
        executor.shutdownNow();
        state.close();
    }

    @Test
    void aPackGivenBackResumesOnceAndOnlyForTheRunThatQueuedIt() throws Exception {
        PackProgress progress = started(null);
        String pack = PackProgress.id(C, "[\"k1\",\"k2\",\"k3\"]");
        assertThat(progress.mayHave(C, pack)).isFalse();

        progress.save(C, pack, new PackProgress.Done(7, 40, 38, 2));

        assertThat(progress.mayHave(C, pack)).isTrue();
        assertThat(progress.done(C)).isEqualTo(40);
        // the same records gathered again by another run (after a crash) are not the pack that was cut short
        assertThat(progress.take(C, pack, 8)).isEmpty();
        assertThat(progress.done(C)).isZero();

        progress.save(C, pack, new PackProgress.Done(7, 40, 38, 2));
        assertThat(progress.take(C, pack, 7)).contains(new PackProgress.Done(7, 40, 38, 2));
        // taken: it applies once, and delivery stops asking about it
        assertThat(progress.take(C, pack, 7)).isEmpty();
        assertThat(progress.mayHave(C, pack)).isFalse();
        assertThat(progress.done(C)).isZero();
    }

    @Test
    void anInstanceKnowsThePacksGivenBackBeforeItStartedAndInAClusterThoseAPeerGivesBackLater() throws Exception {
        PackProgress a = started(null);
        String before = PackProgress.id(C, "[\"before\"]");
        a.save(C, before, new PackProgress.Done(1, 10, 10, 0));

        PackProgress single = started(null);
        PackProgress clustered = started(Duration.ofMillis(100));
        assertThat(single.mayHave(C, before)).isTrue();
        assertThat(clustered.mayHave(C, before)).isTrue();

        String later = PackProgress.id(C, "[\"later\"]");
        a.save(C, later, new PackProgress.Done(1, 5, 4, 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> clustered.mayHave(C, later));
        // an instance that reads only at start delivers that pack whole again (counted once): the negative control
        assertThat(single.mayHave(C, later)).isFalse();
        assertThat(clustered.take(C, later, 1)).contains(new PackProgress.Done(1, 5, 4, 1));
    }

    private PackProgress started(Duration refresh) {
        PackProgress progress = new PackProgress(state.dataSource(), CLOCK, refresh, refresh == null ? null : executor);
        progress.start();
        return progress;
    }
}
