package dev.ferry.prod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.support.Api;
import dev.ferry.support.FerryProcess;
import dev.ferry.support.PostgresServer;
import dev.ferry.support.Reconciliation;
import dev.ferry.support.StandaloneBroker;
import dev.ferry.support.Target;

/**
 * Two Ferry instances in JVMs of their own share one PostgreSQL and one broker (issue 8, acceptance 1): Quartz's
 * clustered job store gives each fire to one instance, and both deliver from the shared queue.
 */
class ClusterTest {

    private static final String C = "customers-to-erp";

    @TempDir
    Path data;
    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    private Target target;
    private StandaloneBroker broker;
    private String stateUrl;
    private String sourceUrl;

    /** A broker and the databases, and the settings both instances share. */
    private Map<String, String> cluster() throws Exception {
        broker = StandaloneBroker.start(data.resolve("broker"));
        started.add(broker);
        target = new Target();
        started.add(target);
        stateUrl = PostgresServer.shared().newDatabase();
        sourceUrl = PostgresServer.shared().newDatabase();

        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("ferry.state.url", stateUrl);
        settings.put("ferry.state.username", "ferry");
        settings.put("ferry.broker.url", broker.url());
        settings.put("camel.beans.source.jdbc-url", sourceUrl);
        settings.put("camel.beans.source.username", "ferry");
        settings.put("camel.beans.demoSource.jdbc-url", sourceUrl);
        settings.put("camel.beans.demoSource.username", "ferry");
        settings.put("customers-to-erp.schedule.cron", "0/10 * * * * ?");
        settings.put("invoices-to-erp.schedule.cron", "0 0 0 1 1 ? 2099");
        settings.put("payments-to-billing.schedule.cron", "0 0 0 1 1 ? 2099");
        settings.put("customers-to-erp.target.url", target.url("/erp/customers"));
        settings.put("invoices-to-erp.target.url", target.url("/erp/invoices"));
        settings.put("ferry.runs.flush-interval", "100ms");
        return settings;
    }

    /** Starts instance {@code name}; the first one seeds the source with the demo's customers. */
    private FerryProcess instance(String name, Map<String, String> settings, int seedCustomers) throws Exception {
        Map<String, String> own = new LinkedHashMap<>(settings);
        if (seedCustomers > 0) {
            own.put("ferry.demo.enabled", "true");
            own.put("ferry.demo.customers", String.valueOf(seedCustomers));
            own.put("ferry.demo.invoices", "10");
        }
        own.put("ferry.data-dir", data.resolve(name).toString());
        FerryProcess ferry = FerryProcess.start(name, "demo,prod", own, data);
        started.add(ferry);
        return ferry;
    }

    @Test
    void everyFireRunsOnceAcrossTheClusterAndBothInstancesDeliver() throws Exception {
        Map<String, String> settings = cluster();
        FerryProcess a = instance("a", settings, 400);
        FerryProcess b = instance("b", settings, 0);

        // a minute of fires every 10 s, with customers changing in between
        Instant from = Instant.now();
        Instant until = from.plus(Duration.ofSeconds(60));
        try (Connection source = DriverManager.getConnection(sourceUrl)) {
            await().atMost(Duration.ofSeconds(100)).pollInterval(Duration.ofSeconds(3)).until(() -> {
                try (PreparedStatement touch = source.prepareStatement("UPDATE customers SET credit_limit ="
                        + " credit_limit + 1, updated_at = LOCALTIMESTAMP - INTERVAL '6 seconds'"
                        + " WHERE id % 40 = (EXTRACT(EPOCH FROM now())::int % 40)")) {
                    touch.executeUpdate();
                }
                return Instant.now().isAfter(until);
            });
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> unfinished(stateUrl) == 0);

        Map<Long, Integer> runsPerFire = new TreeMap<>();
        for (Instant started : scheduledRunStarts(stateUrl)) {
            if (!started.isBefore(from.plusSeconds(10)) && started.isBefore(until)) {
                runsPerFire.merge(started.getEpochSecond() / 10, 1, Integer::sum);
            }
        }
        assertThat(runsPerFire).as("runs per 10-second fire").hasSizeGreaterThanOrEqualTo(4);
        assertThat(runsPerFire.values()).as("runs per fire").allMatch(n -> n == 1);
        assertThat(a.log() + b.log()).doesNotContain("has a run processing on another Ferry instance");
        // both schedulers are members of one Quartz cluster (which one takes a fire is Quartz's choice)
        assertThat(clusterMembers(stateUrl)).as("Quartz cluster members").isEqualTo(2);
        assertThat(scheduledRunsIn(a.log()) + scheduledRunsIn(b.log())).isEqualTo(scheduledRunStarts(stateUrl).size());
        // and both delivered from the shared queue
        assertThat(delivered(a)).as("records delivered by a").isPositive();
        assertThat(delivered(b)).as("records delivered by b").isPositive();
        System.out.printf("cluster: %d fires in the minute, runs per fire %s; delivered by a %.0f, by b %.0f%n",
                runsPerFire.size(), runsPerFire.values(), delivered(a), delivered(b));
    }

    @Test
    void killingTheInstanceThatIsGatheringLosesNoRowTheOtherRecoversTheRunAndDeliversEverything() throws Exception {
        int customers = 20_000;
        Map<String, String> settings = cluster();
        settings.put("camel.component.ferry.fetch-size", "200");
        // no fire: the run starts when both instances are up (a fire while b was still starting gathered it all)
        settings.put("customers-to-erp.schedule.cron", "0 0 0 1 1 ? 2099");
        FerryProcess a = instance("a", settings, customers);
        FerryProcess b = instance("b", settings, 0);

        long run = a.api().post("/api/connectors/" + C + "/runs").json().get("id").asLong();
        // killed while still gathering, with records of the run already queued and some delivered
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> processingRun(stateUrl) == run && delivered(stateUrl, run) > 0);
        FerryProcess gathering = a;
        FerryProcess survivor = b;
        gathering.kill();

        // the survivor finds the run orphaned (its lock went with the dead instance's connection)
        await().atMost(Duration.ofSeconds(60)).until(() -> status(stateUrl, run).equals("FAILED"));
        // the survivor says so right after marking it, and its output reaches this test through a pipe: wait for it
        await().atMost(Duration.ofSeconds(10)).until(() -> survivor.log().contains("Run " + run
                + " customers-to-erp was interrupted"));
        // and its next run gathers from the unmoved watermark: every row reaches the target
        survivor.api().post("/api/connectors/" + C + "/runs");
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(
                () -> new java.util.HashSet<>(target.customerNumbers("/erp/customers")).size() == customers);
        // the records the broken-off run had queued were delivered and counted on it: gathered counts them too
        var failed = survivor.api().get("/api/runs/" + run).json().get("run");
        System.out.printf("kill while gathering: run %d %s gathered %d, delivered %d, failed %d%n", run,
                failed.get("status").asText(), failed.get("gathered").asLong(), failed.get("delivered").asLong(),
                failed.get("failed").asLong());
        assertThat(failed.get("gathered").asLong())
                .isGreaterThanOrEqualTo(failed.get("delivered").asLong() + failed.get("failed").asLong());
        // reconciled: the target has every customer as the source has it, a repeat under its original's key
        Reconciliation reconciled = Reconciliation.customers(sourceUrl, target, "/erp/customers");
        assertThat(reconciled.problems()).isEmpty();
        assertThat(reconciled.rows()).isEqualTo(customers);
        System.out.printf("kill: run %d FAILED and recovered; %s%n", run, reconciled);
    }

    @Test
    void killingTheInstanceThatDeliversMostOfARunTheSurvivorFinishesItWithinTheBoundWhileTheOtherStaysDown()
            throws Exception {
        int customers = 20_000;
        Duration lease = Duration.ofSeconds(10);
        Duration heartbeat = Duration.ofSeconds(2);
        Map<String, String> settings = cluster();
        settings.put("ferry.cluster.lease", lease.toSeconds() + "s");
        settings.put("ferry.cluster.heartbeat-interval", heartbeat.toSeconds() + "s");
        // counts are written every 2 s (and at each beat): the victim dies with some it has not written
        settings.put("ferry.runs.flush-interval", "2s");
        // one fire, a minute after start: the test's run is the only one
        settings.put("customers-to-erp.schedule.cron", "0 0 0 1 1 ? 2099");
        // each delivery takes a few milliseconds, so that the run is still delivering when an instance dies
        target.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching("/erp/.*")).atPriority(5)
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200)
                        .withFixedDelay(2)));
        Map<String, FerryProcess> instances = new LinkedHashMap<>();
        settings.put("ferry.instance-name", "ledger-a");
        instances.put("ledger-a", instance("a", settings, customers));
        settings.put("ferry.instance-name", "ledger-b");
        instances.put("ledger-b", instance("b", settings, 0));

        // Quartz knows the instances by their names
        await().atMost(Duration.ofSeconds(30)).until(() -> clusterMemberNames(stateUrl).size() == 2);
        assertThat(clusterMemberNames(stateUrl)).containsExactly("ledger-a", "ledger-b");

        long run = instances.get("ledger-a").api().post("/api/connectors/" + C + "/runs").json().get("id").asLong();
        // delivering, from both instances, less than half done
        Map<String, Long> shares = await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> status(stateUrl, run).equals("SUBMITTED") ? deliveredBy(stateUrl, run) : Map.<String, Long>of(),
                        d -> d.size() == 2 && d.values().stream().mapToLong(Long::longValue).sum() >= 2_000);
        String victim = shares.get("ledger-a") >= shares.get("ledger-b") ? "ledger-a" : "ledger-b";
        String survivor = victim.equals("ledger-a") ? "ledger-b" : "ledger-a";
        instances.get(victim).kill();
        Instant killedAt = Instant.now();

        // every customer reaches the target (the victim's unacknowledged records go back to the queue)
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(
                () -> new java.util.HashSet<>(target.customerNumbers("/erp/customers")).size() == customers);
        Instant drainedAt = Instant.now();
        // and the survivor finishes the run while the victim stays down
        Duration bound = lease.plus(heartbeat.multipliedBy(4));
        await().atMost(bound.plusSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> !status(stateUrl, run).equals("SUBMITTED"));
        assertThat(instances.get(victim).alive()).isFalse();
        var finished = instances.get(survivor).api().get("/api/runs/" + run).json().get("run");
        Instant endedAt = Instant.parse(finished.get("endedAt").asText());
        Instant from = killedAt.isAfter(drainedAt) ? killedAt : drainedAt;
        Duration took = Duration.between(from, endedAt);
        System.out.printf("orphaned delivery: run %d, %s killed after %s; all delivered %.1f s after the kill; run %s"
                        + " %.1f s after that (bound %d s); %s%n", run, victim, shares,
                Duration.between(killedAt, drainedAt).toMillis() / 1000.0, finished.get("status").asText(),
                took.toMillis() / 1000.0, bound.toSeconds(), finished.get("deliveredBy") + "; " + finished.get("error"));
        assertThat(took).as("from the later of the kill and the last delivery to the end of the run").isLessThanOrEqualTo(bound.plusSeconds(2));

        // counts consistent: every record delivered once or more, counted once
        assertThat(finished.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(finished.get("gathered").asLong()).isEqualTo(customers);
        assertThat(finished.get("delivered").asLong()).isEqualTo(customers);
        assertThat(finished.get("failed").asLong()).isZero();
        assertThat(finished.get("gatheredBy").asText()).isEqualTo("ledger-a");
        Map<String, Long> counted = new TreeMap<>();
        finished.get("deliveredBy").forEach(d -> counted.put(d.get("instance").asText(), d.get("delivered").asLong()));
        assertThat(counted.keySet()).containsExactly("ledger-a", "ledger-b");
        assertThat(counted.values().stream().mapToLong(Long::longValue).sum()).isLessThanOrEqualTo(customers);
        // (finished from the queue — unless the victim died just after writing every count it had, and the survivor's
        // last count finished the run)
        if (!finished.get("error").isNull()) {
            assertThat(finished.get("error").asText()).startsWith("Instance(s) " + victim + " stopped uncleanly while"
                    + " this run was delivering; all its records were processed, and the delivered count was completed"
                    + " from the queue");
        }
        // reconciled: the target has every customer as the source has it, a repeat under its original's key
        Reconciliation reconciled = Reconciliation.customers(sourceUrl, target, "/erp/customers");
        assertThat(reconciled.problems()).isEmpty();
        assertThat(reconciled.rows()).isEqualTo(customers);
        System.out.println("orphaned delivery: " + reconciled);
        // the survivor lists the victim as gone, itself alive
        Map<String, String> states = new TreeMap<>();
        instances.get(survivor).api().get("/api/instances").json()
                .forEach(i -> states.put(i.get("name").asText(), i.get("state").asText() + (i.get("self").asBoolean() ? ", self" : "")));
        assertThat(states).containsEntry(victim, "gone").containsEntry(survivor, "alive, self");
        // the survivor's log says who is gone, and the run's end line where it ran
        String log = instances.get(survivor).log();
        assertThat(log).contains("Ferry instance " + victim + " (on ").contains("is gone: its heartbeat has not moved for 10 s");
        assertThat(log).containsPattern("Run " + run + " customers-to-erp COMPLETED in .*: gathered 20000, delivered 20000,"
                + " failed 0, skipped 0; gathered on ledger-a, delivered by ledger-a \\d+, ledger-b \\d+");
    }

    @Test
    void aBrokerOutageOfThirtySecondsIsOneLineWhenItBeginsAndOneWhenItEndsWithoutAStackTrace() throws Exception {
        FerryProcess ferry = oneInstanceAfterARun();
        int offset = ferry.log().length();

        broker.kill();
        Instant down = Instant.now();
        // 30 s of outage, as the deliver routes' consumers, the pool and the watch meet it
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() ->
                Duration.between(down, Instant.now()).toSeconds() >= 30 && ferry.log().contains("is unreachable since"));
        broker.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> ferry.log().contains("answers again"));
        // and deliveries work again without a restart
        long after = ferry.api().post("/api/connectors/" + C + "/runs").json().get("id").asLong();
        await().atMost(Duration.ofSeconds(60)).until(() -> status(stateUrl, after).equals("COMPLETED"));

        List<String> outage = linesBefore(ferry, offset, after);
        System.out.println("broker outage, log lines meanwhile:\n" + String.join("\n", outage));
        assertThat(outage).noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by"));
        assertThat(outage).filteredOn(l -> l.contains(" WARN ") || l.contains(" ERROR ")).hasSize(1)
                .first().asString().contains("The broker at ").contains(" is unreachable since ");
        assertThat(outage).filteredOn(l -> l.contains("answers again")).hasSize(1).first().asString()
                .contains(" INFO ").containsPattern("after \\d+ s away; deliveries resume");
    }

    @Test
    void aStateDatabaseOutageOfThirtySecondsIsOneLineWhenItBeginsAndOneWhenItEndsWithoutAStackTrace() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(PostgresServer.shared().restartable(),
                "needs the tests' own PostgreSQL (FERRY_TEST_PG_URL names an external one)");
        FerryProcess ferry = oneInstanceAfterARun();
        int offset = ferry.log().length();

        PostgresServer.shared().stop();
        Instant down = Instant.now();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    Duration.between(down, Instant.now()).toSeconds() >= 30);
        } finally {
            PostgresServer.shared().start();
        }
        // and runs work again without a restart
        long after = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Api.Answer started = ferry.api().post("/api/connectors/" + C + "/runs");
            return started.status() == 202 ? started.json().get("id").asLong() : 0L;
        }, id -> id > 0);
        await().atMost(Duration.ofSeconds(60)).until(() -> status(stateUrl, after).equals("COMPLETED"));

        List<String> outage = linesBefore(ferry, offset, after);
        System.out.println("state database outage, log lines meanwhile:\n" + String.join("\n", outage));
        assertThat(outage).noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by"));
        assertThat(outage).filteredOn(l -> l.contains(" WARN ") || l.contains(" ERROR ")).hasSize(1);
    }

    /** One instance, its schedule off, after one run it was asked for has completed. */
    private FerryProcess oneInstanceAfterARun() throws Exception {
        Map<String, String> settings = cluster();
        settings.put("customers-to-erp.schedule.cron", "0 0 0 1 1 ? 2099");
        FerryProcess ferry = instance("a", settings, 50);
        long run = ferry.api().post("/api/connectors/" + C + "/runs").json().get("id").asLong();
        await().atMost(Duration.ofSeconds(60)).until(() -> status(stateUrl, run).equals("COMPLETED"));
        return ferry;
    }

    /** The log's lines from {@code offset} up to the first line of run {@code run}. */
    private static List<String> linesBefore(FerryProcess ferry, int offset, long run) throws Exception {
        return ferry.log().substring(offset).lines().takeWhile(l -> !l.contains("Run " + run + " ")).toList();
    }

    /** What each instance has written as delivered of a run. */
    private static Map<String, Long> deliveredBy(String url, long run) throws Exception {
        Map<String, Long> delivered = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("SELECT instance, delivered FROM ferry_run_delivery WHERE run_id = ?")) {
            ps.setLong(1, run);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    delivered.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return delivered;
    }

    private static long processingRun(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT MAX(id) FROM ferry_run WHERE connector = ? AND status = 'PROCESSING'")) {
            ps.setString(1, C);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException notYet) {
            return 0;
        }
    }

    private static String status(String url, long run) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("SELECT status FROM ferry_run WHERE id = ?")) {
            ps.setLong(1, run);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        }
    }

    private static long delivered(String url, long run) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("SELECT delivered FROM ferry_run WHERE id = ?")) {
            ps.setLong(1, run);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static int unfinished(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT COUNT(*) FROM ferry_run WHERE status IN ('CREATED', 'PROCESSING', 'SUBMITTED')");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static List<Instant> scheduledRunStarts(String url) throws Exception {
        List<Instant> starts = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT created_at FROM ferry_run WHERE connector = ? AND run_trigger = 'SCHEDULE' ORDER BY id")) {
            ps.setString(1, C);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp t = rs.getTimestamp(1);
                    starts.add(t.toInstant());
                }
            }
        }
        return starts;
    }

    private static int clusterMembers(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM qrtz_scheduler_state");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static List<String> clusterMemberNames(String url) throws Exception {
        List<String> names = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("SELECT instance_name FROM qrtz_scheduler_state ORDER BY 1");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static int scheduledRunsIn(String log) {
        Matcher m = Pattern.compile("customers-to-erp started \\(SCHEDULE").matcher(log);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static double delivered(FerryProcess ferry) {
        Matcher m = Pattern.compile("ferry_records_delivered_total\\{connector=\"customers-to-erp\"\\} (\\S+)")
                .matcher(ferry.management().get("/observe/metrics").text());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
