package dev.ferry.schedule;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TimeZone;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobKey;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.triggers.CronTriggerImpl;

/**
 * A connector's schedule, compiled: the Quartz cron expressions whose union are its fire times, the
 * time zone they are read in, and its end conditions. Fire times come from Quartz's own computation
 * ({@link CronTriggerImpl}), so what {@link #next} explains is what the scheduler does — daylight
 * saving included.
 *
 * @param description  the schedule in words, e.g. {@code every 30 min, 08:00–17:00, Mon–Fri}
 * @param crons        Quartz cron expressions (seconds first); never empty
 * @param endAfterRuns scheduled runs after which the connector ends, or null
 * @param endAt        local date-time (in {@code zone}) after which it does not fire, or null
 */
public record Schedule(String description, List<String> crons, ZoneId zone, Integer endAfterRuns, LocalDateTime endAt) {

    public Schedule {
        if (crons.isEmpty()) {
            throw new IllegalArgumentException("A schedule needs at least one cron expression");
        }
        crons = List.copyOf(crons);
    }

    /** The description with its zone and end conditions, for logs, explain and the API. */
    public String summary() {
        return description + " (" + zone.getId() + ")"
                + (endAfterRuns == null ? "" : ", ends after " + endAfterRuns + " run" + (endAfterRuns == 1 ? "" : "s"))
                + (endAt == null ? "" : ", until " + endAt);
    }

    /** The instant after which it does not fire, if it has an end date. */
    public Optional<Instant> endInstant() {
        return Optional.ofNullable(endAt).map(end -> end.atZone(zone).toInstant());
    }

    /** Fire times after {@code from} up to and including {@code to}, in order. */
    public List<ZonedDateTime> fireTimes(Instant from, Instant to) {
        List<ZonedDateTime> times = new ArrayList<>();
        for (ZonedDateTime t : next(from, Integer.MAX_VALUE, to)) {
            times.add(t);
        }
        return times;
    }

    /** The next {@code count} fire times after {@code from}. */
    public List<ZonedDateTime> next(Instant from, int count) {
        return next(from, count, null);
    }

    private List<ZonedDateTime> next(Instant from, int count, Instant until) {
        record Next(Date at, CronTriggerImpl trigger) {
        }
        PriorityQueue<Next> queue = new PriorityQueue<>((a, b) -> a.at().compareTo(b.at()));
        Date start = Date.from(from);
        for (String cron : crons) {
            CronTriggerImpl trigger = trigger(cron, start);
            Date first = trigger.getFireTimeAfter(start);
            if (first != null) {
                queue.add(new Next(first, trigger));
            }
        }
        List<ZonedDateTime> times = new ArrayList<>();
        while (!queue.isEmpty() && times.size() < count) {
            Next next = queue.poll();
            if (until != null && next.at().toInstant().isAfter(until)) {
                break;
            }
            times.add(next.at().toInstant().atZone(zone));
            Date after = next.trigger().getFireTimeAfter(next.at());
            if (after != null) {
                queue.add(new Next(after, next.trigger()));
            }
        }
        return times;
    }

    /** The shortest time between two fires over a week from {@code from}: for the polling warning. */
    public Optional<Duration> shortestGap(Instant from) {
        return gaps(from).min(Comparator.naturalOrder());
    }

    /** The longest time between two fires over the week after {@code from} (a weekend, a night), if it fires twice. */
    public Optional<Duration> longestGap(Instant from) {
        return gaps(from).max(Comparator.naturalOrder());
    }

    private Stream<Duration> gaps(Instant from) {
        List<ZonedDateTime> week = fireTimes(from, from.plus(Duration.ofDays(8)));
        return IntStream.range(1, week.size()).mapToObj(i -> Duration.between(week.get(i - 1), week.get(i)));
    }

    /**
     * The Quartz triggers for the connector's job: the first keeps the job's own trigger key (the one
     * camel-quartz created for the route), the others are {@code <name>#2}, {@code <name>#3}, ... Missed
     * fires are not replayed by Quartz: Ferry runs one catch-up run itself (see {@link ConnectorSchedules}).
     */
    public List<CronTrigger> triggers(JobKey job) {
        List<CronTrigger> triggers = new ArrayList<>();
        for (int i = 0; i < crons.size(); i++) {
            TriggerBuilder<CronTrigger> builder = TriggerBuilder.newTrigger()
                    .withIdentity(triggerKey(job, i))
                    .forJob(job)
                    .withSchedule(CronScheduleBuilder.cronSchedule(crons.get(i))
                            .inTimeZone(TimeZone.getTimeZone(zone))
                            .withMisfireHandlingInstructionDoNothing());
            endInstant().ifPresent(end -> builder.endAt(Date.from(end)));
            triggers.add(builder.build());
        }
        return triggers;
    }

    static TriggerKey triggerKey(JobKey job, int index) {
        return TriggerKey.triggerKey(index == 0 ? job.getName() : job.getName() + "#" + (index + 1), job.getGroup());
    }

    private CronTriggerImpl trigger(String cron, Date start) {
        CronTriggerImpl trigger = new CronTriggerImpl();
        try {
            trigger.setCronExpression(cron);
        } catch (ParseException e) {
            throw new IllegalStateException("Compiled an invalid cron expression '" + cron + "'", e);
        }
        trigger.setTimeZone(TimeZone.getTimeZone(zone));
        trigger.setStartTime(start);
        endInstant().ifPresent(end -> trigger.setEndTime(Date.from(end)));
        return trigger;
    }
}
