package dev.ferry.schedule;

import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.cluster.InstanceName;

/**
 * Quartz with its job store in the state database, clustered: every instance has the same schedules, and the
 * instance that acquires a fire runs it. Quartz knows each instance by Ferry's instance name, so its scheduler
 * state and fired triggers name the instances as runs and logs do.
 */
public final class ClusteredScheduler {

    private static final Logger LOG = LoggerFactory.getLogger(ClusteredScheduler.class);

    private ClusteredScheduler() {
    }

    public static void configure(CamelContext camel, InstanceName instance, String url, String username,
                                 String password) {
        Properties quartz = new Properties();
        quartz.setProperty("org.quartz.scheduler.instanceName", "ferry");
        quartz.setProperty("org.quartz.scheduler.instanceId", instance.name());
        quartz.setProperty("org.quartz.threadPool.threadCount", "10");
        quartz.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        quartz.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        quartz.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        quartz.setProperty("org.quartz.jobStore.isClustered", "true");
        quartz.setProperty("org.quartz.jobStore.clusterCheckinInterval", "5000");
        quartz.setProperty("org.quartz.jobStore.misfireThreshold", "30000");
        quartz.setProperty("org.quartz.jobStore.dataSource", "ferry");
        quartz.setProperty("org.quartz.dataSource.ferry.provider", "hikaricp");
        quartz.setProperty("org.quartz.dataSource.ferry.driver", "org.postgresql.Driver");
        quartz.setProperty("org.quartz.dataSource.ferry.URL", url);
        quartz.setProperty("org.quartz.dataSource.ferry.user", username == null ? "" : username);
        quartz.setProperty("org.quartz.dataSource.ferry.password", password == null ? "" : password);
        quartz.setProperty("org.quartz.dataSource.ferry.maxConnections", "5");
        QuartzComponent component = camel.getComponent("quartz", QuartzComponent.class);
        component.setProperties(quartz);
        component.setPrefixInstanceName(false);
        LOG.info("Schedules in Quartz's clustered job store in the state database: each fire runs on one instance;"
                + " this one is {}", instance.name());
    }
}
