package dev.ferry.ops;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import javax.management.ObjectName;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.ManagementAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.connector.Connector;
import dev.ferry.connector.Connectors;
import dev.ferry.gather.OpenTransactions;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunTracker;
import dev.ferry.security.Access;

/**
 * Puts the operations surface into Camel: the REST API ({@link OpsApi}), the housekeeping route, Ferry's
 * meters, and per connector its JMX MBean, gauges and health check (once every route has started; MBeans
 * through Camel's management agent, under Camel's domain and context).
 */
public final class OperationsSurface {

    private static final Logger LOG = LoggerFactory.getLogger(OperationsSurface.class);

    /** Route that runs housekeeping on {@code ferry.housekeeping.cron}. */
    public static final String HOUSEKEEPING_ROUTE = "ferry-housekeeping";
    /** Camel's Micrometer registry, bound by camel-micrometer-prometheus when {@code camel.metrics.enabled}. */
    static final String METRICS_REGISTRY = "metricsRegistry";

    private final CamelContext camel;
    private final Operations ops;
    private final Connectors connectors;
    private final RunLedger runs;
    private final int degradedAfterFailedRuns;
    private final Function<MeterRegistry, FerryMetrics> metricsFactory;
    private final RunTracker tracker;
    private final OpenTransactions openTransactions;
    private final Set<String> tracked = ConcurrentHashMap.newKeySet();
    private volatile FerryMetrics metrics;

    private OperationsSurface(CamelContext camel, Operations ops, Connectors connectors, RunLedger runs,
                              RunTracker tracker, OpenTransactions openTransactions, int degradedAfterFailedRuns,
                              Function<MeterRegistry, FerryMetrics> metricsFactory) {
        this.camel = camel;
        this.openTransactions = openTransactions;
        this.ops = ops;
        this.connectors = connectors;
        this.runs = runs;
        this.tracker = tracker;
        this.degradedAfterFailedRuns = degradedAfterFailedRuns;
        this.metricsFactory = metricsFactory;
    }

    /**
     * The REST API, the housekeeping route, and once Camel runs: Ferry's meters in Camel's registry, and each
     * connector's MBean, gauges and health check.
     */
    public static OperationsSurface install(CamelContext camel, Operations ops, Access access, Housekeeping housekeeping,
                                            Connectors connectors, RunLedger runs, RunTracker tracker,
                                            OpenTransactions openTransactions, int degradedAfterFailedRuns,
                                            Function<MeterRegistry, FerryMetrics> metricsFactory)
            throws Exception {
        OperationsSurface surface = new OperationsSurface(camel, ops, connectors, runs, tracker, openTransactions,
                degradedAfterFailedRuns,
                metricsFactory);
        camel.addRoutes(new OpsApi(ops, access));
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("quartz:ferry-ops/housekeeping?cron=RAW({{ferry.housekeeping.cron:0 15 3 * * ?}})")
                        .routeId(HOUSEKEEPING_ROUTE)
                        .routeDescription("Deletes finished runs and resolved failures older than ferry.housekeeping.max-age")
                        .process(exchange -> housekeeping.run("schedule"));
            }
        });
        // Camel calls these again, with alreadyStarted, for every route started later — and connector files are loaded
        // route by route once Camel runs: meters start once, or every connector loaded would start another set with a
        // thread of its own. (Registering and tracking again are no-ops.)
        camel.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                if (!alreadyStarted) {
                    surface.startMetrics();
                }
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) throws Exception {
                // the connectors are known once their routes have started
                if (context.getManagementStrategy().getManagementAgent() != null) {
                    context.getManagementStrategy().getManagementAgent()
                            .register(new RunManagerMBean(ops), name(context, "ferry", "run-manager"));
                } else {
                    LOG.info("JMX is off (camel.main.jmx-enabled=false): Ferry's MBeans are not registered");
                }
                for (Connector c : connectors.all()) {
                    surface.track(c.id());
                }
            }
        });
        return surface;
    }

    private void startMetrics() {
        MeterRegistry registry = camel.getRegistry().lookupByNameAndType(METRICS_REGISTRY, MeterRegistry.class);
        if (registry == null) {
            LOG.info("Metrics are off (camel.metrics.enabled=false): Ferry's meters are not registered");
            return;
        }
        metrics = metricsFactory.apply(registry);
        tracker.listen(metrics);
    }

    /** Gives a connector its MBean, gauges and health check (once; a reloaded connector keeps them). */
    public void track(String connector) throws Exception {
        if (!tracked.add(connector)) {
            return;
        }
        ManagementAgent agent = camel.getManagementStrategy().getManagementAgent();
        if (agent != null) {
            ObjectName name = name(camel, "ferry-connectors", connector);
            if (!agent.isRegistered(name)) {
                agent.register(new ConnectorMBean(ops, connector), name);
            }
        }
        if (metrics != null) {
            metrics.track(connector);
        }
        FerryHealth.track(camel, connector, connectors, runs, openTransactions, degradedAfterFailedRuns);
    }

    /** Removes what {@link #track} gave a connector whose file was deleted. */
    public void untrack(String connector) throws Exception {
        if (!tracked.remove(connector)) {
            return;
        }
        ManagementAgent agent = camel.getManagementStrategy().getManagementAgent();
        if (agent != null) {
            agent.unregister(name(camel, "ferry-connectors", connector));
        }
        if (metrics != null) {
            metrics.untrack(connector);
        }
        FerryHealth.untrack(camel, connector);
        openTransactions.forget(connector);
    }

    /** Beside Camel's own: {@code org.apache.camel:context=<name>,type=<type>,name="<name>"}. */
    public static ObjectName name(CamelContext camel, String type, String name) throws Exception {
        ManagementAgent agent = camel.getManagementStrategy().getManagementAgent();
        String domain = agent == null ? "org.apache.camel" : agent.getMBeanObjectDomainName();
        return new ObjectName(domain + ":context=" + camel.getManagementName() + ",type=" + type + ",name="
                + ObjectName.quote(name));
    }
}
