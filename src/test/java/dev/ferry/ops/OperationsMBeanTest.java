package dev.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.Set;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;

/** Ferry's MBeans through the platform MBean server, as a JMX client (Hawtio, jconsole) sees them (acceptance 5, 6). */
class OperationsMBeanTest {

    private static final String C = "customers-to-erp";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

    @Test
    void aJmxClientReadsAConnectorMBeanAndInvokesRunNow() throws Exception {
        RunningFerry ferry = fixture.start();
        Set<ObjectName> connectors = jmx.queryNames(new ObjectName("org.apache.camel:type=ferry-connectors,*"), null);
        assertThat(connectors).extracting(n -> n.getKeyProperty("name"))
                .containsExactlyInAnyOrder("\"customers-to-erp\"", "\"invoices-to-erp\"", "\"payments-to-billing\"");
        ObjectName customers = connectors.stream().filter(n -> n.getKeyProperty("name").contains(C)).findFirst().orElseThrow();
        // Beside Camel's own MBeans of the same context.
        assertThat(jmx.queryNames(new ObjectName("org.apache.camel:context=" + customers.getKeyProperty("context")
                + ",type=routes,name=\"" + C + "-gather\""), null)).hasSize(1);
        assertThat(jmx.getAttribute(customers, "Enabled")).isEqualTo(true);
        assertThat(jmx.getAttribute(customers, "Watermark")).isEqualTo("");
        assertThat(jmx.getAttribute(customers, "LastRunId")).isEqualTo(0L);
        assertThat((String) jmx.getAttribute(customers, "NextFire")).startsWith("2099-01-01T00:00");

        long runId = (Long) jmx.invoke(customers, "runNow", new Object[0], new String[0]);

        Run run = ferry.awaitEnded(runId);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.trigger()).hasToString("MANUAL");
        assertThat(jmx.getAttribute(customers, "LastRunStatus")).isEqualTo("COMPLETED");
        assertThat(jmx.getAttribute(customers, "LastRunCounts")).isEqualTo("gathered 60, delivered 60, failed 0, skipped 0");
        assertThat((String) jmx.getAttribute(customers, "Watermark")).isEqualTo(ferry.watermark(C).toString());
        assertThat(jmx.getAttribute(customers, "QueueDepth")).isEqualTo(0L);
        assertThat(jmx.getAttribute(customers, "OpenFailures")).isEqualTo(0L);

        ObjectName manager = jmx.queryNames(new ObjectName("org.apache.camel:type=ferry,name=\"run-manager\",*"), null)
                .iterator().next();
        String[] recent = (String[]) jmx.getAttribute(manager, "RecentRuns");
        assertThat(recent).hasSize(1);
        assertThat(recent[0]).startsWith(runId + " " + C + " COMPLETED (MANUAL, SYNC)")
                .containsPattern("; gathered on [\\w.@-]+, delivered by [\\w.@-]+ 60");

        // Preview and delete through JMX; a wrong action comes back as a plain error with the reason.
        long preview = (Long) jmx.invoke(customers, "preview", new Object[0], new String[0]);
        ferry.awaitStatus(preview, RunStatus.PREVIEW);
        assertThat(jmx.getAttribute(customers, "PendingPreview")).isEqualTo(preview);
        assertThatThrownBy(() -> jmx.invoke(customers, "runNow", new Object[0], new String[0]))
                .hasRootCauseInstanceOf(IllegalStateException.class).rootCause().hasMessageContaining("awaits review");
        assertThat((String) jmx.invoke(manager, "deletePreview", new Object[] {preview}, new String[] {"long"}))
                .contains(" DELETED ");
    }

    @Test
    void disableAndEnableOverJmxBehaveAsTheToggle() throws Exception {
        RunningFerry ferry = fixture.start();
        ObjectName customers = jmx.queryNames(new ObjectName("org.apache.camel:type=ferry-connectors,name=\"" + C + "\",*"), null)
                .iterator().next();

        jmx.invoke(customers, "disable", new Object[0], new String[0]);

        assertThat(jmx.getAttribute(customers, "Enabled")).isEqualTo(false);
        assertThat(ferry.schedules().states().get(C).changedBy()).isEqualTo("jmx");
        assertThat(ferry.camel().getRouteController().getRouteStatus(C + "-deliver")).isEqualTo(ServiceStatus.Stopped);
        assertThatThrownBy(() -> jmx.invoke(customers, "runNow", new Object[0], new String[0]))
                .rootCause().hasMessageContaining("disabled");

        jmx.invoke(customers, "enable", new Object[0], new String[0]);

        assertThat(jmx.getAttribute(customers, "Enabled")).isEqualTo(true);
        assertThat(ferry.camel().getRouteController().getRouteStatus(C + "-deliver")).isEqualTo(ServiceStatus.Started);
    }
}
