package dev.ferry.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.camel.main.Main;

import dev.ferry.FerryApplication;
import dev.ferry.FerryConfiguration;
import dev.ferry.Installation;
import dev.ferry.connector.Connector;
import dev.ferry.connector.ConnectorReloader;
import dev.ferry.connector.ConnectorRunner;
import dev.ferry.connector.Connectors;
import dev.ferry.connector.Positions;
import dev.ferry.gather.Refresh;
import dev.ferry.ops.Operations;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunStatus;
import dev.ferry.runs.Trigger;
import dev.ferry.schedule.ConnectorSchedules;

/**
 * Ferry in a child JVM of the benchmark: the real Main, {@code config/application.properties} and
 * {@code bench/config/ferry.properties}, plus the harness's {@code key=value} arguments (and the keys of a
 * properties file given as {@code @<file>}). Reports {@code ready} once started and {@code started} once every connector's routes run; on {@code run} fires the
 * connector's Quartz job (a MANUAL run, as an operator's "run now") and reports the run once it has ended ({@code run
 * incremental}: an incremental run, whatever the connector's scheduled runs read); on
 * {@code runs <prefix> <n>} fires the jobs of connectors {@code <prefix>0001} to {@code <prefix><n>} at once and
 * reports when all have ended; {@code rewind} moves the connector back to the beginning; {@code idle} reports the threads and resident memory; {@code stop} stops Ferry.
 */
public final class FerryNode {

    static final String CONNECTOR = "rows-to-receiver";

    private FerryNode() {
    }

    public static void main(String[] args) throws Exception {
        Memory memory = Memory.watch();
        if ("true".equals(System.getProperty("bench.sample-live-heap"))) {
            memory.sampleLiveHeap();
        }
        Map<String, String> properties = new LinkedHashMap<>(Benchmark.properties(Path.of("bench/config/ferry.properties")));
        for (String arg : args) {
            if (arg.startsWith("@")) {
                properties.putAll(Benchmark.properties(Path.of(arg.substring(1))));
                continue;
            }
            int eq = arg.indexOf('=');
            properties.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        // the bench runs in the source tree, which is both the installation and the instance
        Installation tree = new Installation(Path.of(""), Path.of(""));
        Main main = FerryApplication.newMain(tree, tree.config(), null, null);
        properties.forEach(main::addOverrideProperty);
        main.start();
        long at = System.currentTimeMillis();
        // in the child's log: the start-up's CPU, steadier than its wall time on a busy two-core machine
        System.out.printf(Locale.ROOT, "@start-up: %.2f s CPU on the main thread, %.2f s in the process%n",
                ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() / 1e9, Memory.processCpuSeconds());
        Child.report("ready", "{\"at\":" + at + "}");
        var registry = main.getCamelContext().getRegistry();
        // ready once the connectors due first run; the others' routes start right after, in the background
        ConnectorReloader files = registry.lookupByNameAndType(FerryConfiguration.CONNECTOR_FILES, ConnectorReloader.class);
        while (!files.allStarted()) {
            Thread.sleep(10);
        }
        Child.report("started", "{\"at\":" + System.currentTimeMillis() + "}");
        RunLedger runs = registry.lookupByNameAndType("ferryRuns", RunLedger.class);
        ConnectorSchedules schedules = registry.lookupByNameAndType("ferrySchedules", ConnectorSchedules.class);
        try {
            while (true) {
                String command = Child.command();
                if ("run".equals(command) || "run incremental".equals(command)) {
                    // the previous run is COMPLETED once delivered, maybe a moment before its thread lets the connector go
                    ConnectorRunner runner = registry.lookupByNameAndType("ferryRunner", ConnectorRunner.class);
                    while (runner.claims().holds(CONNECTOR)) {
                        Thread.sleep(10);
                    }
                    memory.reset();
                    long before = lastRunId(runs);
                    long t0 = System.currentTimeMillis();
                    if ("run".equals(command)) {
                        schedules.fireNow(CONNECTOR, Trigger.MANUAL);
                    } else {
                        // what changed, whatever the connector's scheduled runs read (the refresh round's full ones)
                        registry.lookupByNameAndType("ferryOperations", Operations.class)
                                .start(CONNECTOR, false, Refresh.Kind.INCREMENTAL, 0, "bench");
                    }
                    Run run = awaitEnded(runs, before);
                    Child.report("run", "{\"t0\":" + t0 + ",\"id\":" + run.id() + ",\"status\":" + Child.quote(run.status().name())
                            + ",\"gathered\":" + run.gathered() + ",\"delivered\":" + run.delivered() + ",\"failed\":" + run.failed()
                            + ",\"unchanged\":" + run.unchanged()
                            + ",\"startedAt\":" + millis(run.startedAt()) + ",\"submittedAt\":" + millis(run.submittedAt())
                            + ",\"endedAt\":" + millis(run.endedAt()) + ",\"watermark\":" + Child.quote(run.watermarkAfter())
                            + ",\"memory\":" + memory.json() + ",\"threads\":" + memory.threadsJson() + "}");
                } else if (command.startsWith("runs ")) {
                    String[] words = command.split(" ");
                    runs(runs, schedules, memory, words[1], Integer.parseInt(words[2]));
                } else if ("rewind".equals(command)) {
                    // the connector's position back to the beginning: the next run syncs every row again
                    Connectors connectors = registry.lookupByNameAndType("ferryConnectors", Connectors.class);
                    registry.lookupByNameAndType("ferryPositions", Positions.class)
                            .move(connectors.find(CONNECTOR).orElseThrow(), Connector.BEGINNING, "bench");
                    Child.report("rewound", "{}");
                } else if ("idle".equals(command)) {
                    System.gc();
                    Child.report("idle", "{\"threads\":" + ManagementFactory.getThreadMXBean().getThreadCount()
                            + ",\"rssMb\":" + Memory.rssBytes() / (1024 * 1024) + ",\"liveHeapMb\":"
                            + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024) + "}");
                } else if ("stop".equals(command)) {
                    break;
                } else {
                    Child.report("error", "{\"message\":" + Child.quote("unknown command " + command) + "}");
                }
            }
        } finally {
            main.stop();
            Child.report("stopped", "{}");
            // The broker's threads would keep the JVM alive until they notice.
            System.exit(0);
        }
    }

    private static long lastRunId(RunLedger runs) throws Exception {
        return lastRunId(runs, CONNECTOR);
    }

    private static long lastRunId(RunLedger runs, String connector) throws Exception {
        List<Run> last = runs.list(connector, 1);
        return last.isEmpty() ? 0 : last.get(0).id();
    }

    /**
     * Fires the Quartz jobs of {@code count} connectors at once (MANUAL runs) and reports their totals once every
     * run has ended, and the peak of live threads meanwhile.
     */
    private static void runs(RunLedger runs, ConnectorSchedules schedules, Memory memory, String prefix, int count)
            throws Exception {
        memory.reset();
        Map<String, Long> before = new LinkedHashMap<>();
        for (int i = 1; i <= count; i++) {
            String connector = prefix + String.format(Locale.ROOT, "%04d", i);
            before.put(connector, lastRunId(runs, connector));
        }
        long t0 = System.currentTimeMillis();
        for (String connector : before.keySet()) {
            schedules.fireNow(connector, Trigger.MANUAL);
        }
        long gathered = 0;
        long delivered = 0;
        long failed = 0;
        List<String> notCompleted = new ArrayList<>();
        int peakThreads = 0;
        for (Map.Entry<String, Long> connector : before.entrySet()) {
            Run run = awaitEnded(runs, connector.getKey(), connector.getValue());
            peakThreads = Math.max(peakThreads, ManagementFactory.getThreadMXBean().getPeakThreadCount());
            gathered += run.gathered();
            delivered += run.delivered();
            failed += run.failed();
            if (run.status() != RunStatus.COMPLETED) {
                notCompleted.add(connector.getKey() + " " + run.status());
            }
        }
        Child.report("runs", "{\"t0\":" + t0 + ",\"runs\":" + count + ",\"gathered\":" + gathered + ",\"delivered\":"
                + delivered + ",\"failed\":" + failed + ",\"notCompleted\":" + Child.quote(String.join(", ", notCompleted))
                + ",\"peakThreads\":" + peakThreads + ",\"memory\":" + memory.json() + "}");
    }

    /**
     * Waits for the run the fire started (the first after {@code before}) to end. Polls the run ledger
     * ten times a second; the measured time ends at the receiver's last row, not here.
     */
    private static Run awaitEnded(RunLedger runs, long before) throws Exception {
        return awaitEnded(runs, CONNECTOR, before);
    }

    private static Run awaitEnded(RunLedger runs, String connector, long before) throws Exception {
        long id = 0;
        while (true) {
            Thread.sleep(100);
            if (id == 0) {
                List<Run> last = runs.list(connector, 1);
                id = !last.isEmpty() && last.get(0).id() > before ? last.get(0).id() : 0;
            }
            if (id != 0) {
                Run run = runs.find(id).orElseThrow();
                if (run.status().isFinal()) {
                    return run;
                }
            }
        }
    }

    private static long millis(Instant instant) {
        return instant == null ? 0 : instant.toEpochMilli();
    }
}
