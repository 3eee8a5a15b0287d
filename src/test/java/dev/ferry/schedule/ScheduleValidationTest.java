package dev.ferry.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Each invalid schedule is rejected with its key, its value and what is wrong, all problems at once. */
class ScheduleValidationTest {

    @Test
    void aBadCronNamesItsKeyAndTheQuartzError() {
        assertThat(problems("cron", "0 0/5 * * *")).singleElement().satisfies(p -> {
            assertThat(p.key()).isEqualTo("c.schedule.cron");
            assertThat(p.value()).isEqualTo("0 0/5 * * *");
            assertThat(p.message()).startsWith("not a Quartz cron expression");
        });
    }

    @Test
    void aWindowThatEndsBeforeItStarts() {
        assertThat(problems("every", "30m", "between", "17:00-08:00")).singleElement().satisfies(p -> {
            assertThat(p.key()).isEqualTo("c.schedule.between");
            assertThat(p.message()).isEqualTo("the window's end 08:00 is before its start 17:00; a window cannot cross midnight");
        });
    }

    @Test
    void anUnknownDay() {
        assertThat(problems("days", "MON,FUNDAY")).singleElement().satisfies(p -> {
            assertThat(p.key()).isEqualTo("c.schedule.days");
            assertThat(p.message()).startsWith("unknown day 'FUNDAY'; use MON, TUE, WED, THU, FRI, SAT, SUN");
        });
        assertThat(problems("days", "SUN-MON")).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("day range SUN-MON goes backwards"));
    }

    @Test
    void anIntervalOfZeroOrOfSecondsOrOverADay() {
        assertThat(problems("every", "0m")).singleElement().satisfies(p -> {
            assertThat(p.key()).isEqualTo("c.schedule.every");
            assertThat(p.message()).isEqualTo("the interval must be at least 1 minute");
        });
        assertThat(problems("every", "90s")).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("the interval must be whole minutes"));
        assertThat(problems("every", "25h")).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("the interval can be at most 24h"));
        assertThat(problems("every", "often")).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("expected an interval such as 15m"));
    }

    @Test
    void everyProblemIsReportedAtOnceIncludingTyposAndConflicts() {
        List<ScheduleParser.Problem> problems = problems("cron", "0 0 2 * * ?", "at", "02:00", "time-zone", "Europe/Berln",
                "end-after-runs", "0", "evry", "5m");

        assertThat(problems).extracting(ScheduleParser.Problem::key).containsExactlyInAnyOrder("c.schedule.evry",
                "c.schedule.at", "c.schedule.time-zone", "c.schedule.end-after-runs");
        assertThat(problems).extracting(ScheduleParser.Problem::message).contains(
                "unknown schedule key; the keys are cron, every, between, days, at, months, day-of-month, time-zone, end-after-runs, end-at",
                "cannot be combined with c.schedule.cron",
                "unknown time zone; use a region id such as Europe/Berlin or UTC",
                "expected a whole number of runs, 1 or more");
    }

    @Test
    void aWindowNeedsAnIntervalAndAMonthlyScheduleNoWeekdays() {
        assertThat(problems("between", "08:00-17:00")).singleElement()
                .satisfies(p -> assertThat(p.message()).isEqualTo("a window needs an interval: set every (e.g. 30m)"));
        assertThat(problems("months", "JAN", "days", "MON")).singleElement()
                .satisfies(p -> assertThat(p.key()).isEqualTo("c.schedule.days"));
        assertThat(problems("months", "JAN", "day-of-month", "32")).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("expected a day of the month from 1 to 31"));
        assertThat(problems("at", "25:00")).singleElement()
                .satisfies(p -> assertThat(p.message()).isEqualTo("'25:00' is not a time of day such as 08:00 or 17:30"));
        assertThat(problems("end-at", "next year")).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("expected a date (2027-06-30)"));
    }

    @Test
    void otherConnectorsKeysAreNotThisSchedules() throws Exception {
        Schedule schedule = ScheduleParser.parse("c", Map.of("other.schedule.every", "0m", "c.schedule.at", "06:00"),
                ZoneId.of("UTC"));
        assertThat(schedule.summary()).isEqualTo("daily at 06:00 (UTC)");
    }

    private static List<ScheduleParser.Problem> problems(String... keysAndValues) {
        Map<String, String> config = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            config.put("c.schedule." + keysAndValues[i], keysAndValues[i + 1]);
        }
        return catchThrowableOfType(ScheduleParser.InvalidScheduleException.class,
                () -> ScheduleParser.parse("c", config, ZoneId.of("UTC"))).problems();
    }
}
