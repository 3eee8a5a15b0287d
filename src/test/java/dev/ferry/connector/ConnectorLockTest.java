package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ferry.state.StateDatabase;
import dev.ferry.support.PostgresServer;

/** The run lock across instances: two state pools on one PostgreSQL database stand for two Ferry instances. */
class ConnectorLockTest {

    private StateDatabase instanceA;
    private StateDatabase instanceB;

    @BeforeEach
    void open() {
        String url = PostgresServer.shared().newDatabase();
        instanceA = StateDatabase.open(url, null, null, 3);
        instanceB = StateDatabase.open(url, null, null, 3);
    }

    @AfterEach
    void close() {
        instanceA.close();
        instanceB.close();
    }

    @Test
    void oneInstanceAtATimeHoldsAConnectorAndReleasingLetsTheOtherTakeIt() throws Exception {
        ConnectorLock a = ConnectorLock.of("jdbc:postgresql:", instanceA.dataSource());
        ConnectorLock b = ConnectorLock.of("jdbc:postgresql:", instanceB.dataSource());

        Optional<ConnectorLock.Held> held = a.tryLock("customers-to-erp");
        assertThat(held).isPresent();
        assertThat(b.tryLock("customers-to-erp")).isEmpty();
        // other connectors are not held
        try (ConnectorLock.Held other = b.tryLock("invoices-to-erp").orElseThrow()) {
            assertThat(other).isNotNull();
        }

        held.get().close();
        try (ConnectorLock.Held taken = b.tryLock("customers-to-erp").orElseThrow()) {
            assertThat(a.tryLock("customers-to-erp")).isEmpty();
        }
    }

    @Test
    void theLockOfAnInstanceWhoseConnectionDiedIsFreeForAnother() throws Exception {
        ConnectorLock a = ConnectorLock.of("jdbc:postgresql:", instanceA.dataSource());
        ConnectorLock b = ConnectorLock.of("jdbc:postgresql:", instanceB.dataSource());
        assertThat(a.tryLock("customers-to-erp")).isPresent();

        // what a killed process leaves: its sessions end
        try (var c = instanceB.dataSource().getConnection(); var s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()");
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> b.tryLock("customers-to-erp").map(h -> {
            h.close();
            return true;
        }).orElse(false));
    }
}
