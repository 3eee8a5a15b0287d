package dev.ferry.ops;

import java.time.ZonedDateTime;
import java.util.concurrent.Callable;

import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedOperation;
import org.apache.camel.api.management.ManagedResource;

import dev.ferry.gather.Refresh;
import dev.ferry.runs.Failure;
import dev.ferry.runs.Run;
import dev.ferry.security.JmxCaller;

/**
 * A connector in JMX ({@code org.apache.camel:context=<name>,type=ferry-connectors,name="<id>"}), beside
 * Camel's route MBeans, so that Hawtio and any JMX client see and act on it. Every attribute is read
 * fresh from the state database and the broker.
 */
@ManagedResource(description = "Ferry connector: state, watermark, last run, queue; run now, preview, enable, disable, activate")
public final class ConnectorMBean {

    private final Operations ops;
    private final String id;

    ConnectorMBean(Operations ops, String id) {
        this.ops = ops;
        this.id = id;
    }

    private Operations.ConnectorView view() {
        return call(() -> ops.connector(id));
    }

    /**
     * Runs an operation; its failure reaches the JMX client as a plain {@link IllegalStateException} with the
     * message (a client without Ferry's classes could not read Ferry's exceptions).
     */
    static <T> T call(Callable<T> operation) {
        try {
            return operation.call();
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    @ManagedAttribute(description = "Connector id")
    public String getId() {
        return id;
    }

    @ManagedAttribute(description = "Whether runs start and queued records are delivered")
    public boolean isEnabled() {
        return view().enabled();
    }

    @ManagedAttribute(description = "Whether an end condition of its schedule was reached")
    public boolean isEnded() {
        return view().ended();
    }

    @ManagedAttribute(description = "The schedule in words")
    public String getSchedule() {
        Operations.ScheduleView s = view().schedule();
        return s.valid() ? s.description() : "invalid: " + String.join("; ", s.problems());
    }

    @ManagedAttribute(description = "Next fire time (ISO-8601, in the schedule's zone), or empty")
    public String getNextFire() {
        return view().schedule().nextFires().stream().findFirst().map(ZonedDateTime::toString).orElse("");
    }

    @ManagedAttribute(description = "Position of the last sync: cursor / key, or empty before the first")
    public String getWatermark() {
        String w = view().watermark();
        return w == null ? "" : w;
    }

    @ManagedAttribute(description = "Messages in the sync queue (one record, a batch or a pack each), waiting or being"
            + " delivered (-1: broker unavailable)")
    public long getQueueDepth() {
        Long depth = view().queue().depth();
        return depth == null ? -1 : depth;
    }

    @ManagedAttribute(description = "Failed records that the next run retries")
    public long getOpenFailures() {
        return view().failures().get(Failure.Status.OPEN);
    }

    @ManagedAttribute(description = "Failed records parked until an operator re-queues them")
    public long getParkedFailures() {
        return view().failures().get(Failure.Status.PARKED);
    }

    @ManagedAttribute(description = "Id of the last run (0: none)")
    public long getLastRunId() {
        Run last = view().lastRun();
        return last == null ? 0 : last.id();
    }

    @ManagedAttribute(description = "Status of the last run, or empty")
    public String getLastRunStatus() {
        Run last = view().lastRun();
        return last == null ? "" : last.status().name();
    }

    @ManagedAttribute(description = "Counts of the last run: gathered, delivered, failed, skipped")
    public String getLastRunCounts() {
        Run last = view().lastRun();
        return last == null ? "" : "gathered " + last.gathered() + ", delivered " + last.delivered() + ", failed "
                + last.failed() + ", skipped " + last.skipped();
    }

    @ManagedAttribute(description = "Id of a preview run awaiting review (0: none)")
    public long getPendingPreview() {
        Long id = view().pendingPreview();
        return id == null ? 0 : id;
    }

    @ManagedOperation(description = "Start a run now (MANUAL); returns its id")
    public long runNow() {
        return call(() -> ops.start(id, false, JmxCaller.name()).id());
    }

    @ManagedOperation(description = "Start a full refresh now (MANUAL): every row is read, those new or changed since"
            + " last queued are delivered, registered keys gone from the source as deletes; confirmDeletes lets it"
            + " deliver up to that many deletes beyond the connector's deleteLimit (0: the limit holds); returns its id")
    public long fullRefresh(long confirmDeletes) {
        return call(() -> ops.start(id, false, Refresh.Kind.FULL, confirmDeletes, JmxCaller.name()).id());
    }

    @ManagedOperation(description = "Start a preview run: gather and stage, deliver nothing; returns its id")
    public long preview() {
        return call(() -> ops.start(id, true, JmxCaller.name()).id());
    }

    @ManagedOperation(description = "Enable: runs start on schedule and queued records are delivered")
    public void enable() {
        call(() -> ops.enable(id, JmxCaller.name()));
    }

    @ManagedOperation(description = "Activate an ended connector: scheduled runs count from zero, the next run gathers"
            + " everything since the watermark")
    public void activate() {
        call(() -> ops.activate(id, JmxCaller.name()));
    }

    @ManagedOperation(description = "Disable: no runs start and queued records wait")
    public void disable() {
        call(() -> ops.disable(id, JmxCaller.name()));
    }
}
