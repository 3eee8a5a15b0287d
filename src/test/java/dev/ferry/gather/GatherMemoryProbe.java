package dev.ferry.gather;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariDataSource;

import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.FailureLedger;
import dev.ferry.state.StateDatabase;
import dev.ferry.support.BrokerFixture;

/**
 * Run in its own JVM (with -Xmx256m) by {@link GatherMemoryTest}: gathers every row of table {@code big}
 * into the embedded broker with the real {@link Gatherer}, and prints how many rows it gathered, the
 * peak heap used it saw (sampled every 10 ms), the peak live heap (measured right after a full
 * collection every 2 s) and how long it took.
 *
 * <p>Arguments: source JDBC URL, source user, working directory.
 */
public final class GatherMemoryProbe {

    private GatherMemoryProbe() {
    }

    public static void main(String[] args) throws Exception {
        AtomicLong peak = new AtomicLong();
        AtomicLong peakLive = new AtomicLong();
        Thread sampler = new Thread(() -> {
            long ticks = 0;
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                // Every 2 s a full collection: what survives it is the live data, which is what would grow
                // with the number of rows if anything kept them.
                if (++ticks % 200 == 0) {
                    System.gc();
                    peakLive.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();

        Path dir = Files.createDirectories(Path.of(args[2]));
        long started = System.nanoTime();
        try (BrokerFixture broker = new BrokerFixture(dir.resolve("broker"));
             StateDatabase state = StateDatabase.open("jdbc:h2:mem:probe;DB_CLOSE_DELAY=-1", "sa", "", 2);
             HikariDataSource source = new HikariDataSource()) {
            source.setJdbcUrl(args[0]);
            source.setUsername(args[1]);
            Source big = new Source(source, "big", null, "updated_at", "id", 1_000, Duration.ZERO);
            Gatherer.Result result;
            try (SyncQueue.Writer writer = broker.queue().open("ferry.big", 500)) {
                result = new Gatherer(new FailureLedger(state.dataSource(), Clock.systemUTC()),
                        new OpenTransactions(state.dataSource())).gather(new Gatherer.Request("big", 1, big, null, false, 10, () -> false), writer);
            }
            long poolPeaks = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            System.out.printf("GATHERED=%d PEAK_HEAP_MB=%.1f PEAK_LIVE_MB=%.1f POOL_PEAKS_MB=%.1f MAX_HEAP_MB=%.1f"
                    + " SECONDS=%.1f%n", result.gathered(), peak.get() / 1048576.0, peakLive.get() / 1048576.0,
                    poolPeaks / 1048576.0,
                    Runtime.getRuntime().maxMemory() / 1048576.0, (System.nanoTime() - started) / 1e9);
        }
        // Idle pool threads that are not daemons outlive the closes above and kept this JVM alive for another minute
        // (measured: 60 s of each of GatherMemoryTest's two cases); everything it measures is printed.
        System.exit(0);
    }
}
