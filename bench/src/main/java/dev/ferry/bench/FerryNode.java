package dev.ferry.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.main.Main;

import dev.ferry.FerryApplication;
import dev.ferry.Installation;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.Trigger;
import dev.ferry.schedule.ConnectorSchedules;

/**
 * Ferry in a child JVM of the benchmark: the real Main, {@code config/application.properties} and
 * {@code bench/config/ferry.properties}, plus the harness's {@code key=value} arguments. Reports
 * {@code ready} once started; on {@code run} fires the connector's Quartz job (a MANUAL run, as an
 * operator's "run now") and reports the run once it has ended; {@code stop} stops Ferry.
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
            int eq = arg.indexOf('=');
            properties.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        // the bench runs in the source tree, which is both the installation and the instance
        Installation tree = new Installation(Path.of(""), Path.of(""));
        Main main = FerryApplication.newMain(tree, tree.config(), null, null);
        properties.forEach(main::addOverrideProperty);
        main.start();
        Child.report("ready", "{\"at\":" + System.currentTimeMillis() + "}");
        var registry = main.getCamelContext().getRegistry();
        RunLedger runs = registry.lookupByNameAndType("ferryRuns", RunLedger.class);
        ConnectorSchedules schedules = registry.lookupByNameAndType("ferrySchedules", ConnectorSchedules.class);
        try {
            while (true) {
                String command = Child.command();
                if ("run".equals(command)) {
                    memory.reset();
                    long before = lastRunId(runs);
                    long t0 = System.currentTimeMillis();
                    schedules.fireNow(CONNECTOR, Trigger.MANUAL);
                    Run run = awaitEnded(runs, before);
                    Child.report("run", "{\"t0\":" + t0 + ",\"id\":" + run.id() + ",\"status\":" + Child.quote(run.status().name())
                            + ",\"gathered\":" + run.gathered() + ",\"delivered\":" + run.delivered() + ",\"failed\":" + run.failed()
                            + ",\"startedAt\":" + millis(run.startedAt()) + ",\"submittedAt\":" + millis(run.submittedAt())
                            + ",\"endedAt\":" + millis(run.endedAt()) + ",\"watermark\":" + Child.quote(run.watermarkAfter())
                            + ",\"memory\":" + memory.json() + ",\"threads\":" + memory.threadsJson() + "}");
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
        List<Run> last = runs.list(CONNECTOR, 1);
        return last.isEmpty() ? 0 : last.get(0).id();
    }

    /**
     * Waits for the run the fire started (the first after {@code before}) to end. Polls the run ledger
     * ten times a second; the measured time ends at the receiver's last row, not here.
     */
    private static Run awaitEnded(RunLedger runs, long before) throws Exception {
        long id = 0;
        while (true) {
            Thread.sleep(100);
            if (id == 0) {
                List<Run> last = runs.list(CONNECTOR, 1);
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
