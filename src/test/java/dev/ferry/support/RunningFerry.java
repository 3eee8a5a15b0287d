package dev.ferry.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

import dev.ferry.FerryApplication;
import dev.ferry.Installation;
import dev.ferry.connector.ConnectorRunner;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunStatus;
import dev.ferry.runs.Trigger;
import dev.ferry.schedule.ConnectorSchedules;
import dev.ferry.watermark.Watermark;
import dev.ferry.watermark.WatermarkStore;

/**
 * Ferry as the application runs it — the real {@code config/application.properties}, the real route
 * files, the real Main — started in this JVM on a test's own data directory and ports. Test values are
 * override properties on top of the real configuration, as an operator's environment would set them.
 *
 * <p>On the suite's profile ({@link TestProfile}): the default one, or prod with {@code -Dferry.test.profile=prod}.
 *
 * <p>Schedules are pushed to 2099 so that runs start only when a test fires them, through the same
 * Quartz job a schedule uses.
 */
public final class RunningFerry implements AutoCloseable {

    public static final String NEVER = "0 0 0 1 1 ? 2099";

    private final Main main;

    private RunningFerry(Main main) {
        this.main = main;
    }

    /** Overrides shared by every test: own data directory and port, no schedule fires, quick retries. */
    public static Map<String, String> testProperties(Path dataDir) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("ferry.data-dir", dataDir.toString());
        p.put("camel.server.port", String.valueOf(freePort()));
        p.put("camel.management.port", String.valueOf(freePort()));
        p.put("customers-to-erp.schedule.cron", NEVER);
        p.put("invoices-to-erp.schedule.cron", NEVER);
        p.put("payments-to-billing.schedule.cron", NEVER);
        p.put("ferry.demo.customers", "60");
        p.put("ferry.demo.invoices", "120");
        p.put("camel.beans.ferryDeliveryRetries.maximum-redeliveries", "2");
        p.put("camel.beans.ferryDeliveryRetries.redelivery-delay", "10");
        p.put("camel.beans.ferryDeliveryRetries.maximum-redelivery-delay", "50");
        p.put("ferry.runs.flush-interval", "50ms");
        p.put("camel.main.shutdown-timeout", "10");
        TestProfile.environment(p);
        return p;
    }

    /** {@link #testProperties(Path)} with both demo connectors delivering to a test's target. */
    public static Map<String, String> testProperties(Path dataDir, Target target) {
        Map<String, String> p = testProperties(dataDir);
        p.put("customers-to-erp.target.url", target.url("/erp/customers"));
        p.put("invoices-to-erp.target.url", target.url("/erp/invoices"));
        return p;
    }

    /**
     * The installation and instance the tests' Ferry runs as: the source tree (its config/ holds the defaults, the
     * demo profile its connectors). Named explicitly, never through the JVM's properties, so that a test may run
     * an instance of its own beside it.
     */
    public static final Installation SOURCE_TREE = new Installation(Path.of(""), Path.of(""));

    public static RunningFerry start(Map<String, String> properties) {
        return start(Path.of("config/application.properties"), null, properties, null);
    }

    /** With another configuration file or profile, and a clock for Ferry (null: the system's). */
    public static RunningFerry start(Path config, String profile, Map<String, String> properties, Clock clock) {
        return start(config, profile, properties, clock, Map.of());
    }

    /** ... and beans bound before Ferry configures itself. */
    public static RunningFerry start(Path config, String profile, Map<String, String> properties, Clock clock,
                                     Map<String, Object> beans) {
        Main main = FerryApplication.newMain(SOURCE_TREE, config, TestProfile.effective(profile), null);
        properties.forEach(main::addOverrideProperty);
        if (clock != null) {
            main.bind("clock", clock);
        }
        beans.forEach(main::bind);
        try {
            main.start();
        } catch (RuntimeException e) {
            main.stop();
            throw e;
        }
        return new RunningFerry(main);
    }

    public CamelContext camel() {
        return main.getCamelContext();
    }

    public <T> T bean(String name, Class<T> type) {
        return camel().getRegistry().lookupByNameAndType(name, type);
    }

    public RunLedger runs() {
        return bean("ferryRuns", RunLedger.class);
    }

    public FailureLedger failures() {
        return bean("ferryFailures", FailureLedger.class);
    }

    public ConnectorSchedules schedules() {
        return bean("ferrySchedules", ConnectorSchedules.class);
    }

    public DataSource source() {
        return bean("demoSource", DataSource.class);
    }

    public Watermark watermark(String connector) throws SQLException {
        return bean("ferryWatermarks", WatermarkStore.class).load(connector).orElse(null);
    }

    /** Fires the connector's Quartz job and waits until the run it starts has ended. */
    public Run runAndAwait(String connector) throws Exception {
        return awaitEnded(fire(connector));
    }

    /** Fires the connector's Quartz job; returns the id of the run it started. */
    public long fire(String connector) throws Exception {
        // a run is COMPLETED once its records are delivered, which may be before its thread has let the connector go
        ConnectorRunner runner = bean("ferryRunner", ConnectorRunner.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> !runner.claims().holds(connector));
        long before = lastRunId(connector);
        schedules().fireNow(connector, Trigger.MANUAL);
        return await().atMost(Duration.ofSeconds(30)).until(() -> lastRunId(connector), id -> id > before);
    }

    public Run awaitStatus(long runId, RunStatus status) {
        return await().atMost(Duration.ofSeconds(60))
                .until(() -> runs().find(runId).orElseThrow(), run -> run.status() == status);
    }

    /** Waits until a run is COMPLETED, INCOMPLETE or FAILED. */
    public Run awaitEnded(long runId) {
        return await().atMost(Duration.ofSeconds(60))
                .until(() -> runs().find(runId).orElseThrow(), run -> run.status().isFinal());
    }

    public long lastRunId(String connector) throws SQLException {
        List<Run> runs = runs().list(connector, 1);
        return runs.isEmpty() ? 0 : runs.get(0).id();
    }

    /** The connector's runs, oldest first. */
    public List<Run> runsOf(String connector) throws SQLException {
        List<Run> runs = new java.util.ArrayList<>(runs().list(connector, 1000));
        java.util.Collections.reverse(runs);
        return runs;
    }

    /** Runs SQL on the connectors' source database; returns the update count. */
    public int sourceUpdate(String sql, Object... args) throws SQLException {
        try (Connection c = source().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    public long sourceCount(String table) throws SQLException {
        try (Connection c = source().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() {
        main.stop();
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
