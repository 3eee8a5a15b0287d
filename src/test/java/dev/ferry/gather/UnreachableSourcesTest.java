package dev.ferry.gather;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import dev.ferry.support.SettableClock;

/** A source that did not answer is not asked again for every connector that reads it, for a while. */
class UnreachableSourcesTest {

    @Test
    void aFailedSourceIsRememberedForItsConnectorsUntilItAnswersOrTheMemoryHasPassed() {
        SettableClock clock = new SettableClock(Instant.parse("2026-12-04T10:00:00Z"));
        UnreachableSources sources = new UnreachableSources(clock);
        JdbcDataSource erp = new JdbcDataSource();
        JdbcDataSource crm = new JdbcDataSource();

        sources.failed(erp, "customers-to-erp", "Connection refused");

        assertThat(sources.recent(erp)).isEqualTo(new UnreachableSources.Failure(clock.instant(), "customers-to-erp",
                "Connection refused"));
        assertThat(sources.recent(crm)).isNull();
        clock.tick(UnreachableSources.MEMORY.minus(Duration.ofSeconds(1)));
        assertThat(sources.recent(erp)).isNotNull();
        clock.tick(Duration.ofSeconds(1));
        assertThat(sources.recent(erp)).as("asked again once the memory has passed").isNull();

        sources.failed(crm, "contacts-to-crm", "timeout");
        sources.answered(crm);
        assertThat(sources.recent(crm)).isNull();
    }
}
