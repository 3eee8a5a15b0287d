package dev.ferry.schedule;

import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.quartz.JobDataMap;
import org.quartz.JobKey;
import org.quartz.SchedulerException;

import dev.ferry.runs.Trigger;

/**
 * Fires a connector's gather route now, through its own Quartz job, so that a manual run takes exactly
 * the path of a scheduled one (and, with a clustered job store, runs on one instance only).
 *
 * <p>A connector's gather route consumes {@code quartz:ferry/<connector>}: Quartz job group
 * {@value #GROUP}, job name = connector id.
 */
public final class ConnectorTriggers {

    public static final String GROUP = "ferry";

    /** Job-data entry naming the {@link Trigger} of a fire; absent for the schedule's own fires. */
    public static final String TRIGGER_JOB_DATA = "ferryTrigger";

    private final CamelContext camel;

    public ConnectorTriggers(CamelContext camel) {
        this.camel = camel;
    }

    /** Starts a run of the connector as soon as a Quartz worker is free. */
    public void fireNow(String connector, Trigger trigger) throws SchedulerException {
        QuartzComponent quartz = camel.getComponent("quartz", QuartzComponent.class);
        JobKey job = JobKey.jobKey(connector, GROUP);
        if (quartz.getScheduler() == null || !quartz.getScheduler().checkExists(job)) {
            throw new IllegalArgumentException("Connector " + connector + " has no scheduled gather route"
                    + " (expected a route consuming quartz:" + GROUP + "/" + connector + ")");
        }
        quartz.getScheduler().triggerJob(job, new JobDataMap(Map.of(TRIGGER_JOB_DATA, trigger.name())));
    }
}
