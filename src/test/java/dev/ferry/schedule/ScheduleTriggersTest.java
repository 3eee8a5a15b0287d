package dev.ferry.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quartz.CronTrigger;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.Trigger;

import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;

/** What the running Quartz scheduler holds for a connector is its compiled schedule. */
class ScheduleTriggersTest {

    @TempDir
    Path data;

    @Test
    void theConnectorsJobCarriesEveryCompiledTriggerInItsZoneAndIsPausedWhileDisabled() throws Exception {
        try (Target target = new Target()) {
            Map<String, String> properties = RunningFerry.testProperties(data, target);
            properties.put("customers-to-erp.schedule.cron", "");
            properties.put("customers-to-erp.schedule.every", "30m");
            properties.put("customers-to-erp.schedule.between", "08:00-17:00");
            properties.put("customers-to-erp.schedule.days", "MON-FRI");
            properties.put("customers-to-erp.schedule.time-zone", "Europe/Berlin");
            try (RunningFerry ferry = RunningFerry.start(properties)) {
                Scheduler scheduler = ferry.camel().getComponent("quartz", QuartzComponent.class).getScheduler();
                JobKey job = JobKey.jobKey("customers-to-erp", "ferry");

                List<CronTrigger> triggers = scheduler.getTriggersOfJob(job).stream().map(CronTrigger.class::cast)
                        .sorted(Comparator.comparing(t -> t.getKey().getName())).toList();

                assertThat(triggers).extracting(t -> t.getKey().getName())
                        .containsExactly("customers-to-erp", "customers-to-erp#2");
                assertThat(triggers).extracting(CronTrigger::getCronExpression)
                        .containsExactly("0 0,30 8-16 ? * MON-FRI", "0 0 17 ? * MON-FRI");
                assertThat(triggers).allSatisfy(t -> {
                    assertThat(t.getTimeZone().getID()).isEqualTo("Europe/Berlin");
                    assertThat(t.getMisfireInstruction()).isEqualTo(CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING);
                });
                Instant nextByQuartz = triggers.stream().map(Trigger::getNextFireTime).min(java.util.Date::compareTo)
                        .orElseThrow().toInstant();
                assertThat(ferry.schedules().next("customers-to-erp", 1).get(0).toInstant()).isEqualTo(nextByQuartz);

                ferry.schedules().disable("customers-to-erp", "operator");
                assertThat(triggers).allSatisfy(t -> assertThat(scheduler.getTriggerState(t.getKey()))
                        .isEqualTo(Trigger.TriggerState.PAUSED));
                ferry.schedules().enable("customers-to-erp", "operator");
                assertThat(triggers).allSatisfy(t -> assertThat(scheduler.getTriggerState(t.getKey()))
                        .isEqualTo(Trigger.TriggerState.NORMAL));
            }
        }
    }

    @Test
    void aScheduleFiringMoreOftenThanEvery15MinutesIsValidWithAWarningNamingFileAndKey() throws Exception {
        Path config = data.resolve("application.properties");
        java.nio.file.Files.writeString(config, "c.schedule.every = 5m\n");
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.getPropertiesComponent().setLocation("file:" + config);

            ConnectorSchedules.Compiled compiled = ConnectorSchedules.compile(camel, "c", ZoneId.of("UTC"),
                    Instant.parse("2026-11-23T00:00:00Z"));

            assertThat(compiled.valid()).isTrue();
            assertThat(compiled.warnings()).containsExactly(config + ": c.schedule.every: fires as often as every 5 min;"
                    + " against a remote system, polling more often than every 15 minutes is usually too frequent");
        }
    }
}
