package dev.ferry.ops;

import java.util.List;

import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedOperation;
import org.apache.camel.api.management.ManagedResource;

import dev.ferry.runs.Run;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunLog;
import dev.ferry.security.JmxCaller;

/**
 * The run ledger in JMX ({@code org.apache.camel:context=<name>,type=ferry,name="run-manager"}): recent
 * runs, and the actions on previews and housekeeping.
 */
@ManagedResource(description = "Ferry run manager: recent runs; submit or delete previews; housekeeping")
public final class RunManagerMBean {

    private static final int RECENT = 20;

    private final Operations ops;

    RunManagerMBean(Operations ops) {
        this.ops = ops;
    }

    @ManagedAttribute(description = "The 20 most recent runs of every connector, newest first")
    public String[] getRecentRuns() {
        return recentRuns(RECENT);
    }

    @ManagedOperation(description = "The most recent runs (of one connector, or all when empty), newest first")
    public String[] recentRuns(String connector, int count) {
        List<Run> runs = ConnectorMBean.call(() -> ops.runs(new RunLedger.Query(connector == null || connector.isBlank()
                ? null : connector, null, null, null), 0, Math.max(1, Math.min(count, 1000))).items());
        return runs.stream().map(RunManagerMBean::line).toArray(String[]::new);
    }

    private String[] recentRuns(int count) {
        return recentRuns(null, count);
    }

    static String line(Run r) {
        return r.id() + " " + r.connector() + " " + r.status() + " (" + r.trigger() + ", " + r.mode() + ") created "
                + r.createdAt() + ": gathered " + r.gathered() + ", delivered " + r.delivered() + ", failed " + r.failed()
                + ", skipped " + r.skipped() + RunLog.where(r) + (r.error() == null ? "" : "; " + r.error());
    }

    @ManagedOperation(description = "Submit a preview run: its staged records are delivered")
    public String submitPreview(long runId) {
        return line(ConnectorMBean.call(() -> ops.submit(runId, JmxCaller.name())));
    }

    @ManagedOperation(description = "Delete a preview run: nothing is delivered, the watermark stays")
    public String deletePreview(long runId) {
        return line(ConnectorMBean.call(() -> ops.delete(runId, JmxCaller.name())));
    }

    @ManagedOperation(description = "Delete finished runs and resolved failures older than ferry.housekeeping.max-age now")
    public String housekeep() {
        Operations.HousekeepingResult result = ConnectorMBean.call(() -> ops.housekeep(JmxCaller.name()));
        return "removed " + result.runs() + " run(s) and " + result.failures() + " failure(s) from before " + result.cutoff();
    }
}
