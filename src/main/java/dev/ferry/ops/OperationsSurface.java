package dev.ferry.ops;

import javax.management.ObjectName;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.ManagementAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.connector.Connector;
import dev.ferry.connector.Connectors;

/**
 * Puts the operations surface into Camel: the REST API ({@link OpsApi}), the housekeeping route, and the
 * JMX MBeans of the connectors and the run manager (registered once every route has started, through
 * Camel's management agent, under Camel's domain and context).
 */
public final class OperationsSurface {

    private static final Logger LOG = LoggerFactory.getLogger(OperationsSurface.class);

    /** Route that runs housekeeping on {@code ferry.housekeeping.cron}. */
    public static final String HOUSEKEEPING_ROUTE = "ferry-housekeeping";

    private OperationsSurface() {
    }

    public static void install(CamelContext camel, Operations ops, Access access, Housekeeping housekeeping,
                               Connectors connectors) throws Exception {
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
        camel.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                // the connectors are known once their routes have started
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) throws Exception {
                registerMBeans(context, ops, connectors);
            }
        });
    }

    private static void registerMBeans(CamelContext camel, Operations ops, Connectors connectors) throws Exception {
        ManagementAgent agent = camel.getManagementStrategy().getManagementAgent();
        if (agent == null) {
            LOG.info("JMX is off (camel.main.jmx-enabled=false): Ferry's MBeans are not registered");
            return;
        }
        for (Connector c : connectors.all()) {
            agent.register(new ConnectorMBean(ops, c.id()), name(camel, "ferry-connectors", c.id()));
        }
        agent.register(new RunManagerMBean(ops), name(camel, "ferry", "run-manager"));
    }

    /** Beside Camel's own: {@code org.apache.camel:context=<name>,type=<type>,name="<name>"}. */
    public static ObjectName name(CamelContext camel, String type, String name) throws Exception {
        ManagementAgent agent = camel.getManagementStrategy().getManagementAgent();
        String domain = agent == null ? "org.apache.camel" : agent.getMBeanObjectDomainName();
        return new ObjectName(domain + ":context=" + camel.getManagementName() + ",type=" + type + ",name="
                + ObjectName.quote(name));
    }
}
