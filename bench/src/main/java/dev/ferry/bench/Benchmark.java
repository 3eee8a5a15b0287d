package dev.ferry.bench;

import java.io.IOException;
import java.io.Reader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Ferry against the plain-Java baseline, side by side, in one run on this machine (see
 * {@code bench/run} for the options). Every figure is the median of {@code --repeat} runs, each in a
 * fresh JVM (and, for Ferry, a fresh data directory); the receiver checks every round for missing,
 * malformed and unexpected rows, and the benchmark fails if any round is not complete.
 */
public final class Benchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Options options;
    private final BenchDatabase db;
    private final Receiver receiver;
    private final Path work = Path.of("target/bench").toAbsolutePath();
    private final List<String[]> table = new ArrayList<>();
    private final List<String[]> scaleTable = new ArrayList<>();
    private final List<Double> ferryStartups = new ArrayList<>();
    private final List<Double> baselineStartups = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private int launches;

    private Benchmark(Options options, BenchDatabase db, Receiver receiver) {
        this.options = options;
        this.db = db;
        this.receiver = receiver;
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException wrong) {
            System.err.println("bench/run: " + wrong.getMessage());
            System.exit(2);
            return;
        }
        try (BenchDatabase db = new BenchDatabase(); Receiver receiver = new Receiver()) {
            Benchmark bench = new Benchmark(options, db, receiver);
            String machine = machine(db);
            System.out.println(machine);
            bench.runAll();
            String report = bench.report(machine);
            System.out.println();
            System.out.println(report);
            if (options.write) {
                writeResults(Path.of("bench/RESULTS.md"), report);
                System.out.println("Written to bench/RESULTS.md");
            }
        }
        System.exit(0);
    }

    private void runAll() throws Exception {
        if (options.only.contains("full")) {
            String t = db.ensure(options.rows);
            for (int batch : options.batches()) {
                List<Double> ferry = new ArrayList<>();
                List<Double> base = new ArrayList<>();
                List<JsonNode> ferryMemory = new ArrayList<>();
                List<JsonNode> baseMemory = new ArrayList<>();
                List<JsonNode> warmMemory = new ArrayList<>();
                for (int i = 0; i < options.repeat; i++) {
                    Round b = baselineRound(t, batch, null, Receiver.Expectation.range(options.rows));
                    base.add(options.rows / b.seconds);
                    baseMemory.add(b.memory);
                    // with batches a round is short, and a fresh JVM's compilers take a large share of it: the same
                    // sync again in that JVM shows what a Ferry that has run for a while pays
                    Round f = ferryFull(t, batch, options.rows, false, batch > 1 ? warmMemory : null);
                    ferry.add(options.rows / f.seconds);
                    ferryMemory.add(f.memory);
                }
                String label = String.format(Locale.ROOT, "Full sync of %,d rows, %s", options.rows,
                        batch == 1 ? "1 record per request" : batch + " records per request");
                row(label + " (records/s)", median(ferry), median(base), "%,.0f", batch == 1 ? 0.5 : 0.7, true);
                double per100k = 100_000.0 / options.rows;
                row("  CPU seconds per 100,000 records, that JVM", medianOf(ferryMemory, "cpuSeconds") * per100k,
                        medianOf(baseMemory, "cpuSeconds") * per100k, "%.1f", 0, false);
                if (!warmMemory.isEmpty()) {
                    table.add(new String[] {"  the same sync again in Ferry's JVM (CPU seconds per 100,000 records)",
                            String.format(Locale.ROOT, "%.1f", medianOf(warmMemory, "cpuSeconds") * per100k), "", "", "", ""});
                }
            }
        }
        if (options.only.contains("incremental")) {
            incremental();
        }
        if (options.only.contains("refresh")) {
            refresh();
        }
        if (options.only.contains("memory")) {
            memory();
        }
        if (ferryStartups.isEmpty() && options.only.contains("startup")) {
            // Start-up alone: one Ferry and one baseline launch per repetition.
            String t = db.ensure(options.smallRows);
            for (int i = 0; i < options.repeat; i++) {
                try (ChildJvm ferry = ferry(t, 1, "beginning")) {
                    ferry.await("ready", 120);
                    ferry.await("started", 120);
                }
                try (ChildJvm base = baseline(List.of("table=" + t, "mode=scan"))) {
                    base.await("ready", 60);
                }
            }
        }
        if (!ferryStartups.isEmpty()) {
            row("Start-up to ready (s)", median(ferryStartups), median(baselineStartups), "%.2f", 0, false);
        }
        if (options.only.contains("scale")) {
            scale();
        }
    }

    /** Connector files of the scale round: a prefix and four digits (scale-0001 …). */
    private static final String SCALE_PREFIX = "scale-";

    /** Connectors of the scale round's small instance, the figure each large-instance figure is set against. */
    private static final int SCALE_BASE_CONNECTORS = 10;

    /** Connector list calls measured per instance (after one that warms the path up); the median is reported. */
    private static final int LIST_CALLS = 5;

    /**
     * Many connectors on one Ferry: {@code --connectors} copies of a connector (each reading its own slice of one
     * table), idle and with {@code --running} of them fired at once, against the same on {@value
     * #SCALE_BASE_CONNECTORS} connectors (all of them fired). Figures are medians of {@code --repeat} instances.
     */
    private void scale() throws Exception {
        int[] sizes = {SCALE_BASE_CONNECTORS, options.connectors};
        String t = db.ensure(options.running * options.scaleRows);
        Map<Integer, Map<String, List<Double>>> figures = new LinkedHashMap<>();
        for (int i = 0; i < options.repeat; i++) {
            for (int connectors : sizes) {
                Map<String, List<Double>> f = figures.computeIfAbsent(connectors, c -> new LinkedHashMap<>());
                scaleRound(t, connectors, Math.min(options.running, connectors), f);
            }
        }
        scaleTable.add(new String[] {"Connectors on the instance", String.valueOf(SCALE_BASE_CONNECTORS),
                String.format(Locale.ROOT, "%,d", options.connectors), "", ""});
        scaleRow(figures, "Start-up to ready (s)", "startup", "%.1f", 15, sizes);
        scaleRow(figures, "  to every connector's routes running (s)", "allStarted", "%.1f", 0, sizes);
        scaleRow(figures, "Threads, idle", "threads", "%.0f", 200, sizes);
        scaleRow(figures, "RSS, idle (MB)", "rss", "%.0f", 1024, sizes);
        scaleRow(figures, "Live heap, idle, after a full collection (MB)", "liveHeap", "%.0f", 0, sizes);
        scaleRow(figures, "GET /api/connectors (ms)", "list", "%.0f", 200, sizes);
        scaleTable.add(new String[] {"Runs started at once", String.valueOf(Math.min(options.running, SCALE_BASE_CONNECTORS)),
                String.valueOf(options.running), "", ""});
        scaleRow(figures, String.format(Locale.ROOT, "Time for those runs, %,d rows each, 1 record a request (s)",
                options.scaleRows), "runs", "%.1f", 0, sizes);
        scaleRow(figures, "  records/s", "rate", "%,.0f", 0, sizes);
        scaleRow(figures, "Threads, peak while they ran", "peakThreads", "%.0f", 0, sizes);
        scaleRow(figures, "RSS, peak (MB)", "rssPeak", "%.0f", 0, sizes);
        notes.add(String.format(Locale.ROOT, "Scale rounds: copies of one connector (its own slice of a %,d-row table,"
                + " scheduled far in the future, %d delivery consumers each), every JVM %s; the connector list is the median of"
                + " %d calls after one more; the runs are MANUAL fires of the first connectors, all at once, timed from the"
                + " fire to the receiver's last row.", options.running * options.scaleRows, 4,
                options.scaleHeap == null ? ChildJvm.HEAP : "-Xmx" + options.scaleHeap, LIST_CALLS));
    }

    /** GET /api/connectors, which must list every one of the instance's connectors. */
    private static void listAll(HttpClient http, HttpRequest list, int connectors) throws Exception {
        HttpResponse<String> answer = http.send(list, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200 || JSON.readTree(answer.body()).size() != connectors) {
            throw new IllegalStateException("GET /api/connectors answered " + answer.statusCode() + " without the "
                    + connectors + " connectors: " + answer.body().substring(0, Math.min(500, answer.body().length())));
        }
    }

    private void scaleRound(String t, int connectors, int running, Map<String, List<Double>> figures) throws Exception {
        int n = ++launches;
        Path dir = work.resolve("scale-" + n);
        deleteTree(dir);
        Path routes = dir.resolve("routes");
        Files.createDirectories(routes);
        StringBuilder schedules = new StringBuilder();
        for (int i = 1; i <= connectors; i++) {
            String id = SCALE_PREFIX + String.format(Locale.ROOT, "%04d", i);
            // each connector reads its own slice of the table; those beyond the running ones read nothing
            Files.writeString(routes.resolve(id + ".camel.yaml"), String.format(Locale.ROOT, SCALE_CONNECTOR, id, t,
                    (long) (i - 1) * options.scaleRows, (long) i * options.scaleRows));
            schedules.append(id).append(".schedule.cron = 0 0 0 1 1 ? 2099\n");
        }
        Path properties = dir.resolve("connectors.properties");
        Files.writeString(properties, schedules);
        int port = freePort();
        List<Double> startups = figures.computeIfAbsent("startup", k -> new ArrayList<>());
        try (ChildJvm ferry = new ChildJvm(options.classpath, FerryNode.class.getName(), List.of(
                "ferry.data-dir=" + dir.resolve("data"),
                "camel.server.port=" + port,
                "camel.management.port=" + freePort(),
                "camel.main.routes-include-pattern=file:" + routes + "/*.camel.yaml",
                "rows-to-receiver.target.url=" + receiver.url(),
                "@" + properties), scaleJvmOptions("scale-" + n), dir.resolve("ferry.log"),
                startup -> startups.add(startup / 1000.0))) {
            ferry.await("ready", 900);
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest list = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/connectors")).build();
            // ready: every connector is known, whether or not its routes have started yet
            listAll(http, list, connectors);
            JsonNode started = ferry.await("started", 900);
            figures.computeIfAbsent("allStarted", k -> new ArrayList<>())
                    .add((started.path("at").asLong() - ferry.spawnedAt()) / 1000.0);
            List<Double> calls = new ArrayList<>();
            for (int call = 0; call <= LIST_CALLS; call++) {
                long t0 = System.nanoTime();
                listAll(http, list, connectors);
                double ms = (System.nanoTime() - t0) / 1e6;
                if (call > 0) {
                    calls.add(ms);
                }
            }
            figures.computeIfAbsent("list", k -> new ArrayList<>()).add(median(calls));
            ferry.send("idle");
            JsonNode idle = ferry.await("idle", 60);
            figures.computeIfAbsent("threads", k -> new ArrayList<>()).add(idle.path("threads").asDouble());
            figures.computeIfAbsent("rss", k -> new ArrayList<>()).add(idle.path("rssMb").asDouble());
            figures.computeIfAbsent("liveHeap", k -> new ArrayList<>()).add(idle.path("liveHeapMb").asDouble());
            receiver.expect(Receiver.Expectation.range(running * options.scaleRows));
            ferry.send("runs " + SCALE_PREFIX + " " + running);
            JsonNode runs = ferry.await("runs", 3600);
            long rows = (long) running * options.scaleRows;
            if (runs.path("gathered").asLong() != rows || runs.path("delivered").asLong() != rows
                    || !runs.path("notCompleted").asText().isEmpty()) {
                throw new IllegalStateException(running + " runs of " + connectors + " connectors did not complete with " + rows
                        + " rows delivered: " + runs);
            }
            Round round = finish(runs, connectors + " connectors, " + running + " runs");
            figures.computeIfAbsent("runs", k -> new ArrayList<>()).add(round.seconds);
            figures.computeIfAbsent("rate", k -> new ArrayList<>()).add(rows / round.seconds);
            figures.computeIfAbsent("peakThreads", k -> new ArrayList<>()).add(runs.path("peakThreads").asDouble());
            figures.computeIfAbsent("rssPeak", k -> new ArrayList<>()).add(runs.path("memory").path("rssPeakMb").asDouble());
        }
    }

    /** The scale round's JVM options: --scale-heap, when given, instead of every child's heap; --jfr. */
    private List<String> scaleJvmOptions(String name) {
        List<String> jvm = new ArrayList<>(jfrOption(name));
        jvm.addAll(options.ferryJvm);
        if (options.scaleHeap != null) {
            jvm.add("-Xmx" + options.scaleHeap);
        }
        return jvm;
    }

    /**
     * A connector of the scale round: {@code %1$s} its id, {@code %2$s} the table, {@code %3$d}..{@code %4$d} its
     * slice of ids. Delivery as the benchmark's connector does it, one record a request.
     */
    private static final String SCALE_CONNECTOR = """
            - route:
                id: %1$s-gather
                from:
                  uri: quartz:ferry/%1$s
                  parameters:
                    cron: "{{schedule:%1$s}}"
                  steps:
                    - to:
                        uri: ferry:gather
                        parameters:
                          connector: %1$s
                          dataSource: "#source"
                          query: "SELECT * FROM %2$s WHERE id > %3$d AND id <= %4$d"
                          cursorColumn: updated_at
                          keyColumn: id
                          startPosition: beginning
            - route:
                id: %1$s-deliver
                routeConfigurationId: ferry-delivery
                from:
                  uri: ferry:queue
                  parameters:
                    connector: %1$s
                  steps:
                    - to:
                        uri: "{{rows-to-receiver.target.url}}"
                        parameters:
                          httpMethod: POST
                          headerFilterStrategy: "#ferryTargetHeaders"
                    - to:
                        uri: ferry:delivered
            """;

    /** A row of the scale table: the median figure at each size, and whether the large size meets its target. */
    private void scaleRow(Map<Integer, Map<String, List<Double>>> figures, String label, String figure, String format,
                          double below, int[] sizes) {
        double small = median(figures.get(sizes[0]).getOrDefault(figure, List.of()));
        double large = median(figures.get(sizes[1]).getOrDefault(figure, List.of()));
        scaleTable.add(new String[] {label, String.format(Locale.ROOT, format, small), String.format(Locale.ROOT, format, large),
                below == 0 ? "" : "< " + String.format(Locale.ROOT, "%,.0f", below), below == 0 ? "" : large < below ? "yes" : "NO"});
    }


    /** Warm-up incremental runs of a running Ferry before the measured one. */
    private static final int WARM_UP_RUNS = 3;

    /**
     * One run of 1,000 changed rows in the big table, against the full scan of it: one record a request
     * and batches, Ferry's gather phase apart.
     */
    private void incremental() throws Exception {
        String t = db.ensure(options.bigRows);
        List<Double> scans = new ArrayList<>();
        Map<Integer, List<Double>> ferryRuns = new LinkedHashMap<>();
        Map<Integer, List<Double>> baseRuns = new LinkedHashMap<>();
        List<Double> ferryGathers = new ArrayList<>();
        List<Double> ferryGathersNotWaiting = new ArrayList<>();
        String plan = null;
        long seed = 0;
        for (int i = 0; i < options.repeat; i++) {
            try (ChildJvm scan = baseline(List.of("table=" + t, "mode=scan"))) {
                scan.await("ready", 60);
                scan.send("run");
                JsonNode result = scan.await("run", 3600);
                if (result.path("rows").asLong() != options.bigRows) {
                    throw new IllegalStateException("The full scan read " + result.path("rows") + " rows of " + options.bigRows);
                }
                scans.add((result.path("endedAt").asLong() - result.path("t0").asLong()) / 1000.0);
            }
            // 1 record a request, 100, and 1 again without waiting for open transactions (the gather's cost of it)
            for (int round = 0; round < 3; round++) {
                int batch = round == 1 ? options.batch : 1;
                boolean waiting = round < 2;
                try (ChildJvm ferry = ferry(t, batch, "now", false,
                        List.of("rows-to-receiver.wait-for-open-transactions=" + waiting))) {
                    ferry.await("ready", 120);
                    ferry.await("started", 120);
                    receiver.expect(Receiver.Expectation.of(Map.of()));
                    ferry.send("run");
                    check(ferry.await("run", 600), 0, "the first run of a connector that starts now");
                    // Ferry is a long-running process: runs that warm it up, then the measured one.
                    for (int pass = 0; pass <= WARM_UP_RUNS; pass++) {
                        Object[] before = db.last(t);
                        if (plan == null) {
                            plan = db.incrementalPlan(t, before);
                        }
                        Map<Long, Integer> changed = db.change(t, options.bigRows, options.changed, seed++);
                        receiver.expect(Receiver.Expectation.of(changed));
                        ferry.send("run");
                        JsonNode run = ferry.await("run", 600);
                        check(run, options.changed, "an incremental run");
                        boolean measured = pass == WARM_UP_RUNS;
                        Round finished = finish(run, "Ferry incremental, batch " + batch
                                + (waiting ? "" : ", not waiting for open transactions") + (measured ? "" : ", warm-up"));
                        double gather = (run.path("submittedAt").asLong() - run.path("startedAt").asLong()) / 1000.0;
                        if (measured && !waiting) {
                            ferryGathersNotWaiting.add(gather);
                        } else if (measured) {
                            ferryRuns.computeIfAbsent(batch, b -> new ArrayList<>()).add(finished.seconds);
                            if (batch == 1) {
                                ferryGathers.add(gather);
                            }
                        }
                    }
                }
                if (!waiting) {
                    continue;
                }
                Object[] before = db.last(t);
                Map<Long, Integer> changed = db.change(t, options.bigRows, options.changed, seed++);
                baseRuns.computeIfAbsent(batch, b -> new ArrayList<>())
                        .add(baselineRound(t, batch, before, Receiver.Expectation.of(changed)).seconds);
            }
        }
        double scan = median(scans);
        row(String.format(Locale.ROOT, "Full scan of %,d rows, JDBC read only (s)", options.bigRows), Double.NaN, scan, "%.2f", 0, false);
        double gatherShare = median(ferryGathers) / scan;
        table.add(new String[] {"Incremental gather (run start to SUBMITTED) / full scan", pct(gatherShare), "", "", "< 2%",
                gatherShare < 0.02 ? "yes" : "NO"});
        double waitingCost = median(ferryGathers) / median(ferryGathersNotWaiting);
        table.add(new String[] {"  that gather, waiting for open transactions / not waiting (s)", String.format(Locale.ROOT,
                "%.3f / %.3f", median(ferryGathers), median(ferryGathersNotWaiting)), "", String.format(Locale.ROOT, "%.2f",
                waitingCost), "small", ""});
        for (int batch : ferryRuns.keySet()) {
            String mode = batch == 1 ? "1 record per request" : batch + " records per request";
            double ferry = median(ferryRuns.get(batch));
            double base = median(baseRuns.get(batch));
            row(String.format(Locale.ROOT, "Incremental run, %,d changed of %,d rows, %s (s)", options.changed, options.bigRows,
                    mode), ferry, base, "%.3f", 0, false);
            table.add(new String[] {"  that run / full scan", pct(ferry / scan), pct(base / scan), "", "< 2%",
                    ferry / scan < 0.02 ? "yes" : "NO"});
        }
        notes.add(String.format(Locale.ROOT, "Incremental runs: Ferry's measured run follows %d warm-up runs of the same"
                + " running Ferry; the baseline is a fresh JVM. Gathering (run start to SUBMITTED, the part that reads the"
                + " source) took a median %.3f s (%.3f s with waitForOpenTransactions off: what observing the source's"
                + " open transactions costs a run); the rest of a run is the delivery of the %,d records.", WARM_UP_RUNS,
                median(ferryGathers), median(ferryGathersNotWaiting), options.changed));
        notes.add("PostgreSQL's plan for Ferry's incremental query: " + plan);
    }

    /** A full refresh's Ferry heap: it has to stay flat at the size the issue names. */
    private static final String REFRESH_HEAP = "-Xmx256m";

    /**
     * Full refresh ({@code refresh: full}) on the small table and the full-sync table, each in a Ferry of its own with
     * {@value #REFRESH_HEAP} and a full collection every second: the first full refresh delivers every row (the key
     * registry is empty), an incremental run then delivers {@code changed} changed rows, and the measured full refresh
     * reads every row again and delivers the next {@code changed} changed ones. Reported: its time against the
     * incremental run's, its rows read per second, and its live heap peak on the big table against the small one.
     */
    private void refresh() throws Exception {
        Map<Integer, List<Double>> refreshes = new LinkedHashMap<>();
        Map<Integer, List<Double>> incrementals = new LinkedHashMap<>();
        Map<Integer, List<Double>> firsts = new LinkedHashMap<>();
        Map<Integer, List<JsonNode>> heaps = new LinkedHashMap<>();
        long seed = 1_000_000;
        for (int i = 0; i < options.repeat; i++) {
            for (int rows : List.of(options.smallRows, options.rows)) {
                String t = db.ensure(rows);
                // the round changes rows; the whole-table rounds expect them as generated
                db.resetVersions(t);
                List<String> settings = List.of("rows-to-receiver.refresh=full", "rows-to-receiver.wait-for-open-transactions=true");
                try (ChildJvm ferry = ferry(t, options.batch, "now", true, settings, List.of(REFRESH_HEAP))) {
                    ferry.await("ready", 120);
                    ferry.await("started", 120);
                    receiver.expect(Receiver.Expectation.range(rows));
                    ferry.send("run");
                    JsonNode first = ferry.await("run", 3600);
                    check(first, rows, "the first full refresh (an empty key registry)");
                    firsts.computeIfAbsent(rows, r -> new ArrayList<>())
                            .add(finish(first, "Ferry full refresh, first").seconds);

                    Map<Long, Integer> changed = db.change(t, rows, options.changed, seed++);
                    receiver.expect(Receiver.Expectation.of(changed));
                    ferry.send("run incremental");
                    JsonNode incremental = ferry.await("run", 600);
                    check(incremental, options.changed, "an incremental run");
                    incrementals.computeIfAbsent(rows, r -> new ArrayList<>())
                            .add(finish(incremental, "Ferry incremental").seconds);

                    changed = db.change(t, rows, options.changed, seed++);
                    receiver.expect(Receiver.Expectation.of(changed));
                    ferry.send("run");
                    JsonNode full = ferry.await("run", 3600);
                    check(full, options.changed, "a full refresh");
                    if (full.path("unchanged").asLong() != rows - options.changed) {
                        throw new IllegalStateException("a full refresh counted " + full.path("unchanged") + " unchanged rows, not "
                                + (rows - options.changed) + ": " + full);
                    }
                    Round round = finish(full, "Ferry full refresh");
                    refreshes.computeIfAbsent(rows, r -> new ArrayList<>()).add(round.seconds);
                    heaps.computeIfAbsent(rows, r -> new ArrayList<>()).add(round.memory);
                } finally {
                    db.resetVersions(t);
                }
            }
        }
        for (int rows : refreshes.keySet()) {
            double full = median(refreshes.get(rows));
            double incremental = median(incrementals.get(rows));
            table.add(new String[] {String.format(Locale.ROOT, "Full refresh of %,d rows, %,d changed / incremental run of"
                    + " %,d changed (s)", rows, options.changed, options.changed), String.format(Locale.ROOT, "%.2f / %.3f",
                    full, incremental), "", String.format(Locale.ROOT, "%.0f", full / incremental), "", ""});
            table.add(new String[] {"  that full refresh, rows read per second; the first (every row delivered) (s)",
                    String.format(Locale.ROOT, "%,.0f; %.1f", rows / full,
                    median(firsts.get(rows))), "", "", "", ""});
        }
        double small = medianOf(heaps.get(options.smallRows), "liveHeapPeakMb");
        double big = medianOf(heaps.get(options.rows), "liveHeapPeakMb");
        double growth = big / small;
        table.add(new String[] {String.format(Locale.ROOT, "Full refresh live heap peak (MB), %,d rows / %,d rows, %s",
                options.rows, options.smallRows, REFRESH_HEAP), String.format(Locale.ROOT, "%.0f / %.0f = %.2f", big, small,
                growth), "", "", "<= 1.20", growth <= 1.2 ? "yes" : "NO"});
        notes.add(String.format(Locale.ROOT, "Full refresh rounds: a Ferry with %s and refresh: full per table, batches of %d;"
                + " its first full refresh delivers every row, an incremental run (an operator's, from the position the first"
                + " took) delivers %,d changed rows, and the measured full refresh reads every row, compares it with the key"
                + " registry (H2, the embedded state database) 500 keys a query and delivers the next %,d changed rows.",
                REFRESH_HEAP, options.batch, options.changed, options.changed));
    }

    /**
     * Ferry's live heap and RSS syncing the small table and the full-sync table, in the same mode (batches,
     * so that the million-row rounds take seconds, not minutes), with a full collection every second.
     */
    private void memory() throws Exception {
        String small = db.ensure(options.smallRows);
        String big = db.ensure(options.rows);
        List<JsonNode> ferrySmall = new ArrayList<>();
        List<JsonNode> ferryBig = new ArrayList<>();
        List<JsonNode> baseSmall = new ArrayList<>();
        List<JsonNode> baseBig = new ArrayList<>();
        for (int i = 0; i < options.repeat; i++) {
            ferrySmall.add(ferryFull(small, options.batch, options.smallRows, true).memory);
            baseSmall.add(baselineRound(small, options.batch, null, Receiver.Expectation.range(options.smallRows), true).memory);
            ferryBig.add(ferryFull(big, options.batch, options.rows, true).memory);
            baseBig.add(baselineRound(big, options.batch, null, Receiver.Expectation.range(options.rows), true).memory);
        }
        String smallLabel = String.format(Locale.ROOT, "%,d rows", options.smallRows);
        String bigLabel = String.format(Locale.ROOT, "%,d rows", options.rows);
        double smallLive = medianOf(ferrySmall, "liveHeapPeakMb");
        double bigLive = medianOf(ferryBig, "liveHeapPeakMb");
        row("Live heap peak, " + smallLabel + " (MB)", smallLive, medianOf(baseSmall, "liveHeapPeakMb"), "%.0f", 0, false);
        row("Live heap peak, " + bigLabel + " (MB)", bigLive, medianOf(baseBig, "liveHeapPeakMb"), "%.0f", 0, false);
        row("RSS peak, " + smallLabel + " (MB)", medianOf(ferrySmall, "rssPeakMb"), medianOf(baseSmall, "rssPeakMb"), "%.0f", 0, false);
        row("RSS peak, " + bigLabel + " (MB)", medianOf(ferryBig, "rssPeakMb"), medianOf(baseBig, "rssPeakMb"), "%.0f", 0, false);
        double growth = bigLive / smallLive;
        table.add(new String[] {"Ferry live heap peak, " + bigLabel + " / " + smallLabel, String.format(Locale.ROOT, "%.2f", growth),
                String.format(Locale.ROOT, "%.2f", medianOf(baseBig, "liveHeapPeakMb") / medianOf(baseSmall, "liveHeapPeakMb")),
                "", "<= 1.20", growth <= 1.2 ? "yes" : "NO"});
        notes.add("Memory rounds: " + options.batch + " records per request, a full garbage collection forced every second in"
                + " Ferry's and the baseline's JVM; the live heap peak is the most heap in use after one of them.");
    }

    /** A measured round: seconds from the child's start signal to the receiver's last expected row. */
    private record Round(double seconds, JsonNode memory) {
    }

    private Round ferryFull(String t, int batch, int rows) throws Exception {
        return ferryFull(t, batch, rows, false);
    }

    private Round ferryFull(String t, int batch, int rows, boolean sampleLiveHeap) throws Exception {
        return ferryFull(t, batch, rows, sampleLiveHeap, null);
    }

    /** ... and, when {@code warm} is given, the same sync again in that JVM from the beginning, its memory added there. */
    private Round ferryFull(String t, int batch, int rows, boolean sampleLiveHeap, List<JsonNode> warm) throws Exception {
        try (ChildJvm ferry = ferry(t, batch, "beginning", sampleLiveHeap)) {
            ferry.await("ready", 120);
            ferry.await("started", 120);
            receiver.expect(Receiver.Expectation.range(rows));
            ferry.send("run");
            JsonNode run = ferry.await("run", 3600);
            check(run, rows, "a full sync");
            Round round = finish(run, "Ferry, batch " + batch);
            if (warm != null) {
                ferry.send("rewind");
                ferry.await("rewound", 60);
                receiver.expect(Receiver.Expectation.range(rows));
                ferry.send("run");
                JsonNode again = ferry.await("run", 3600);
                check(again, rows, "a full sync again");
                warm.add(finish(again, "Ferry, batch " + batch + ", again in its JVM").memory);
            }
            return round;
        }
    }

    private Round baselineRound(String t, int batch, Object[] after, Receiver.Expectation expectation) throws Exception {
        return baselineRound(t, batch, after, expectation, false);
    }

    private Round baselineRound(String t, int batch, Object[] after, Receiver.Expectation expectation, boolean sampleLiveHeap)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("table=" + t, "batch=" + batch, "concurrency=" + options.concurrency,
                "target=" + receiver.url()));
        if (after != null) {
            args.add("afterTs=" + ((OffsetDateTime) after[0]).toString());
            args.add("afterId=" + after[1]);
        }
        try (ChildJvm base = baseline(args, sampleLiveHeap)) {
            base.await("ready", 60);
            receiver.expect(expectation);
            base.send("run");
            JsonNode run = base.await("run", 3600);
            Round round = finish(run, "baseline, batch " + batch);
            return round;
        }
    }

    /** Waits for the receiver's verdict on a round; fails the benchmark when the round is incomplete. */
    private Round finish(JsonNode run, String what) throws Exception {
        long completedAt;
        try {
            completedAt = receiver.completion().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(what + ": the receiver is missing rows: " + receiver.tally().summary());
        }
        Receiver.Tally tally = receiver.tally();
        if (!tally.complete()) {
            throw new IllegalStateException(what + ": the receiver's check failed: " + tally.summary());
        }
        double seconds = (completedAt - run.path("t0").asLong()) / 1000.0;
        System.out.printf(Locale.ROOT, "  %-28s %,9d rows in %7.2f s = %,9.0f rows/s; %s; memory %s%n    CPU s by thread: %s%n",
                what, tally.distinct(), seconds, tally.distinct() / seconds, tally.summary(), run.path("memory"), run.path("threads"));
        return new Round(seconds, run.path("memory"));
    }

    private static void check(JsonNode run, long rows, String what) {
        if (!"COMPLETED".equals(run.path("status").asText()) || run.path("gathered").asLong() != rows
                || run.path("delivered").asLong() != rows) {
            throw new IllegalStateException(what + " did not complete with " + rows + " rows delivered: " + run);
        }
    }

    private ChildJvm ferry(String t, int batch, String startPosition) throws Exception {
        return ferry(t, batch, startPosition, false);
    }

    private ChildJvm ferry(String t, int batch, String startPosition, boolean sampleLiveHeap) throws Exception {
        return ferry(t, batch, startPosition, sampleLiveHeap, List.of());
    }

    /**
     * @param sampleLiveHeap force a full collection every second to measure the live heap (memory rounds only)
     * @param settings       more of Ferry's settings, {@code key=value}
     */
    private ChildJvm ferry(String t, int batch, String startPosition, boolean sampleLiveHeap, List<String> settings)
            throws Exception {
        return ferry(t, batch, startPosition, sampleLiveHeap, settings, List.of());
    }

    /** ... with these JVM options after the others (a later {@code -Xmx} wins). */
    private ChildJvm ferry(String t, int batch, String startPosition, boolean sampleLiveHeap, List<String> settings,
                           List<String> jvmOptions) throws Exception {
        int n = ++launches;
        Path dataDir = work.resolve("ferry-" + n);
        deleteTree(dataDir);
        List<String> jvm = new ArrayList<>();
        if (sampleLiveHeap) {
            jvm.add("-Dbench.sample-live-heap=true");
        }
        jvm.addAll(jfrOption("ferry-" + n));
        jvm.addAll(options.ferryJvm);
        jvm.addAll(jvmOptions);
        List<String> all = new ArrayList<>(List.of(
                "ferry.data-dir=" + dataDir,
                "camel.server.port=" + freePort(),
                "camel.management.port=" + freePort(),
                "rows-to-receiver.source.table=" + t,
                "rows-to-receiver.target.url=" + receiver.url(),
                "rows-to-receiver.delivery.concurrency=" + options.concurrency,
                "rows-to-receiver.batch-size=" + batch,
                "rows-to-receiver.start-position=" + startPosition));
        all.addAll(settings);
        return new ChildJvm(options.classpath, FerryNode.class.getName(), all, jvm, work.resolve("ferry-" + n + ".log"),
                startup -> ferryStartups.add(startup / 1000.0));
    }

    /** The JVM option that records a JDK Flight Recording of a Ferry child as {@code target/bench/<name>.jfr}, with --jfr. */
    private List<String> jfrOption(String name) {
        return options.jfr ? List.of("-XX:StartFlightRecording=filename=" + work.resolve(name + ".jfr")
                + ",settings=profile,jdk.ExecutionSample#period=2ms") : List.of();
    }

    private ChildJvm baseline(List<String> args) throws Exception {
        return baseline(args, false);
    }

    private ChildJvm baseline(List<String> args, boolean sampleLiveHeap) throws Exception {
        int n = ++launches;
        return new ChildJvm(options.classpath, Baseline.class.getName(), args,
                sampleLiveHeap ? List.of("-Dbench.sample-live-heap=true") : List.of(),
                work.resolve("baseline-" + n + ".log"), startup -> baselineStartups.add(startup / 1000.0));
    }

    private void row(String label, double ferry, double base, String format, double target, boolean higherIsBetter) {
        String ratio = Double.isNaN(ferry) || Double.isNaN(base) ? "" : String.format(Locale.ROOT, "%.2f", ferry / base);
        String goal = target == 0 ? "" : "≥ " + target;
        String met = target == 0 ? "" : (higherIsBetter ? ferry / base >= target : ferry / base <= target) ? "yes" : "NO";
        table.add(new String[] {label, Double.isNaN(ferry) ? "" : String.format(Locale.ROOT, format, ferry),
                Double.isNaN(base) ? "" : String.format(Locale.ROOT, format, base), ratio, goal, met});
    }

    private String report(String machine) {
        StringBuilder out = new StringBuilder();
        out.append(machine).append("\n\n");
        if (!table.isEmpty()) {
            out.append("| figure (median of ").append(options.repeat).append(") | Ferry | baseline | Ferry/baseline | target | met |\n");
            out.append("|---|---:|---:|---:|---|---|\n");
            for (String[] r : table) {
                out.append("| ").append(String.join(" | ", r)).append(" |\n");
            }
        }
        if (!scaleTable.isEmpty()) {
            out.append("\n| scale (median of ").append(options.repeat).append(") | small instance | large instance | target | met |\n");
            out.append("|---|---:|---:|---|---|\n");
            for (String[] r : scaleTable) {
                out.append("| ").append(String.join(" | ", r)).append(" |\n");
            }
        }
        for (String note : notes) {
            out.append("\n").append(note).append("\n");
        }
        return out.toString();
    }

    private static String machine(BenchDatabase db) throws Exception {
        String cpu = "unknown CPU";
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                cpu = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        long memKb = 0;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                memKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return String.format(Locale.ROOT, "Run of %s on %s, %d cores, %.0f GB RAM; %s %s; Java %s; PostgreSQL %s;"
                        + " every JVM %s with G1.",
                OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")), cpu,
                Runtime.getRuntime().availableProcessors(), memKb / 1024.0 / 1024.0, System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("java.version"), db.version(), ChildJvm.HEAP);
    }

    /** Replaces what lies between the {@code bench:begin} and {@code bench:end} marks of RESULTS.md. */
    static void writeResults(Path file, String report) throws IOException {
        String begin = "<!-- bench:begin (written by bench/run) -->";
        String end = "<!-- bench:end -->";
        String text = Files.exists(file) ? Files.readString(file) : "# Benchmark results\n\n" + begin + "\n" + end + "\n";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            text = text + "\n" + begin + "\n" + end + "\n";
            from = text.indexOf(begin);
            to = text.indexOf(end);
        }
        Files.writeString(file, text.substring(0, from + begin.length()) + "\n" + report + text.substring(to));
    }

    static Map<String, String> properties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        Map<String, String> map = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> map.put(k, p.getProperty(k)));
        return map;
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double medianOf(List<JsonNode> memories, String field) {
        return median(memories.stream().map(m -> m.path(field).asDouble()).toList());
    }

    private static String pct(double share) {
        return String.format(Locale.ROOT, "%.2f%%", share * 100);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Command-line options; see bench/run. */
    private record Options(int rows, int bigRows, int smallRows, int changed, int repeat, int batch, int concurrency,
                           Set<String> only, boolean write, boolean jfr, String classpath, String modes, int connectors,
                           int running, int scaleRows, String scaleHeap, List<String> ferryJvm) {

        private static final Set<String> FLAGS = Set.of("no-write", "jfr");
        private static final Set<String> VALUED = Set.of("rows", "big-rows", "small-rows", "changed", "repeat", "batch",
                "concurrency", "only", "classpath", "modes", "connectors", "running", "scale-rows", "scale-heap",
                "ferry-jvm");

        /** Records per request of the full-sync rounds: 1 (single) and --batch (batch). */
        int[] batches() {
            return java.util.Arrays.stream(modes.split(",")).mapToInt(m -> "single".equals(m) ? 1 : batch).toArray();
        }

        static Options parse(String[] args) {
            Map<String, String> a = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String name = args[i].startsWith("--") ? args[i].substring(2) : "";
                if (FLAGS.contains(name)) {
                    a.put(name, "true");
                } else if (!VALUED.contains(name)) {
                    throw new IllegalArgumentException("Unknown option '" + args[i] + "' (bench/run --help lists them)");
                } else if (i + 1 == args.length) {
                    throw new IllegalArgumentException("Option '" + args[i] + "' needs a value (bench/run --help)");
                } else {
                    a.put(name, args[++i]);
                }
            }
            return new Options(
                    Integer.parseInt(a.getOrDefault("rows", "1000000")),
                    Integer.parseInt(a.getOrDefault("big-rows", "10000000")),
                    Integer.parseInt(a.getOrDefault("small-rows", "100000")),
                    Integer.parseInt(a.getOrDefault("changed", "1000")),
                    Integer.parseInt(a.getOrDefault("repeat", "3")),
                    Integer.parseInt(a.getOrDefault("batch", "100")),
                    Integer.parseInt(a.getOrDefault("concurrency", "4")),
                    Set.of(a.getOrDefault("only", "full,incremental,refresh,memory,startup,scale").split(",")),
                    !a.containsKey("no-write"),
                    a.containsKey("jfr"),
                    a.get("classpath"),
                    a.getOrDefault("modes", "single,batch"),
                    Integer.parseInt(a.getOrDefault("connectors", "1000")),
                    Integer.parseInt(a.getOrDefault("running", "50")),
                    Integer.parseInt(a.getOrDefault("scale-rows", "1000")),
                    a.get("scale-heap"),
                    a.containsKey("ferry-jvm") ? List.of(a.get("ferry-jvm").trim().split("\\s+")) : List.of());
        }
    }
}
