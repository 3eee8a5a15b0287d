package dev.ferry.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.LogCapture;
import dev.ferry.support.Reconciliation;
import dev.ferry.support.RunningFerry;

/**
 * The disk under the broker's journal fills up (a 64 MB tmpfs mounted there, filled by a file): the broker stops
 * taking records, a run that gathers meanwhile waits or fails without moving its watermark, and once space is
 * freed everything arrives. Mounting needs root; where it cannot be done the test is skipped, and says why.
 */
@Tag("fault")
class DiskFullTest {

    private static final String C = "customers-to-erp";
    private static final String PATH = "/erp/customers";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private Path journal;
    private Path filler;
    private boolean mounted;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        journal = Files.createDirectories(fixture.data().resolve("broker"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", journal.toString())
                .redirectErrorStream(true).start();
        String output = new String(mount.getInputStream().readAllBytes()).trim();
        mounted = mount.waitFor() == 0;
        Assumptions.assumeTrue(mounted, "cannot mount a tmpfs for the broker's journal here (needs root): " + output);
        filler = journal.resolve("filler");
        // the broker of this test is the embedded one, on the small disk, on every profile
        fixture.properties().put("ferry.data-dir", fixture.data().toString());
        fixture.properties().put("ferry.broker.embedded", "true");
        fixture.properties().put("ferry.broker.url", "vm://0");
    }

    @AfterEach
    void unmount() throws Exception {
        fixture.stop();
        if (mounted) {
            new ProcessBuilder("umount", journal.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void aFullJournalDiskHoldsRecordsBackWithoutLosingAnyAndFreedTheyAllArrive() throws Exception {
        try (LogCapture log = new LogCapture()) {
            RunningFerry ferry = fixture.start();
            assertThat(ferry.runAndAwait(C).status()).isEqualTo(RunStatus.COMPLETED);

            // fill the disk to 97 %: above the broker's max-disk-usage (90 %)
            long total = Files.getFileStore(journal).getTotalSpace();
            long fill = Files.getFileStore(journal).getUsableSpace() - total * 3 / 100;
            try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
                byte[] block = new byte[1 << 20];
                for (long written = 0; written < fill; written += block.length) {
                    f.write(block, 0, (int) Math.min(block.length, fill - written));
                }
            }
            // the broker checks its disk every 5 s: "AMQ222210: Free storage space is at 2.0MB of 67.1MB total. Usage
            // rate is 97.0% which is beyond the configured <max-disk-usage>. System will start blocking producers."
            await().atMost(Duration.ofSeconds(30)).until(() -> log.lines().stream().anyMatch(l -> l.contains("AMQ222210")));

            int changed = ferry.sourceUpdate("UPDATE customers SET credit_limit = credit_limit + 7,"
                    + " updated_at = LOCALTIMESTAMP - INTERVAL '10' SECOND WHERE deleted_at IS NULL AND id <= 30");
            long held = ferry.fire(C);
            // the run cannot queue its records: it waits for the broker (or fails), and its watermark stays
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> ferry.runs().find(held).orElseThrow().status() != RunStatus.COMPLETED);
            Files.delete(filler);

            List<RunStatus> statuses = new ArrayList<>();
            statuses.add(ferry.awaitEnded(held).status());
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                Run run = ferry.runAndAwait(C);
                statuses.add(run.status());
                return run.status() == RunStatus.COMPLETED;
            });
            Reconciliation result = await().atMost(Duration.ofSeconds(30)).until(
                    () -> Reconciliation.customers(ferry.source(), fixture.target(), PATH), Reconciliation::reconciled);
            assertThat(result.rows()).isEqualTo(60);
            System.out.println("DiskFullTest: " + changed + " rows changed while the disk was full; runs after it "
                    + statuses + "; " + result + "; broker said: " + log.lines().stream()
                    .filter(l -> l.contains("AMQ222210")).findFirst().orElse("?"));
        }
    }
}
