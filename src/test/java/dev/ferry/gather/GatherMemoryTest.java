package dev.ferry.gather;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.ferry.support.TestDatabase;

/**
 * A gather of 400,000 rows completes in a JVM limited to 256 MB of heap: rows stream from the JDBC cursor to the
 * queue, nothing accumulates. Prints the peak heap it measured. How the heap grows with the table is measured by the
 * benchmark ({@code bench/RESULTS.md}: 1,000,000 rows against 100,000), not here: the suite's time is better spent.
 */
class GatherMemoryTest {

    static final int ROWS = 400_000;

    enum Db {
        H2(TestDatabase.H2, "INSERT INTO big SELECT X, CONCAT('item ', X), X * 1.5,"
                + " DATEADD(MICROSECOND, X, LOCALTIMESTAMP - INTERVAL '1' HOUR) FROM SYSTEM_RANGE(1, " + ROWS + ")"),
        POSTGRESQL(TestDatabase.POSTGRESQL, "INSERT INTO big SELECT g, 'item ' || g, g * 1.5,"
                + " LOCALTIMESTAMP - INTERVAL '1 hour' + g * INTERVAL '1 microsecond' FROM generate_series(1, " + ROWS + ") g");

        final TestDatabase database;
        final String fill;

        Db(TestDatabase database, String fill) {
            this.database = database;
            this.fill = fill;
        }
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Db.class)
    void fourHundredThousandRowsGatherWithin256MegabytesOfHeap(Db db) throws Exception {
        String url = db.database.newDatabase(dir);
        try (Connection c = url.startsWith("jdbc:h2:") ? DriverManager.getConnection(url, "sa", "") : DriverManager.getConnection(url);
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE big (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(60) NOT NULL,"
                    + " amount DECIMAL(12, 2) NOT NULL, updated_at TIMESTAMP(6) NOT NULL)");
            s.execute(db.fill);
            s.execute("CREATE INDEX big_cursor ON big (updated_at, id)");
        }

        Process probe = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Duser.timezone=" + System.getProperty("user.timezone"),
                "-Dlog4j2.configurationFile=log4j2-test.properties",
                "-cp", System.getProperty("java.class.path"), GatherMemoryProbe.class.getName(),
                url, db.database.user(), dir.resolve("probe").toString()))
                .redirectErrorStream(true).start();
        String output = new String(probe.getInputStream().readAllBytes());
        assertThat(probe.waitFor(10, TimeUnit.MINUTES)).isTrue();

        assertThat(probe.exitValue()).as(output).isZero();
        Matcher m = Pattern.compile("GATHERED=(\\d+) PEAK_HEAP_MB=([\\d.]+) PEAK_LIVE_MB=([\\d.]+) POOL_PEAKS_MB=[\\d.]+"
                + " MAX_HEAP_MB=([\\d.]+) SECONDS=([\\d.]+)").matcher(output);
        assertThat(m.find()).as(output).isTrue();
        assertThat(Long.parseLong(m.group(1))).isEqualTo(ROWS);
        assertThat(Double.parseDouble(m.group(4))).isLessThanOrEqualTo(256.0);
        System.out.printf("[%s] gathered %,d rows in %s s with -Xmx256m: peak heap used %s MB, peak live heap %s MB (after full collections)%n",
                db, ROWS, m.group(5), m.group(2), m.group(3));
    }
}
