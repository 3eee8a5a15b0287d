package dev.ferry.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunMode;
import dev.ferry.runs.Trigger;

class StateDatabaseTest {

    @TempDir
    Path dir;

    @Test
    void anEmbeddedH2StateDatabaseWritesEachCommitAtOnce() {
        assertThat(StateDatabase.durable("jdbc:h2:file:./data/state/ferry;DB_CLOSE_ON_EXIT=FALSE"))
                .isEqualTo("jdbc:h2:file:./data/state/ferry;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0");
        assertThat(StateDatabase.durable("jdbc:h2:./ferry")).endsWith(";WRITE_DELAY=0");
        assertThat(StateDatabase.durable("jdbc:h2:file:/x;write_delay=100")).isEqualTo("jdbc:h2:file:/x;write_delay=100");
        assertThat(StateDatabase.durable("jdbc:h2:mem:state")).isEqualTo("jdbc:h2:mem:state");
        assertThat(StateDatabase.durable("jdbc:h2:tcp://db/ferry")).isEqualTo("jdbc:h2:tcp://db/ferry");
        assertThat(StateDatabase.durable("jdbc:postgresql://db/ferry")).isEqualTo("jdbc:postgresql://db/ferry");
    }

    /** What H2 lost before: a process killed within half a second of its commits lost them (the whole database, at first). */
    @Test
    void runsCommittedJustBeforeTheProcessIsKilledAreStillThere() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("state/ferry") + ";DB_CLOSE_ON_EXIT=FALSE";
        String classpath = String.join(File.pathSeparator, "target/test-classes", "target/classes",
                Files.readString(Path.of("target/runtime-classpath.txt")).trim());
        Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, StateDatabaseTest.class.getName(), url))
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(Files.readString(dir.resolve("child.log"))).isEqualTo(9);

        try (StateDatabase state = StateDatabase.open(url, "sa", "", 2)) {
            assertThat(new RunLedger(state.dataSource(), Clock.systemUTC(), "test").list("c", 100)).hasSize(50);
        }
    }

    /** The child: commits 50 runs, then dies at once, as {@code kill -9} would (no shutdown hook, no close). */
    public static void main(String[] args) throws Exception {
        StateDatabase state = StateDatabase.open(args[0], "sa", "", 2);
        RunLedger runs = new RunLedger(state.dataSource(), Clock.systemUTC(), "test");
        for (int i = 0; i < 50; i++) {
            runs.create("c", Trigger.MANUAL, RunMode.SYNC, null);
        }
        Runtime.getRuntime().halt(9);
    }
}
