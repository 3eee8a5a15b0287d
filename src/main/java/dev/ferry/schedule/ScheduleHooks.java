package dev.ferry.schedule;

import java.sql.SQLException;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ModelLifecycleStrategySupport;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.connector.Connector;
import dev.ferry.connector.Connectors;

/**
 * Schedules and connector states into Camel: the {@code schedule:} properties function that gather routes' cron
 * refers to; the deliver routes of disabled connectors do not start; a started gather route gets its schedule's
 * triggers; once everything runs, connectors that missed fires while Ferry was stopped run once.
 */
public final class ScheduleHooks {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorSchedules.class);
    private static final String DELIVER = "-deliver";
    private static final String GATHER = "-gather";

    private ScheduleHooks() {
    }

    public static void install(CamelContext camel, ConnectorSchedules schedules, Connectors connectors) throws Exception {
        camel.getPropertiesComponent().addPropertiesFunction(schedules.propertiesFunction());
        ((ModelCamelContext) camel).addModelLifecycleStrategy(new ModelLifecycleStrategySupport() {
            @Override
            public void onAddRouteDefinition(RouteDefinition route) {
                String id = route.getRouteId();
                if (id != null && id.endsWith(DELIVER)) {
                    String connector = id.substring(0, id.length() - DELIVER.length());
                    try {
                        boolean enabled = schedules.states().get(connector).enabled();
                        schedules.deliveryConfigured(connector, enabled);
                        if (!enabled) {
                            route.setAutoStartup("false");
                            LOG.info("Connector {} is disabled: route {} stays stopped, its queued records wait",
                                    connector, id);
                        }
                    } catch (SQLException e) {
                        throw new IllegalStateException("Cannot read the state of connector " + connector, e);
                    }
                }
            }
        });
        camel.getManagementStrategy().addEventNotifier(new EventNotifierSupport() {
            @Override
            public boolean isEnabled(CamelEvent event) {
                return event instanceof CamelEvent.RouteStartedEvent;
            }

            @Override
            public void notify(CamelEvent event) throws Exception {
                String id = ((CamelEvent.RouteStartedEvent) event).getRoute().getRouteId();
                if (id.endsWith(GATHER)) {
                    schedules.applyTriggers(id.substring(0, id.length() - GATHER.length()));
                }
            }
        });
        camel.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                // nothing: catch-up waits until every route runs
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) throws Exception {
                for (Connector connector : connectors.all()) {
                    schedules.catchUp(connector.id());
                }
            }
        });
    }
}
