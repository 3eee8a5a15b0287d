package dev.ferry;

import org.apache.camel.LoggingLevel;
import org.apache.camel.impl.DefaultCamelContext;

import dev.ferry.ops.ClassMBeanInfoAssembler;

/**
 * Camel's context as Ferry runs it, with two changes that matter once there are many connectors:
 * <ul>
 * <li>removing a route that does not exist answers at once. Camel replaces every route it is given by id, removing
 * the one of that id first, and its removal gathers the endpoints of every route it has before it looks whether there
 * is a route to remove. Adding a thousand connectors' routes in one call does that while there are none yet; added in
 * steps ({@code ConnectorReloader}), each step would gather every route started before it, for every route it adds.
 * <li>JMX builds the MBean info of a class once ({@link ClassMBeanInfoAssembler}) instead of once an MBean.
 * </ul>
 */
final class FerryCamelContext extends DefaultCamelContext {

    FerryCamelContext() {
        super(false); // built and initialised by Camel Main, as its own context is
        getCamelContextExtension().setManagementMBeanAssembler(new ClassMBeanInfoAssembler(this));
    }

    @Override
    protected boolean removeRoute(String routeId, LoggingLevel loggingLevel) throws Exception {
        if (routeId == null || !getRouteServices().containsKey(routeId)) {
            return false; // what Camel answers too, once it has gathered everything
        }
        return super.removeRoute(routeId, loggingLevel);
    }
}
