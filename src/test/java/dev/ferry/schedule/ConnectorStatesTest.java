package dev.ferry.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.state.StateDatabase;

/** The states read at once for the connectors loading at start-up answer as the state database does. */
class ConnectorStatesTest {

    @TempDir
    Path dir;

    @Test
    void preloadedStatesAreTheDatabasesAndAChangeIsReadFromItAgain() throws Exception {
        try (StateDatabase state = StateDatabase.open("jdbc:h2:file:" + dir.resolve("ferry"), "sa", "", 2)) {
            ConnectorStates states = new ConnectorStates(state.dataSource(), Clock.systemUTC());
            states.setEnabled("known", false, "alice");

            states.preload(List.of("known", "new", "new"));

            ConnectorStates fresh = new ConnectorStates(state.dataSource(), Clock.systemUTC());
            assertThat(fresh.all()).containsOnlyKeys("known", "new"); // a connector seen first is made, once
            assertThat(states.get("known").enabled()).isFalse();
            assertThat(states.get("known").changedBy()).isEqualTo("alice");
            assertThat(states.get("new")).isEqualTo(fresh.get("new"));
            assertThat(states.get("new").enabled()).isTrue();

            states.setEnabled("new", false, "bob"); // Ferry's own change: read from the database again
            assertThat(states.get("new").enabled()).isFalse();

            fresh.setEnabled("known", true, "carol"); // another instance's change shows once the load is over
            assertThat(states.get("known").enabled()).isFalse();
            states.preloaded();
            assertThat(states.get("known").enabled()).isTrue();
            assertThat(states.get("other").enabled()).isTrue();
        }
    }
}
