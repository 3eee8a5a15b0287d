package dev.ferry.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.ferry.runs.RunStatus;
import dev.ferry.runs.Trigger;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;

/**
 * An invalid schedule in an operator's configuration file: the error names the file and the key, the
 * connector does not run on schedule, and the other connector starts and runs. Also what {@code explain}
 * prints.
 */
class InvalidScheduleTest {

    @TempDir
    Path dir;

    private Target target;
    private Path config;

    @BeforeEach
    void setUp() throws Exception {
        target = new Target();
        // an instance's configuration: what it changes over the installation's defaults (here nothing)
        config = dir.resolve("application.properties");
        Files.writeString(config, "# an instance that changes nothing\n");
    }

    @AfterEach
    void tearDown() {
        target.close();
    }

    static Stream<Arguments> invalidSchedules() {
        return Stream.of(
                Arguments.of("invoices-to-erp.schedule.cron = 0 0/5 * * *\n",
                        "invoices-to-erp.schedule.cron = '0 0/5 * * *': not a Quartz cron expression"),
                Arguments.of("invoices-to-erp.schedule.cron =\ninvoices-to-erp.schedule.every = 30m\n"
                                + "invoices-to-erp.schedule.between = 17:00-08:00\n",
                        "invoices-to-erp.schedule.between = '17:00-08:00': the window's end 08:00 is before its start 17:00"),
                Arguments.of("invoices-to-erp.schedule.cron =\ninvoices-to-erp.schedule.days = MON,FUNDAY\n",
                        "invoices-to-erp.schedule.days = 'MON,FUNDAY': unknown day 'FUNDAY'"),
                Arguments.of("invoices-to-erp.schedule.cron =\ninvoices-to-erp.schedule.every = 0m\n",
                        "invoices-to-erp.schedule.every = '0m': the interval must be at least 1 minute"));
    }

    @ParameterizedTest
    @MethodSource("invalidSchedules")
    void theErrorNamesFileAndKeyAndTheValidConnectorStillRuns(String overlay, String expected) throws Exception {
        Path broken = dir.resolve("application-broken.properties");
        Files.writeString(broken, overlay);
        Map<String, String> properties = RunningFerry.testProperties(dir.resolve("data"), target);
        properties.remove("invoices-to-erp.schedule.cron");

        try (RunningFerry ferry = RunningFerry.start(config, "broken", properties, null)) {
            ConnectorSchedules.Compiled invoices = ferry.schedules().compile("invoices-to-erp");
            assertThat(invoices.valid()).isFalse();
            assertThat(invoices.problems()).anySatisfy(p -> assertThat(p).startsWith(broken + ": " + expected));

            assertThat(ferry.runAndAwait("customers-to-erp").status()).isEqualTo(RunStatus.COMPLETED);

            NotifyBuilder handled = new NotifyBuilder(ferry.camel()).fromRoute("invoices-to-erp-gather").whenDone(1).create();
            ferry.schedules().fireNow("invoices-to-erp", Trigger.SCHEDULE);
            assertThat(handled.matches(30, TimeUnit.SECONDS)).isTrue();
            assertThat(ferry.runsOf("invoices-to-erp")).isEmpty();
        }
    }

    @Test
    void explainPrintsEachScheduleInWordsWithItsNextFireTimes() throws Exception {
        Files.writeString(dir.resolve("application-ops.properties"), String.join("\n",
                "customers-to-erp.schedule.cron =",
                "customers-to-erp.schedule.every = 30m",
                "customers-to-erp.schedule.between = 08:00-17:00",
                "customers-to-erp.schedule.days = MON-FRI",
                "customers-to-erp.schedule.time-zone = Europe/Berlin",
                "invoices-to-erp.schedule.cron =",
                "invoices-to-erp.schedule.every = 0m",
                "payments-to-billing.schedule.cron =",
                "payments-to-billing.schedule.at = 06:00",
                "payments-to-billing.schedule.time-zone = UTC", ""));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Clock friday = Clock.fixed(Instant.parse("2026-11-27T15:45:00Z"), ZoneOffset.UTC);

        int exit = Explain.run(List.of("--count", "4"), RunningFerry.SOURCE_TREE, config, "demo,ops", friday,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertThat(exit).isEqualTo(1);
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "customers-to-erp: every 30 min, 08:00–17:00, Mon–Fri (Europe/Berlin)",
                "  Fri 2026-11-27 17:00:00 +01:00",
                "  Mon 2026-11-30 08:00:00 +01:00",
                "  Mon 2026-11-30 08:30:00 +01:00",
                "  Mon 2026-11-30 09:00:00 +01:00",
                "invoices-to-erp: INVALID SCHEDULE",
                "  " + dir.resolve("application-ops.properties")
                        + ": invoices-to-erp.schedule.every = '0m': the interval must be at least 1 minute",
                "payments-to-billing: daily at 06:00 (UTC)",
                "  Sat 2026-11-28 06:00:00 +00:00",
                "  Sun 2026-11-29 06:00:00 +00:00",
                "  Mon 2026-11-30 06:00:00 +00:00",
                "  Tue 2026-12-01 06:00:00 +00:00");
    }
}
