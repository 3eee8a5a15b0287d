package dev.ferry.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Every form of SPEC.md's schedule table, fire times computed by Quartz over one week from a fixed
 * instant: Monday 2026-11-23 00:00 to Sunday 2026-11-29 23:59 in Europe/Berlin.
 */
class ScheduleFormsTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final Instant WEEK_START = ZonedDateTime.of(2026, 11, 22, 23, 59, 59, 0, BERLIN).toInstant();
    private static final Instant WEEK_END = ZonedDateTime.of(2026, 11, 29, 23, 59, 59, 0, BERLIN).toInstant();

    @Test
    void noScheduleMeansOnceADayAtMidnight() throws Exception {
        Schedule schedule = parse(Map.of());

        assertThat(schedule.summary()).isEqualTo("daily at 00:00 (Europe/Berlin)");
        assertThat(week(schedule)).containsExactly("Mon 00:00", "Tue 00:00", "Wed 00:00", "Thu 00:00", "Fri 00:00",
                "Sat 00:00", "Sun 00:00");
    }

    @Test
    void aQuartzCronIsUsedAsItIs() throws Exception {
        Schedule schedule = parse(Map.of("c.schedule.cron", "0 0/5 * * * ?"));

        assertThat(schedule.crons()).containsExactly("0 0/5 * * * ?");
        List<String> week = week(schedule);
        assertThat(week).hasSize(7 * 24 * 12);
        assertThat(week.subList(0, 3)).containsExactly("Mon 00:00", "Mon 00:05", "Mon 00:10");
        assertThat(week.get(week.size() - 1)).isEqualTo("Sun 23:55");
    }

    @Test
    void aDailyIntervalGoesFromOnceADayToEveryMinute() throws Exception {
        assertThat(week(parse(Map.of("c.schedule.every", "24h")))).containsExactly("Mon 00:00", "Tue 00:00",
                "Wed 00:00", "Thu 00:00", "Fri 00:00", "Sat 00:00", "Sun 00:00");
        List<String> everyMinute = week(parse(Map.of("c.schedule.every", "1m")));
        assertThat(everyMinute).hasSize(7 * 24 * 60);
        assertThat(everyMinute.subList(0, 2)).containsExactly("Mon 00:00", "Mon 00:01");
        assertThat(week(parse(Map.of("c.schedule.every", "30m")))).hasSize(7 * 48).startsWith("Mon 00:00", "Mon 00:30");
    }

    @Test
    void aTimeWindowOnChosenDaysIncludesItsEnd() throws Exception {
        Schedule schedule = parse(Map.of("c.schedule.every", "30m", "c.schedule.between", "08:00-17:00",
                "c.schedule.days", "MON-FRI"));

        assertThat(schedule.summary()).isEqualTo("every 30 min, 08:00–17:00, Mon–Fri (Europe/Berlin)");
        List<String> week = week(schedule);
        List<String> monday = List.of("Mon 08:00", "Mon 08:30", "Mon 09:00", "Mon 09:30", "Mon 10:00", "Mon 10:30",
                "Mon 11:00", "Mon 11:30", "Mon 12:00", "Mon 12:30", "Mon 13:00", "Mon 13:30", "Mon 14:00", "Mon 14:30",
                "Mon 15:00", "Mon 15:30", "Mon 16:00", "Mon 16:30", "Mon 17:00");
        assertThat(week.subList(0, 19)).containsExactlyElementsOf(monday);
        assertThat(week).hasSize(5 * 19).noneMatch(t -> t.startsWith("Sat") || t.startsWith("Sun"));
        for (String day : List.of("Tue", "Wed", "Thu", "Fri")) {
            assertThat(week.stream().filter(t -> t.startsWith(day)).toList())
                    .containsExactlyElementsOf(monday.stream().map(t -> t.replace("Mon", day)).toList());
        }
    }

    @Test
    void anIntervalThatDoesNotDivideAnHourStaysExactInsideItsWindow() throws Exception {
        Schedule schedule = parse(Map.of("c.schedule.every", "45m", "c.schedule.between", "08:00-17:00",
                "c.schedule.days", "WED"));

        assertThat(week(schedule)).containsExactly("Wed 08:00", "Wed 08:45", "Wed 09:30", "Wed 10:15", "Wed 11:00",
                "Wed 11:45", "Wed 12:30", "Wed 13:15", "Wed 14:00", "Wed 14:45", "Wed 15:30", "Wed 16:15", "Wed 17:00");
    }

    @Test
    void hoursFromMidnightOnChosenDaysLeaveTheOtherDaysOut() throws Exception {
        Schedule schedule = parse(Map.of("c.schedule.every", "6h", "c.schedule.days", "MON-SAT"));

        assertThat(schedule.summary()).isEqualTo("every 6 h from 00:00, Mon–Sat (Europe/Berlin)");
        List<String> week = week(schedule);
        assertThat(week).hasSize(6 * 4).noneMatch(t -> t.startsWith("Sun"));
        assertThat(week.subList(0, 4)).containsExactly("Mon 00:00", "Mon 06:00", "Mon 12:00", "Mon 18:00");
        assertThat(week.subList(20, 24)).containsExactly("Sat 00:00", "Sat 06:00", "Sat 12:00", "Sat 18:00");
        assertThat(week(parse(Map.of("c.schedule.every", "12h")))).hasSize(14).startsWith("Mon 00:00", "Mon 12:00");
    }

    @Test
    void weeklyOnChosenDays() throws Exception {
        Schedule schedule = parse(Map.of("c.schedule.days", "MON,WED,FRI", "c.schedule.at", "02:00"));

        assertThat(schedule.summary()).isEqualTo("Mon, Wed, Fri at 02:00 (Europe/Berlin)");
        assertThat(week(schedule)).containsExactly("Mon 02:00", "Wed 02:00", "Fri 02:00");
    }

    @Test
    void monthlyOnChosenMonths() throws Exception {
        Schedule schedule = parse(Map.of("c.schedule.months", "JAN,APR,JUL,OCT", "c.schedule.day-of-month", "1",
                "c.schedule.at", "03:00"));

        assertThat(schedule.summary()).isEqualTo("day 1 of Jan, Apr, Jul, Oct at 03:00 (Europe/Berlin)");
        // Our week has no first of a chosen month; the week of 1 April 2027 has one, and a year has four.
        assertThat(week(schedule)).isEmpty();
        Instant weekOfApril = ZonedDateTime.of(2027, 3, 28, 23, 59, 59, 0, BERLIN).toInstant();
        assertThat(schedule.fireTimes(weekOfApril, weekOfApril.plusSeconds(7 * 86_400)))
                .extracting(ZonedDateTime::toLocalDateTime).containsExactly(LocalDateTime.parse("2027-04-01T03:00"));
        assertThat(schedule.fireTimes(WEEK_START, WEEK_START.plusSeconds(366L * 86_400)))
                .extracting(t -> t.toLocalDateTime().toString())
                .containsExactly("2027-01-01T03:00", "2027-04-01T03:00", "2027-07-01T03:00", "2027-10-01T03:00");
    }

    @Test
    void aDailyScheduleInBerlinAcrossDaylightSavingBehavesAsQuartzDefines() throws Exception {
        Schedule schedule = parse(Map.of("c.schedule.at", "02:30", "c.schedule.time-zone", "Europe/Berlin"));

        // Spring forward, 2027-03-28: 02:00 jumps to 03:00, there is no 02:30 that day, and Quartz skips it.
        assertThat(schedule.fireTimes(Instant.parse("2027-03-26T00:00:00Z"), Instant.parse("2027-03-30T00:00:00Z")))
                .extracting(ZonedDateTime::toOffsetDateTime).extracting(Object::toString)
                .containsExactly("2027-03-26T02:30+01:00", "2027-03-27T02:30+01:00", "2027-03-29T02:30+02:00");
        // Fall back, 2027-10-31: 03:00 goes back to 02:00, 02:30 happens twice, and Quartz fires once, at the second.
        assertThat(schedule.fireTimes(Instant.parse("2027-10-29T00:00:00Z"), Instant.parse("2027-11-02T00:00:00Z")))
                .extracting(ZonedDateTime::toOffsetDateTime).extracting(Object::toString)
                .containsExactly("2027-10-29T02:30+02:00", "2027-10-30T02:30+02:00", "2027-10-31T02:30+01:00",
                        "2027-11-01T02:30+01:00");
    }

    @Test
    void endConditionsAreCarriedAndTheEndDateStopsTheFireTimes() throws Exception {
        Schedule schedule = parse(Map.of("c.schedule.every", "6h", "c.schedule.end-after-runs", "3",
                "c.schedule.end-at", "2026-11-25T12:00"));

        assertThat(schedule.summary()).isEqualTo("every 6 h from 00:00 (Europe/Berlin), ends after 3 runs, until 2026-11-25T12:00");
        assertThat(schedule.endAfterRuns()).isEqualTo(3);
        assertThat(week(schedule)).containsExactly("Mon 00:00", "Mon 06:00", "Mon 12:00", "Mon 18:00", "Tue 00:00",
                "Tue 06:00", "Tue 12:00", "Tue 18:00", "Wed 00:00", "Wed 06:00", "Wed 12:00");
    }

    @Test
    void theShortestGapFindsPollingThatIsTooFrequent() throws Exception {
        assertThat(parse(Map.of("c.schedule.every", "5m")).shortestGap(WEEK_START)).hasValue(java.time.Duration.ofMinutes(5));
        assertThat(parse(Map.of("c.schedule.days", "MON,TUE")).shortestGap(WEEK_START)).hasValue(java.time.Duration.ofDays(1));
    }

    private static Schedule parse(Map<String, String> keys) throws Exception {
        return ScheduleParser.parse("c", keys, BERLIN);
    }

    /** Fire times of the week as "Mon 08:30", in the schedule's zone. */
    private static List<String> week(Schedule schedule) {
        return schedule.fireTimes(WEEK_START, WEEK_END).stream()
                .map(t -> day(t.getDayOfWeek()) + " " + t.toLocalTime())
                .toList();
    }

    private static String day(DayOfWeek day) {
        return day.getDisplayName(java.time.format.TextStyle.SHORT, java.util.Locale.ENGLISH);
    }
}
