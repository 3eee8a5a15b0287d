package dev.ferry.schedule;

import java.text.ParseException;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.Month;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.quartz.CronExpression;

/**
 * Reads a connector's schedule from its {@code <connector>.schedule.*} keys and compiles it to Quartz
 * cron expressions. The forms, chosen by which keys are set:
 *
 * <table>
 *   <caption>Schedule forms</caption>
 *   <tr><th>keys</th><th>form</th><th>example</th></tr>
 *   <tr><td>none</td><td>once a day at 00:00</td><td></td></tr>
 *   <tr><td>{@code cron}</td><td>Quartz cron, seconds first</td><td>{@code 0 0/5 * * * ?}</td></tr>
 *   <tr><td>{@code every} [{@code between}] [{@code days}]</td><td>interval, from once a day to every minute,
 *       optionally inside a daily window (end inclusive) on chosen days; anchored at the window's start
 *       (00:00 without one)</td><td>{@code every=30m between=08:00-17:00 days=MON-FRI}</td></tr>
 *   <tr><td>{@code days} [{@code at}]</td><td>weekly on chosen days</td><td>{@code days=MON,WED,FRI at=02:00}</td></tr>
 *   <tr><td>{@code months} and/or {@code day-of-month} [{@code at}]</td><td>monthly on chosen months</td>
 *       <td>{@code months=JAN,APR,JUL,OCT day-of-month=1 at=03:00}</td></tr>
 *   <tr><td>{@code at}</td><td>daily at one or more times</td><td>{@code at=06:00,18:00}</td></tr>
 * </table>
 *
 * <p>Any form takes {@code time-zone}, {@code end-after-runs} and {@code end-at}. Every problem is
 * reported, each with its key.
 */
public final class ScheduleParser {

    /** The keys of a schedule, after {@code <connector>.schedule.}. */
    static final List<String> KEYS = List.of("cron", "every", "between", "days", "at", "months", "day-of-month",
            "time-zone", "end-after-runs", "end-at");
    /** The keys of a full-refresh schedule, after {@code <connector>.full-refresh.}: its times, no end. */
    static final List<String> FULL_REFRESH_KEYS = KEYS.subList(0, KEYS.indexOf("end-after-runs"));
    /** What follows the connector's id in the keys of its full-refresh schedule. */
    public static final String FULL_REFRESH = "full-refresh";

    /**
     * One problem with one key.
     *
     * @param conflictsWith the other key it cannot be combined with, or null
     */
    public record Problem(String key, String value, String message, String conflictsWith) {
        Problem(String key, String value, String message) {
            this(key, value, message, null);
        }
    }

    /** A schedule that cannot be used, with all its problems. */
    public static final class InvalidScheduleException extends Exception {
        private final transient List<Problem> problems;

        InvalidScheduleException(List<Problem> problems) {
            super(problems.stream().map(p -> p.key() + (p.value() == null ? "" : " = '" + p.value() + "'") + ": " + p.message())
                    .collect(Collectors.joining("; ")));
            this.problems = List.copyOf(problems);
        }

        public List<Problem> problems() {
            return problems;
        }
    }

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("H:mm");
    private static final String DAY_NAMES = "MON, TUE, WED, THU, FRI, SAT, SUN";
    private static final String MONTH_NAMES = "JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG, SEP, OCT, NOV, DEC";

    private final String prefix;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<Problem> problems = new ArrayList<>();

    private ScheduleParser(String connector, String section, List<String> keys, Map<String, String> config) {
        this.prefix = connector + "." + section + ".";
        config.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                String name = key.substring(prefix.length());
                if (!keys.contains(name)) {
                    problems.add(new Problem(key, value, "unknown " + section + " key; the keys are " + String.join(", ", keys)));
                } else if (value != null && !value.isBlank()) {
                    values.put(name, value.trim());
                }
            }
        });
    }

    /**
     * @param config      the configuration's keys and values (those outside the connector's prefix are ignored)
     * @param defaultZone the zone of a schedule without {@code time-zone}
     */
    public static Schedule parse(String connector, Map<String, String> config, ZoneId defaultZone)
            throws InvalidScheduleException {
        return new ScheduleParser(connector, "schedule", KEYS, config).parse(defaultZone);
    }

    /**
     * A connector's full-refresh schedule, from its {@code <connector>.full-refresh.*} keys (the forms of a schedule,
     * without an end): the first scheduled run at or after each of its times reads everything. Empty when no such key
     * is set.
     */
    public static Optional<Schedule> parseFullRefresh(String connector, Map<String, String> config, ZoneId defaultZone)
            throws InvalidScheduleException {
        ScheduleParser parser = new ScheduleParser(connector, FULL_REFRESH, FULL_REFRESH_KEYS, config);
        if (parser.values.isEmpty() && parser.problems.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parser.parse(defaultZone));
    }

    private Schedule parse(ZoneId defaultZone) throws InvalidScheduleException {
        ZoneId zone = read("time-zone", ScheduleParser::zone, defaultZone);
        Integer endAfterRuns = read("end-after-runs", ScheduleParser::positive, null);
        LocalDateTime endAt = read("end-at", ScheduleParser::dateTime, null);

        String description = null;
        List<String> crons = List.of();
        if (values.containsKey("cron")) {
            rejectWith("cron", "every", "between", "days", "at", "months", "day-of-month");
            String cron = read("cron", ScheduleParser::cron, null);
            if (cron != null) {
                description = "cron " + cron;
                crons = List.of(cron);
            }
        } else if (values.containsKey("every")) {
            rejectWith("every", "at", "months", "day-of-month");
            Integer minutes = read("every", ScheduleParser::interval, null);
            LocalTime[] window = read("between", ScheduleParser::window, new LocalTime[] {LocalTime.MIDNIGHT, LocalTime.of(23, 59)});
            SortedSet<DayOfWeek> days = read("days", ScheduleParser::days, allDays());
            if (minutes != null && window != null && days != null) {
                SortedSet<LocalTime> times = new TreeSet<>();
                for (LocalTime t = window[0]; !t.isAfter(window[1]); t = t.plusMinutes(minutes)) {
                    times.add(t);
                    if (!t.plusMinutes(minutes).isAfter(t)) {
                        break; // the next one would be tomorrow (times of day wrap at midnight)
                    }
                }
                description = "every " + interval(minutes)
                        + (values.containsKey("between") ? ", " + clock(window[0]) + "–" + clock(window[1]) : " from " + clock(window[0]))
                        + describeDays(days);
                crons = crons(times, "?", "*", cronDays(days));
            }
        } else if (values.containsKey("between")) {
            problems.add(new Problem(prefix + "between", values.get("between"), "a window needs an interval: set every (e.g. 30m)"));
        } else if (values.containsKey("months") || values.containsKey("day-of-month")) {
            rejectWith("months", "days");
            SortedSet<Month> months = read("months", ScheduleParser::months, new TreeSet<>(Arrays.asList(Month.values())));
            String day = read("day-of-month", ScheduleParser::dayOfMonth, "1");
            SortedSet<LocalTime> times = read("at", ScheduleParser::times, new TreeSet<>(List.of(LocalTime.MIDNIGHT)));
            if (months != null && day != null && times != null) {
                description = ("L".equals(day) ? "last day" : "day " + day) + " of "
                        + (months.size() == 12 ? "every month" : names(months, m -> m.getDisplayName(TextStyle.SHORT, Locale.ENGLISH)))
                        + " at " + clocks(times);
                crons = crons(times, day, cronMonths(months), "?");
            }
        } else if (values.containsKey("days")) {
            SortedSet<DayOfWeek> days = read("days", ScheduleParser::days, null);
            SortedSet<LocalTime> times = read("at", ScheduleParser::times, new TreeSet<>(List.of(LocalTime.MIDNIGHT)));
            if (days != null && times != null) {
                description = names(days, d -> d.getDisplayName(TextStyle.SHORT, Locale.ENGLISH)) + " at " + clocks(times);
                crons = crons(times, "?", "*", cronDays(days));
            }
        } else {
            SortedSet<LocalTime> times = read("at", ScheduleParser::times, new TreeSet<>(List.of(LocalTime.MIDNIGHT)));
            if (times != null) {
                description = "daily at " + clocks(times);
                crons = crons(times, "?", "*", "*");
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidScheduleException(problems);
        }
        return new Schedule(description, crons, zone, endAfterRuns, endAt);
    }

    /** Reads a key; on a problem records it and returns null. */
    private <T> T read(String name, Function<String, T> parse, T absent) {
        String value = values.get(name);
        if (value == null) {
            return absent;
        }
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException | DateTimeException e) {
            problems.add(new Problem(prefix + name, value, e.getMessage()));
            return null;
        }
    }

    private void rejectWith(String form, String... others) {
        for (String other : others) {
            if (values.containsKey(other)) {
                problems.add(new Problem(prefix + other, values.get(other), "cannot be combined with " + prefix + form,
                        prefix + form));
            }
        }
    }

    // ---------------------------------------------------------------- values

    private static ZoneId zone(String value) {
        try {
            return ZoneId.of(value);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("unknown time zone; use a region id such as Europe/Berlin or UTC");
        }
    }

    private static Integer positive(String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("expected a whole number of runs, 1 or more");
    }

    private static LocalDateTime dateTime(String value) {
        try {
            return value.contains("T") ? LocalDateTime.parse(value) : LocalDate.parse(value).atStartOfDay();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("expected a date (2027-06-30) or date and time (2027-06-30T18:00) in the schedule's zone");
        }
    }

    private static String cron(String value) {
        try {
            CronExpression.validateExpression(value);
            return value;
        } catch (ParseException e) {
            throw new IllegalArgumentException("not a Quartz cron expression (seconds minutes hours day-of-month month"
                    + " day-of-week [year], e.g. 0 0/5 * * * ?): " + e.getMessage());
        }
    }

    private static final Pattern INTERVAL =
            Pattern.compile("(?:(\\d+)\\s*h)?\\s*(?:(\\d+)\\s*m(?:in)?)?\\s*(?:(\\d+)\\s*s)?");

    /** An interval in whole minutes, 1 minute to 24 hours: 15m, 2h, 1h30m or ISO-8601 PT30M. */
    private static Integer interval(String value) {
        Duration d;
        java.util.regex.Matcher m = INTERVAL.matcher(value.toLowerCase(Locale.ROOT));
        if (value.regionMatches(true, 0, "P", 0, 1)) {
            try {
                d = Duration.parse(value);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("expected an interval such as 15m, 30m, 2h or 6h");
            }
        } else if (m.matches() && !value.isBlank()) {
            d = Duration.ofHours(m.group(1) == null ? 0 : Long.parseLong(m.group(1)))
                    .plusMinutes(m.group(2) == null ? 0 : Long.parseLong(m.group(2)))
                    .plusSeconds(m.group(3) == null ? 0 : Long.parseLong(m.group(3)));
        } else {
            throw new IllegalArgumentException("expected an interval such as 15m, 30m, 2h or 6h");
        }
        if (d.toSecondsPart() != 0 || d.toNanosPart() != 0) {
            throw new IllegalArgumentException("the interval must be whole minutes (from 1m to 24h); for more often use cron");
        }
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("the interval must be at least 1 minute");
        }
        if (d.compareTo(Duration.ofHours(24)) > 0) {
            throw new IllegalArgumentException("the interval can be at most 24h; for less often use days, months or cron");
        }
        return (int) d.toMinutes();
    }

    private static LocalTime time(String value) {
        try {
            return LocalTime.parse(value.trim(), CLOCK);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + value.trim() + "' is not a time of day such as 08:00 or 17:30");
        }
    }

    private static SortedSet<LocalTime> times(String value) {
        SortedSet<LocalTime> times = new TreeSet<>();
        for (String part : value.split(",")) {
            times.add(time(part));
        }
        return times;
    }

    private static LocalTime[] window(String value) {
        String[] parts = value.split("\\s*[-–]\\s*|\\s+to\\s+");
        if (parts.length != 2) {
            throw new IllegalArgumentException("expected a daily window such as 08:00-17:00");
        }
        LocalTime start = time(parts[0]);
        LocalTime end = time(parts[1]);
        if (end.isBefore(start)) {
            throw new IllegalArgumentException("the window's end " + clock(end) + " is before its start " + clock(start)
                    + "; a window cannot cross midnight");
        }
        return new LocalTime[] {start, end};
    }

    private static SortedSet<DayOfWeek> days(String value) {
        return list(value, DayOfWeek.class, ScheduleParser::day, "day", DAY_NAMES);
    }

    private static DayOfWeek day(String name) {
        for (DayOfWeek d : DayOfWeek.values()) {
            if (name.length() >= 3 && d.name().startsWith(name.toUpperCase(Locale.ROOT))) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown day '" + name + "'; use " + DAY_NAMES
                + ", ranges such as MON-FRI or lists such as MON,WED,FRI");
    }

    private static SortedSet<Month> months(String value) {
        return list(value, Month.class, ScheduleParser::month, "month", MONTH_NAMES);
    }

    private static Month month(String name) {
        if (name.matches("\\d{1,2}")) {
            int n = Integer.parseInt(name);
            if (n >= 1 && n <= 12) {
                return Month.of(n);
            }
        }
        for (Month m : Month.values()) {
            if (name.length() >= 3 && m.name().startsWith(name.toUpperCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown month '" + name + "'; use " + MONTH_NAMES
                + ", ranges such as JAN-MAR or lists such as JAN,APR,JUL,OCT");
    }

    private static <E extends Enum<E>> SortedSet<E> list(String value, Class<E> type, Function<String, E> one,
                                                        String what, String names) {
        SortedSet<E> set = new TreeSet<>();
        for (String part : value.split(",")) {
            String[] range = part.trim().split("\\s*-\\s*");
            if (range.length == 1) {
                set.add(one.apply(range[0]));
            } else if (range.length == 2) {
                E from = one.apply(range[0]);
                E to = one.apply(range[1]);
                if (to.ordinal() < from.ordinal()) {
                    throw new IllegalArgumentException(what + " range " + part.trim() + " goes backwards; list the "
                            + what + "s instead (e.g. " + to.name().substring(0, 3) + "," + from.name().substring(0, 3) + ")");
                }
                for (E e : type.getEnumConstants()) {
                    if (e.ordinal() >= from.ordinal() && e.ordinal() <= to.ordinal()) {
                        set.add(e);
                    }
                }
            } else {
                throw new IllegalArgumentException("'" + part.trim() + "' is not a " + what + " or a range; use " + names);
            }
        }
        return set;
    }

    private static String dayOfMonth(String value) {
        if (value.equalsIgnoreCase("L") || value.equalsIgnoreCase("last")) {
            return "L";
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= 31) {
                return String.valueOf(n);
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("expected a day of the month from 1 to 31, or L for the last day");
    }

    private static SortedSet<DayOfWeek> allDays() {
        return new TreeSet<>(Arrays.asList(DayOfWeek.values()));
    }

    // ---------------------------------------------------------------- compiling

    /**
     * Cron expressions whose union fires at exactly {@code times} on the days given: hours that share the
     * same minutes go into one expression, so an interval of 30 minutes from 08:00 to 17:00 becomes
     * {@code 0 0,30 8-16 ? * MON-FRI} plus {@code 0 0 17 ? * MON-FRI}.
     */
    static List<String> crons(SortedSet<LocalTime> times, String dayOfMonth, String month, String dayOfWeek) {
        TreeMap<Integer, TreeSet<Integer>> minutesByHour = new TreeMap<>();
        for (LocalTime t : times) {
            minutesByHour.computeIfAbsent(t.getHour(), h -> new TreeSet<>()).add(t.getMinute());
        }
        Map<TreeSet<Integer>, TreeSet<Integer>> hoursByMinutes = new LinkedHashMap<>();
        minutesByHour.forEach((hour, minutes) -> hoursByMinutes.computeIfAbsent(minutes, m -> new TreeSet<>()).add(hour));
        List<String> crons = new ArrayList<>();
        hoursByMinutes.forEach((minutes, hours) -> crons.add(
                "0 " + numbers(minutes) + " " + numbers(hours) + " " + dayOfMonth + " " + month + " " + dayOfWeek));
        return crons;
    }

    /** 0,5,10 stays a list; runs of three or more become ranges: 8,9,10,11 → 8-11. */
    static String numbers(SortedSet<Integer> values) {
        List<String> parts = new ArrayList<>();
        Integer start = null;
        Integer previous = null;
        for (int v : values) {
            if (previous != null && v == previous + 1) {
                previous = v;
                continue;
            }
            if (start != null) {
                parts.add(span(start, previous));
            }
            start = v;
            previous = v;
        }
        if (start != null) {
            parts.add(span(start, previous));
        }
        return String.join(",", parts);
    }

    private static String span(int from, int to) {
        if (from == to) {
            return String.valueOf(from);
        }
        return to == from + 1 ? from + "," + to : from + "-" + to;
    }

    private static String cronDays(SortedSet<DayOfWeek> days) {
        if (days.size() == 7) {
            return "*";
        }
        return names(days, d -> d.name().substring(0, 3)).replace('–', '-').replace(" ", "");
    }

    private static String cronMonths(SortedSet<Month> months) {
        if (months.size() == 12) {
            return "*";
        }
        return names(months, m -> m.name().substring(0, 3), ",");
    }

    // ---------------------------------------------------------------- words

    private static String describeDays(SortedSet<DayOfWeek> days) {
        return days.size() == 7 ? "" : ", " + names(days, d -> d.getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
    }

    /** Mon–Fri for a run of three or more, else Mon, Wed, Fri. */
    private static <E extends Enum<E>> String names(SortedSet<E> values, Function<E, String> name) {
        List<String> parts = new ArrayList<>();
        List<E> run = new ArrayList<>();
        for (E e : values) {
            if (!run.isEmpty() && e.ordinal() != run.get(run.size() - 1).ordinal() + 1) {
                parts.add(run(run, name));
                run.clear();
            }
            run.add(e);
        }
        if (!run.isEmpty()) {
            parts.add(run(run, name));
        }
        return String.join(", ", parts);
    }

    private static <E extends Enum<E>> String run(List<E> run, Function<E, String> name) {
        if (run.size() >= 3) {
            return name.apply(run.get(0)) + "–" + name.apply(run.get(run.size() - 1));
        }
        return run.stream().map(name).collect(Collectors.joining(", "));
    }

    private static <E extends Enum<E>> String names(SortedSet<E> values, Function<E, String> name, String separator) {
        return values.stream().map(name).collect(Collectors.joining(separator));
    }

    private static String interval(int minutes) {
        if (minutes % 60 == 0) {
            return minutes / 60 + " h";
        }
        return minutes + " min";
    }

    private static String clock(LocalTime t) {
        return String.format(Locale.ROOT, "%02d:%02d", t.getHour(), t.getMinute());
    }

    private static String clocks(SortedSet<LocalTime> times) {
        return times.stream().map(ScheduleParser::clock).collect(Collectors.joining(", "));
    }
}
