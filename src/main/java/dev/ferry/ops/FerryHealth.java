package dev.ferry.ops;

import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.sql.DataSource;

import jakarta.jms.ConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.health.HealthCheckRepository;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import dev.ferry.connector.Connectors;
import dev.ferry.gather.OpenTransactions;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunStatus;
import dev.ferry.security.Redact;

/**
 * Ferry's health checks in Camel's health-check registry, served by the management server at
 * {@code /observe/health} (all), {@code /observe/health/ready} and {@code /observe/health/live}.
 *
 * <ul>
 *   <li>{@code ferry-state-database} (readiness) — a connection from the state pool answers;</li>
 *   <li>{@code ferry-broker} (readiness) — a new connection to the broker opens;</li>
 *   <li>{@code ferry-connectors} (readiness) — the connector files found at start-up are checked, every connector is
 *       known and those due first run, the others' routes starting after ({@code ConnectorReloader}) (a file that did
 *       not load counts as loaded: it is reported, and the others run);</li>
 *   <li>{@code ferry-connector-<id>} (overall health only) — DOWN, reported as degraded, when the connector's
 *       last {@code ferry.health.failed-runs} runs all FAILED, or when it was rejected; with its last error.
 *       Not a readiness check: one broken connector must not take the others out of service.</li>
 * </ul>
 *
 * <p>Details and messages name the broker by scheme, host, port and path only ({@link Redact}): its URL's query
 * carries passwords (trustStorePassword, ...). No exception is attached: its text could carry them too.
 */
public final class FerryHealth {

    public static final String GROUP = "ferry";
    private static final int VALID_WITHIN_SECONDS = 3;

    private FerryHealth() {
    }

    public static void register(CamelContext camel, DataSource state, ConnectionFactory broker, String brokerUrl,
                                BooleanSupplier connectorsLoaded, IntSupplier connectorsWaiting) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(camel);
        registry.register(new StateDatabaseCheck(state));
        registry.register(new BrokerCheck(broker, brokerUrl));
        registry.register(new ConnectorsLoadedCheck(connectorsLoaded, connectorsWaiting));
    }

    /** Adds the connector's check if it has none yet (a connector added by a reload). */
    public static void track(CamelContext camel, String connector, Connectors connectors, RunLedger runs,
                             OpenTransactions openTransactions, int failedRuns) {
        ConnectorCheck check = new ConnectorCheck(connector, connectors, runs, openTransactions, failedRuns);
        check.setCamelContext(camel);
        connectorChecks(camel).checks.putIfAbsent(connector, check);
    }

    public static void untrack(CamelContext camel, String connector) {
        connectorChecks(camel).checks.remove(connector);
    }

    /**
     * The connectors' checks, in one repository of the registry: the registry looks through every check it holds
     * for each one registered, which made a thousand connectors' checks cost seconds of start-up.
     */
    private static ConnectorChecks connectorChecks(CamelContext camel) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(camel);
        synchronized (registry) {
            return (ConnectorChecks) registry.getRepository(ConnectorChecks.ID).orElseGet(() -> {
                ConnectorChecks repository = new ConnectorChecks();
                registry.register(repository);
                return repository;
            });
        }
    }

    /** Every connector's {@code ferry-connector-<id>} check, by connector. */
    private static final class ConnectorChecks implements HealthCheckRepository {
        static final String ID = "ferry-connector-checks";

        private final Map<String, HealthCheck> checks = new ConcurrentSkipListMap<>();
        private volatile boolean enabled = true;

        @Override
        public String getId() {
            return ID;
        }

        @Override
        public boolean isEnabled() {
            return enabled;
        }

        @Override
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        @Override
        public Stream<HealthCheck> stream() {
            return checks.values().stream();
        }
    }

    /** Whether Ferry can work now, not whether it should be restarted: an outage of a dependency is not Ferry's. */
    private abstract static class ReadinessCheck extends AbstractHealthCheck {
        ReadinessCheck(String id) {
            super(GROUP, id);
        }

        @Override
        public boolean isLiveness() {
            return false;
        }
    }

    static final class StateDatabaseCheck extends ReadinessCheck {
        private final DataSource state;

        StateDatabaseCheck(DataSource state) {
            super("ferry-state-database");
            this.state = state;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            try (Connection c = state.getConnection()) {
                if (c.isValid(VALID_WITHIN_SECONDS)) {
                    builder.up();
                } else {
                    builder.down().message("the state database did not answer within " + VALID_WITHIN_SECONDS + " s");
                }
            } catch (Exception e) {
                builder.down().message("the state database is unreachable: " + Redact.urls(e.getMessage()));
            }
        }
    }

    static final class BrokerCheck extends ReadinessCheck {
        private final ConnectionFactory broker;
        private final String url;

        BrokerCheck(ConnectionFactory broker, String url) {
            super("ferry-broker");
            this.broker = broker;
            this.url = Redact.urls(url);
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            builder.detail("broker.url", url);
            try (jakarta.jms.Connection c = broker.createConnection()) {
                c.getMetaData();
                builder.up();
            } catch (Exception e) {
                builder.down().message("the broker at " + url + " is unreachable: " + Redact.urls(e.getMessage()));
            }
        }
    }

    /**
     * Not ready before the connectors are: until then the API knows none of them. Ready, it says how many connectors'
     * routes still wait to start in the background (detail {@code waiting}).
     */
    static final class ConnectorsLoadedCheck extends ReadinessCheck {
        private final BooleanSupplier loaded;
        private final IntSupplier waiting;

        ConnectorsLoadedCheck(BooleanSupplier loaded, IntSupplier waiting) {
            super("ferry-connectors");
            this.loaded = loaded;
            this.waiting = waiting;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            if (!loaded.getAsBoolean()) {
                builder.down().message("the connector files are being loaded");
                return;
            }
            int starting = waiting.getAsInt();
            builder.up().detail("waiting", starting);
            if (starting > 0) {
                builder.message(starting + " connector(s) known, their routes starting in the background");
            }
        }
    }

    /**
     * What held the connector's last run back on its PostgreSQL source: {@code source.held.seconds} and
     * {@code source.held.by} while a transaction open there holds its reads, {@code source.over-limit} for those
     * open past {@code openTransactionLimit}, which it no longer waits for, {@code source.unseen} when they cannot be
     * seen (a standby).
     */
    private static void source(HealthCheckResultBuilder builder, OpenTransactions.Report report) {
        if (report.unseen() != null) {
            builder.detail("source.unseen", report.unseen());
        }
        if (!report.held().isZero()) {
            builder.detail("source.held.seconds", report.held().toSeconds())
                    .detail("source.held.by", report.holder().description());
        }
        if (!report.overLimit().isEmpty()) {
            builder.detail("source.over-limit", report.overLimit().stream().map(OpenTransactions.Open::description)
                    .collect(Collectors.joining("; ")));
        }
    }

    static final class ConnectorCheck extends AbstractHealthCheck {
        private final String connector;
        private final Connectors connectors;
        private final RunLedger runs;
        private final OpenTransactions openTransactions;
        private final int failedRuns;

        ConnectorCheck(String connector, Connectors connectors, RunLedger runs, OpenTransactions openTransactions,
                       int failedRuns) {
            super(GROUP, id(connector));
            this.connector = connector;
            this.openTransactions = openTransactions;
            this.connectors = connectors;
            this.runs = runs;
            this.failedRuns = failedRuns;
        }

        static String id(String connector) {
            return "ferry-connector-" + connector;
        }

        @Override
        public boolean isLiveness() {
            return false;
        }

        @Override
        public boolean isReadiness() {
            return false;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            builder.detail("connector", connector);
            openTransactions.report(connector).ifPresent(report -> source(builder, report));
            var rejected = connectors.rejection(connector);
            if (rejected.isPresent()) {
                builder.detail("connector.status", "REJECTED").down().message(rejected.get());
                return;
            }
            try {
                List<Run> recent = runs.list(connector, failedRuns);
                recent.stream().findFirst().ifPresent(last -> builder.detail("run.last.id", last.id())
                        .detail("run.last.status", last.status().name()));
                boolean degraded = recent.size() >= failedRuns
                        && recent.stream().allMatch(r -> r.status() == RunStatus.FAILED);
                if (degraded) {
                    Run last = recent.get(0);
                    builder.detail("connector.status", "DEGRADED").detail("run.failed.consecutive", recent.size())
                            .detail("run.last.error", String.valueOf(last.error()))
                            .down().message("degraded: its last " + recent.size() + " runs FAILED; last error (run "
                                    + last.id() + "): " + last.error());
                } else {
                    builder.detail("connector.status", "OK").up();
                }
            } catch (Exception e) {
                builder.detail("connector.status", "UNKNOWN").unknown()
                        .message("the run ledger cannot be read: " + Redact.urls(e.getMessage()));
            }
        }
    }
}
