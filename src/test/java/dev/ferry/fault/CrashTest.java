package dev.ferry.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.support.FerryProcess;
import dev.ferry.support.PostgresServer;
import dev.ferry.support.Reconciliation;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;
import dev.ferry.support.TestProfile;

/**
 * The Ferry process dies at random points of its runs, again and again, with the source changing between
 * the crashes: {@code kill -9} while it gathers or after a random number of deliveries, or a halt at an exact
 * point ({@link HaltAt}: after a random queue transaction, between the last one and the watermark's commit,
 * or right after that commit). Then one Ferry runs to the end and the target must be in step with the source. The crash points come from a seed printed at the start: {@code -Dferry.fault.seed=<seed>} replays
 * them, {@code -Dferry.fault.crashes=<n>} sets how many (20).
 */
@Tag("fault")
class CrashTest {

    private static final String C = "customers-to-erp";
    private static final String PATH = "/erp/customers";
    private static final int CUSTOMERS = 3_000;

    @TempDir
    Path data;
    private Target target;
    private FerryProcess ferry;

    @AfterEach
    void stop() throws Exception {
        if (ferry != null) {
            ferry.close();
        }
        if (target != null) {
            target.close();
        }
    }

    @Test
    void killedAtRandomPointsOfItsRunsFerryLosesNoChangeAndRepeatsOnlyUnderTheSameKey() throws Exception {
        long seed = Long.getLong("ferry.fault.seed", System.nanoTime());
        int crashes = Integer.getInteger("ferry.fault.crashes", 20);
        System.out.printf("CrashTest: seed %d, %d crash points (replay: -Dferry.fault.seed=%d)%n", seed, crashes, seed);
        Random random = new Random(seed);

        target = new Target();
        String sourceUrl = PostgresServer.shared().newDatabase();
        Map<String, String> settings = RunningFerry.testProperties(data.resolve("ferry"), target);
        settings.put("camel.beans.source.jdbc-url", sourceUrl);
        settings.put("camel.beans.source.username", "ferry");
        settings.put("camel.beans.demoSource.jdbc-url", sourceUrl);
        settings.put("camel.beans.demoSource.username", "ferry");
        settings.put("ferry.demo.enabled", "true");
        settings.put("ferry.demo.customers", String.valueOf(CUSTOMERS));
        // the test changes the source only while Ferry is down: no commit can land behind a run's read
        settings.put("camel.component.ferry.settle-lag", "0s");
        settings.put("camel.component.ferry.transaction-size", "200");
        String profile = TestProfile.effective(null);

        List<String> points = new ArrayList<>();
        List<Long> runIds = new ArrayList<>();
        int pending = CUSTOMERS;
        for (int crash = 1; crash <= crashes; crash++) {
            Map<String, String> these = new java.util.LinkedHashMap<>(settings);
            int kind = random.nextInt(5);
            long commits = 1 + random.nextInt(Math.max(1, pending / 200 + 1));
            if (kind == 2) {
                // exactly after one of the run's queue transactions (200 records each)
                these.put("camel.beans.ferryFaultHooks", "#class:dev.ferry.fault.HaltAt");
                these.put("camel.beans.ferryFaultHooks.point", "queue-commit");
                these.put("camel.beans.ferryFaultHooks.commits", String.valueOf(commits));
            } else if (kind == 3) {
                // exactly between the last queue transaction and the watermark's commit
                these.put("camel.beans.ferryFaultHooks", "#class:dev.ferry.fault.HaltAt");
                these.put("camel.beans.ferryFaultHooks.point", "watermark-commit");
            } else if (kind == 4) {
                // exactly after the watermark's commit, before anything watches the submitted run
                these.put("camel.beans.ferryFaultHooks", "#class:dev.ferry.fault.HaltAt");
                these.put("camel.beans.ferryFaultHooks.point", "after-watermark-commit");
            }
            ferry = FerryProcess.start("ferry-" + crash, profile, these, data);
            int before = target.server().getAllServeEvents().size();
            long run = startRun();
            String point;
            if (kind == 0) {
                // while the run gathers: as soon as it is PROCESSING
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> !status(run).equals("CREATED"));
                point = "kill -9 while gathering (" + status(run) + ")";
                ferry.kill();
            } else if (kind == 1) {
                // while the run's records are delivered: after a random number of them reached the target
                int requests = 1 + random.nextInt(Math.max(1, pending));
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(
                        () -> target.server().getAllServeEvents().size() - before >= requests || isFinal(status(run)));
                point = "kill -9 after " + (target.server().getAllServeEvents().size() - before) + " of ~" + pending + " deliveries";
                ferry.kill();
            } else {
                // the hook halts the process; a run with fewer transactions than asked ends, and is killed then
                boolean halted = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(
                        () -> !ferry.alive() || isFinal(status(run)), done -> done) && !ferry.alive();
                point = halted ? "halt " + (kind == 2 ? "after queue transaction " + commits
                        : kind == 3 ? "before the watermark commit" : "after the watermark commit")
                        : "kill -9 after the run (it had fewer than " + commits + " queue transactions)";
                ferry.kill();
            }
            ferry = null;
            points.add("run " + run + ": " + point);
            runIds.add(run);
            pending = change(sourceUrl, random, crash);
        }

        // the crash points before the verdict, so that a failing run shows what it did
        System.out.printf("CrashTest: seed %d, %d crashes%n  %s%n", seed, crashes, String.join("\n  ", points));
        ferry = FerryProcess.start("ferry-final", profile, settings, data);
        long last = startRun();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> isFinal(status(last)));
        assertThat(status(last)).isEqualTo("COMPLETED");
        Reconciliation result = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(
                () -> Reconciliation.customers(sourceUrl, target, PATH), Reconciliation::reconciled);

        System.out.printf("CrashTest: seed %d: %s%n", seed, result);
        assertThat(result.rows()).isEqualTo(CUSTOMERS);
        // the state database kept what each process committed: no run id was handed out twice
        assertThat(runIds).as("run ids of the crashed runs").doesNotHaveDuplicates();
    }

    private long startRun() throws java.io.IOException {
        var answer = ferry.api().post("/api/connectors/" + C + "/runs");
        assertThat(answer.status()).as("%s%nits log:%n%s", answer.text(), ferry.log()).isEqualTo(202);
        return answer.json().get("id").asLong();
    }

    private String status(long run) {
        return ferry.api().get("/api/runs/" + run).json().at("/run/status").asText();
    }

    private static boolean isFinal(String status) {
        return status.equals("COMPLETED") || status.equals("INCOMPLETE") || status.equals("FAILED");
    }

    /** Updates about 2% of the customers and deletes a few, as billing would; returns how many changed. */
    private static int change(String sourceUrl, Random random, int round) throws Exception {
        int changed = 0;
        try (Connection c = DriverManager.getConnection(sourceUrl)) {
            c.setAutoCommit(false);
            // a deleted row stays as it was deleted: its one version goes as one DELETE, under one key
            try (PreparedStatement update = c.prepareStatement("UPDATE customers SET credit_limit = credit_limit + 1,"
                    + " email = ?, updated_at = LOCALTIMESTAMP WHERE id = ? AND deleted_at IS NULL");
                 PreparedStatement delete = c.prepareStatement("UPDATE customers SET deleted_at = LOCALTIMESTAMP,"
                         + " updated_at = LOCALTIMESTAMP WHERE id = ? AND deleted_at IS NULL")) {
                for (int i = 0; i < CUSTOMERS / 50; i++) {
                    long id = 1 + random.nextInt(CUSTOMERS);
                    update.setString(1, "round-" + round + "-" + id + "@crash.example");
                    update.setLong(2, id);
                    changed += update.executeUpdate();
                }
                for (int i = 0; i < 3; i++) {
                    delete.setLong(1, 1 + random.nextInt(CUSTOMERS));
                    changed += delete.executeUpdate();
                }
            }
            c.commit();
        }
        return changed;
    }
}
