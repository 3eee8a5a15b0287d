package dev.ferry.ops;

import org.apache.camel.CamelContext;
import org.apache.camel.ManagementMBeansLevel;
import org.apache.camel.Producer;
import org.apache.camel.management.DefaultManagementObjectStrategy;

/**
 * Camel's MBeans for what a route calls, at the level of {@code camel.main.jmx-management-mbeans-level}: Camel leaves a
 * step's processor MBean out below {@code Default}, and so does this for the producer that sends a step's messages
 * ({@code type=producers}): why the level is {@code RoutesOnly} by default is said where it is set,
 * {@code config/application.properties}. Routes, consumers, endpoints and Ferry's own MBeans stay at every level.
 */
public final class StepMBeans extends DefaultManagementObjectStrategy {

    private final ManagementMBeansLevel level;

    public StepMBeans(ManagementMBeansLevel level) {
        this.level = level;
    }

    /** Sets this strategy on the context's JMX management, when there is one. */
    public static void install(CamelContext camel) {
        if (camel.getManagementStrategy().getManagementAgent() != null) {
            camel.getManagementStrategy().setManagementObjectStrategy(
                    new StepMBeans(camel.getManagementStrategy().getManagementAgent().getMBeansLevel()));
        }
    }

    @Override
    public Object getManagedObjectForProducer(CamelContext context, Producer producer) {
        // null: JmxManagementLifecycleStrategy registers nothing for it
        return level.isProcessors() ? super.getManagedObjectForProducer(context, producer) : null;
    }
}
