package dev.ferry.schedule;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.spi.PropertiesFunction;
import org.quartz.CronTrigger;
import org.quartz.JobDataMap;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.Settings;
import dev.ferry.runs.Conflict;

/**
 * Connectors' schedules at run time.
 *
 * <ul>
 *   <li><b>Compiling</b>: a connector's gather route consumes {@code quartz:ferry/<connector>} with
 *       {@code cron: "{{schedule:<connector>}}"}; that properties function compiles the connector's
 *       {@code <connector>.schedule.*} keys and answers the first cron expression, so camel-quartz
 *       creates the connector's job. An invalid schedule is logged with file and key and answers a cron
 *       that never fires: that connector does not run on schedule, the others start.</li>
 *   <li><b>Triggers</b>: once the gather route has started, the job gets the schedule's triggers: the
 *       time zone and end date on the first, one more trigger per further cron expression.</li>
 *   <li><b>Fires</b>: {@link #admit} decides whether a fire starts a run: not when the connector is
 *       disabled, ended or its schedule invalid; end conditions are counted here.</li>
 *   <li><b>Missed fires</b>: Quartz replays none ({@code MISFIRE_INSTRUCTION_DO_NOTHING}); instead,
 *       after start-up and on enable or activate, a connector whose schedule had fire times since the last
 *       fire it handled runs once — however many it missed, as its watermark covers the gap.</li>
 *   <li><b>Toggle and end</b>: disabled, the job is paused and the deliver route stopped (queued
 *       records wait); ended, the job is paused. Both states are in the state database.</li>
 * </ul>
 */
public final class ConnectorSchedules {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorSchedules.class);

    /** Quartz job group of connectors: gather routes consume {@code quartz:ferry/<connector>}. */
    public static final String GROUP = "ferry";
    /** Job-data entry naming the trigger of a fire that Ferry starts itself (manual, catch-up). */
    public static final String TRIGGER_JOB_DATA = "ferryTrigger";
    /** A cron expression that never fires: what an invalid schedule compiles to. */
    static final String NEVER = "0 0 0 1 1 ? 2099";
    /** Under this, polling a remote system is usually too frequent: a warning, not an error. */
    static final Duration FREQUENT = Duration.ofMinutes(15);

    /**
     * A connector's compiled schedule, or why it has none; each problem and warning names the file and
     * the key (or the run-time schedule).
     *
     * @param keys    the schedule's keys after {@code <connector>.schedule.}, as set
     * @param runTime the operator's run-time schedule these keys are, or null: the configuration file's
     */
    public record Compiled(Schedule schedule, List<String> problems, List<String> warnings, Map<String, String> keys,
                           ScheduleOverrides.Override runTime) {
        public boolean valid() {
            return schedule != null;
        }
    }

    /**
     * A connector's full-refresh schedule ({@code <connector>.full-refresh.*}): null when it has none, or when its keys
     * have problems (each naming the file and the key), which keep the connector from running on schedule.
     */
    public record FullRefresh(Schedule schedule, List<String> problems) {
        static final FullRefresh NONE = new FullRefresh(null, List.of());
    }

    /** A problem of a run-time schedule, by its key (after {@code <connector>.schedule.}): what an editor's field shows. */
    public record KeyProblem(String key, String value, String message) {
        /** As a message says it: {@code every = '7x': <what is wrong>}. */
        public String text() {
            return key + (value == null ? "" : " = '" + value + "'") + ": " + message;
        }
    }

    /** A run-time schedule checked before it is saved: compiled, or its problems by key; and its warnings. */
    public record Check(Schedule schedule, List<KeyProblem> problems, List<String> warnings) {
        public boolean valid() {
            return schedule != null;
        }
    }

    /** Whether a fire may start a run, and why not. */
    public record Admission(boolean run, String reason) {
        static final Admission RUN = new Admission(true, null);

        static Admission skip(String reason) {
            return new Admission(false, reason);
        }
    }

    private final CamelContext camel;
    private final ConnectorStates states;
    private final ScheduleOverrides overrides;
    private final Clock clock;
    private final Supplier<ZoneId> defaultZone;
    private final Map<String, Compiled> compiled = new ConcurrentHashMap<>();
    private final Map<String, FullRefresh> fullRefreshes = new ConcurrentHashMap<>();
    /** Each connector's toggle as {@link #followToggle} last read it from the state database. */
    private final Map<String, Boolean> toggleSeen = new ConcurrentHashMap<>();

    public ConnectorSchedules(CamelContext camel, ConnectorStates states, ScheduleOverrides overrides, Clock clock,
                              Supplier<ZoneId> defaultZone) {
        this.camel = camel;
        this.states = states;
        this.overrides = overrides;
        this.clock = clock;
        this.defaultZone = defaultZone;
    }

    public ConnectorStates states() {
        return states;
    }

    public ScheduleOverrides overrides() {
        return overrides;
    }

    // ------------------------------------------------------------------------------- compiling

    /** {@code {{schedule:<connector>}}}: the first cron expression of the connector's schedule. */
    public PropertiesFunction propertiesFunction() {
        return new PropertiesFunction() {
            @Override
            public String getName() {
                return "schedule";
            }

            @Override
            public String apply(String connector) {
                Compiled c = compile(connector.trim());
                return c.valid() ? c.schedule().crons().get(0) : NEVER;
            }
        };
    }

    /** Forgets the compiled schedule, so that the next use compiles the connector's properties again (a reload). */
    public void forget(String connector) {
        compiled.remove(connector);
        fullRefreshes.remove(connector);
    }

    /** The connector's full-refresh schedule (compiled once, problems logged once). */
    public FullRefresh fullRefresh(String connector) {
        return fullRefreshes.computeIfAbsent(connector, id -> {
            FullRefresh f = compileFullRefresh(camel, id, defaultZone.get());
            if (!f.problems().isEmpty()) {
                LOG.error("Connector {} will not run on schedule, its full-refresh schedule is invalid:\n  {}", id,
                        String.join("\n  ", f.problems()));
            }
            return f;
        });
    }

    /**
     * Whether a scheduled run of the connector starting now is a full refresh: a time of its full-refresh schedule
     * has come since {@code since} (when its last full refresh started, or its first run).
     */
    public boolean fullRefreshDue(String connector, Instant since) {
        Schedule schedule = fullRefresh(connector).schedule();
        if (schedule == null) {
            return false;
        }
        List<ZonedDateTime> next = schedule.next(since, 1);
        return !next.isEmpty() && !next.get(0).toInstant().isAfter(clock.instant());
    }

    /** Compiles a connector's {@code <connector>.full-refresh.*} keys from the configuration. */
    public static FullRefresh compileFullRefresh(CamelContext camel, String connector, ZoneId defaultZone) {
        String prefix = connector + "." + ScheduleParser.FULL_REFRESH + ".";
        Properties properties = camel.getPropertiesComponent().loadProperties(key -> key.startsWith(prefix));
        Map<String, String> keys = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> keys.put(key,
                camel.getPropertiesComponent().resolveProperty(key).orElse(properties.getProperty(key))));
        try {
            return ScheduleParser.parseFullRefresh(connector, keys, defaultZone)
                    .map(schedule -> new FullRefresh(schedule, List.of())).orElse(FullRefresh.NONE);
        } catch (ScheduleParser.InvalidScheduleException e) {
            List<String> problems = new ArrayList<>();
            for (ScheduleParser.Problem p : e.problems()) {
                problems.add(Settings.locate(camel.getPropertiesComponent(), p.key()) + ": " + p.key()
                        + (p.value() == null ? "" : " = '" + p.value() + "'") + ": " + p.message());
            }
            return new FullRefresh(null, problems);
        }
    }

    /** Compiles the connector's file schedule from the properties as they are now, without remembering it. */
    public Compiled compileNow(String connector) {
        return compile(camel, connector, defaultZone.get(), clock.instant());
    }

    /**
     * Compiles (once) and returns the connector's schedule in force: its run-time schedule when an operator set one,
     * else its file's; problems are logged once. When the state database does not answer, the file's, until the
     * next compile ({@link #forget}).
     */
    public Compiled compile(String connector) {
        return compiled.computeIfAbsent(connector, id -> {
            Compiled c = compileInForce(id);
            if (!c.valid()) {
                LOG.error("Connector {} will not run on schedule, its schedule is invalid:\n  {}", id,
                        String.join("\n  ", c.problems()));
            }
            c.warnings().forEach(warning -> LOG.warn("Connector {}: {}", id, warning));
            return c;
        });
    }

    private Compiled compileInForce(String connector) {
        Optional<ScheduleOverrides.Override> runTime;
        try {
            runTime = overrides.find(connector);
        } catch (SQLException e) {
            LOG.warn("Connector {}: its run-time schedule could not be read ({}); its file's schedule is used", connector,
                    e.toString());
            runTime = Optional.empty();
        }
        if (runTime.isEmpty()) {
            return compileNow(connector);
        }
        ScheduleOverrides.Override o = runTime.get();
        Check check = check(connector, o.keys());
        String where = "the run-time schedule set by " + o.setBy() + " at " + o.setAt();
        return new Compiled(check.schedule(), check.problems().stream().map(p -> where + ": " + p.text()).toList(),
                check.warnings().stream().map(w -> where + ": " + w).toList(), o.keys(), o);
    }

    /**
     * Checks a schedule's keys (after {@code <connector>.schedule.}) as a run-time schedule for the connector would be
     * compiled — by Ferry's own parser, with its messages — without saving anything.
     */
    public Check check(String connector, Map<String, String> keys) {
        String prefix = connector + ".schedule.";
        Map<String, String> prefixed = new TreeMap<>();
        keys.forEach((key, value) -> prefixed.put(prefix + key, value));
        try {
            Schedule schedule = ScheduleParser.parse(connector, prefixed, defaultZone.get());
            List<String> warnings = new ArrayList<>();
            schedule.shortestGap(clock.instant()).filter(gap -> gap.compareTo(FREQUENT) < 0).ifPresent(gap -> warnings.add(
                    (keys.containsKey("cron") ? "cron" : "every") + ": fires as often as every " + words(gap)
                            + "; against a remote system, polling more often than every 15 minutes is usually too frequent"));
            return new Check(schedule, List.of(), warnings);
        } catch (ScheduleParser.InvalidScheduleException e) {
            return new Check(null, e.problems().stream().map(p -> new KeyProblem(p.key().substring(prefix.length()), p.value(),
                    p.message() + (p.conflictsWith() == null ? ""
                            : " (with " + p.conflictsWith().substring(prefix.length()) + ")"))).toList(), List.of());
        }
    }

    /**
     * Compiles a connector's schedule from the configuration. Problems name the file, the key and what is
     * wrong; a schedule that polls more often than every 15 minutes is logged as a warning.
     */
    public static Compiled compile(CamelContext camel, String connector, ZoneId defaultZone, Instant now) {
        String prefix = connector + ".schedule.";
        Properties properties = camel.getPropertiesComponent().loadProperties(key -> key.startsWith(prefix));
        Map<String, String> keys = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> keys.put(key,
                camel.getPropertiesComponent().resolveProperty(key).orElse(properties.getProperty(key))));
        Map<String, String> shortKeys = new TreeMap<>();
        keys.forEach((key, value) -> shortKeys.put(key.substring(prefix.length()), value));
        try {
            Schedule schedule = ScheduleParser.parse(connector, keys, defaultZone);
            List<String> warnings = new ArrayList<>();
            schedule.shortestGap(now).filter(gap -> gap.compareTo(FREQUENT) < 0).ifPresent(gap -> {
                String key = keys.containsKey(prefix + "cron") ? prefix + "cron" : prefix + "every";
                warnings.add(Settings.locate(camel.getPropertiesComponent(), key) + ": " + key + ": fires as often as every "
                        + words(gap) + "; against a remote system, polling more often than every 15 minutes is"
                        + " usually too frequent");
            });
            return new Compiled(schedule, List.of(), warnings, shortKeys, null);
        } catch (ScheduleParser.InvalidScheduleException e) {
            List<String> problems = new ArrayList<>();
            for (ScheduleParser.Problem p : e.problems()) {
                String where = Settings.locate(camel.getPropertiesComponent(), p.key());
                String other = p.conflictsWith() == null ? null : Settings.locate(camel.getPropertiesComponent(), p.conflictsWith());
                problems.add(where + ": " + p.key() + (p.value() == null ? "" : " = '" + p.value() + "'") + ": " + p.message()
                        + (other == null ? "" : " (set in " + other + "; a profile overlay clears a key with an empty value)"));
            }
            return new Compiled(null, problems, List.of(), shortKeys, null);
        }
    }

    private static String words(Duration gap) {
        return gap.toMinutes() > 0 ? gap.toMinutes() + " min" : gap.toSeconds() + " s";
    }

    // ------------------------------------------------------------------------------- triggers

    /** Gives the connector's job its triggers; pauses it when the connector is not active. */
    public void applyTriggers(String connector) throws SchedulerException, SQLException {
        Scheduler scheduler = scheduler();
        JobKey job = JobKey.jobKey(connector, GROUP);
        if (!scheduler.checkExists(job)) {
            return;
        }
        Compiled c = compile(connector);
        if (c.valid()) {
            List<CronTrigger> desired = c.schedule().triggers(job);
            Set<TriggerKey> keep = new HashSet<>();
            for (CronTrigger trigger : desired) {
                keep.add(trigger.getKey());
                Trigger existing = scheduler.getTrigger(trigger.getKey());
                if (existing == null) {
                    scheduler.scheduleJob(trigger);
                } else if (!same(existing, trigger)) {
                    scheduler.rescheduleJob(trigger.getKey(), trigger);
                }
            }
            for (Trigger t : scheduler.getTriggersOfJob(job)) {
                if (!keep.contains(t.getKey()) && t.getKey().getName().startsWith(connector + "#")) {
                    scheduler.unscheduleJob(t.getKey());
                }
            }
            LOG.info("Connector {} runs {}; next: {}", connector, c.schedule().summary(),
                    next(connector, 1).stream().findFirst().map(Object::toString).orElse("never"));
        }
        ConnectorState state = states.get(connector);
        if (!c.valid() || !state.enabled() || state.ended()) {
            scheduler.pauseJob(job);
        }
    }

    private static boolean same(Trigger existing, CronTrigger desired) {
        return existing instanceof CronTrigger cron
                && cron.getCronExpression().equals(desired.getCronExpression())
                && cron.getTimeZone().getID().equals(desired.getTimeZone().getID())
                && cron.getMisfireInstruction() == desired.getMisfireInstruction()
                && java.util.Objects.equals(cron.getEndTime(), desired.getEndTime());
    }

    // ------------------------------------------------------------------------------- fires

    /**
     * Whether a fire of this trigger may start a run of the connector now. A scheduled fire counts toward
     * end-after-runs; the fire that reaches the count runs, and the connector ends.
     */
    public Admission admit(String connector, dev.ferry.runs.Trigger trigger) throws SQLException, SchedulerException {
        ConnectorState state = states.get(connector);
        if (!state.enabled()) {
            return Admission.skip("the connector is disabled");
        }
        if (trigger != dev.ferry.runs.Trigger.SCHEDULE) {
            return Admission.RUN;
        }
        Compiled c = compile(connector);
        if (!c.valid()) {
            return Admission.skip("its schedule is invalid: " + String.join("; ", c.problems()));
        }
        FullRefresh full = fullRefresh(connector);
        if (!full.problems().isEmpty()) {
            return Admission.skip("its full-refresh schedule is invalid: " + String.join("; ", full.problems()));
        }
        if (state.ended()) {
            return Admission.skip("it ended " + state.endedReason());
        }
        Schedule schedule = c.schedule();
        Optional<Instant> endAt = schedule.endInstant();
        if (endAt.isPresent() && clock.instant().isAfter(endAt.get())) {
            end(connector, "on " + schedule.endAt() + " (" + connector + ".schedule.end-at)");
            return Admission.skip("it ended on " + schedule.endAt());
        }
        states.recordFire(connector);
        if (schedule.endAfterRuns() != null) {
            int runs = states.countScheduledRun(connector);
            if (runs > schedule.endAfterRuns()) {
                end(connector, "after " + schedule.endAfterRuns() + " runs (" + connector + ".schedule.end-after-runs)");
                return Admission.skip("it ended after " + schedule.endAfterRuns() + " runs");
            }
            if (runs == schedule.endAfterRuns()) {
                end(connector, "after " + runs + " runs (" + connector + ".schedule.end-after-runs)");
            }
        }
        return Admission.RUN;
    }

    /**
     * A fire came while the connector's previous run was still processing, or a preview of it awaits
     * review: counted, and logged with the reason.
     */
    public void overlapped(String connector, dev.ferry.runs.Trigger trigger, String reason) throws SQLException {
        states.recordSkippedFire(connector);
        ConnectorState state = states.get(connector);
        LOG.warn("Connector {}: a {} fire was skipped: {} ({} skipped fire(s) so far)", connector, trigger, reason,
                state.skippedFires());
    }

    private void end(String connector, String reason) throws SQLException, SchedulerException {
        states.end(connector, reason);
        scheduler().pauseJob(JobKey.jobKey(connector, GROUP));
        LOG.warn("Connector {} ended {}; it runs again once activated", connector, reason);
    }

    // ------------------------------------------------------------------------------- operator actions

    /** Starts a run of the connector as soon as a Quartz worker is free, through its own job. */
    public void fireNow(String connector, dev.ferry.runs.Trigger trigger) throws SchedulerException {
        Scheduler scheduler = scheduler();
        JobKey job = JobKey.jobKey(connector, GROUP);
        if (!scheduler.checkExists(job)) {
            throw new IllegalArgumentException("Connector " + connector + " has no scheduled gather route"
                    + " (expected a route consuming quartz:" + GROUP + "/" + connector + ")");
        }
        scheduler.triggerJob(job, new JobDataMap(Map.of(TRIGGER_JOB_DATA, trigger.name())));
    }

    /** No runs start and queued records wait until {@link #enable}. Survives restarts. */
    public void disable(String connector, String by) throws Exception {
        states.setEnabled(connector, false, by);
        scheduler().pauseJob(JobKey.jobKey(connector, GROUP));
        camel.getRouteController().stopRoute(connector + "-deliver");
        LOG.info("Connector {} disabled by {}: no runs start, its queued records wait", connector, by);
    }

    /**
     * Makes this instance's deliver route follow the connector's toggle in the state database when another
     * instance changes it: disabled, its deliveries stop here too; enabled, they resume. Only a change of the
     * toggle acts: a deliver route an operator stopped or started by hand (JMX, Hawtio) stays as they left it.
     */
    /** The connector's deliver route was created for this toggle (read then from the state database). */
    public void deliveryConfigured(String connector, boolean enabled) {
        toggleSeen.put(connector, enabled);
    }

    public void followToggle(String connector) throws Exception {
        if (!camel.isStarted()) {
            return; // routes are still starting (or stopping) as configured
        }
        org.apache.camel.ServiceStatus status = camel.getRouteController().getRouteStatus(connector + "-deliver");
        if (status == null) {
            return;
        }
        ConnectorState state = states.get(connector);
        Boolean seen = toggleSeen.put(connector, state.enabled());
        if (seen == null || seen == state.enabled()) {
            return; // unchanged since the deliver route was configured, or since the last look
        }
        if (!state.enabled() && status.isStarted()) {
            camel.getRouteController().stopRoute(connector + "-deliver");
            LOG.info("Connector {} was disabled on another instance: its deliveries stop here too", connector);
        } else if (state.enabled() && status.isStopped()) {
            camel.getRouteController().startRoute(connector + "-deliver");
            LOG.info("Connector {} was enabled on another instance: its deliveries resume here too", connector);
        }
    }

    /**
     * Puts an operator's schedule in force for the connector at once, instead of its file's, audited; it survives
     * restarts, and every other instance follows it ({@link #followRunTime}). Invalid keys are refused with Ferry's
     * messages, by key.
     */
    public Compiled setRunTime(String connector, Map<String, String> keys, String by, String reason) throws Exception {
        Check check = check(connector, keys);
        if (!check.valid()) {
            throw new IllegalArgumentException("the schedule is invalid: "
                    + check.problems().stream().map(KeyProblem::text).collect(Collectors.joining("; ")));
        }
        Compiled before = compile(connector);
        overrides.set(connector, keys, summary(before), check.schedule().summary(), by, reason);
        return applied(connector, by, "set a run-time schedule: " + check.schedule().summary());
    }

    /** Puts the connector's file schedule back in force, audited; nothing changes when it has no run-time schedule. */
    public Compiled clearRunTime(String connector, String by, String reason) throws Exception {
        Compiled before = compile(connector);
        if (before.runTime() == null) {
            return before;
        }
        String file = summary(compileNow(connector));
        overrides.set(connector, null, summary(before), file, by, reason);
        return applied(connector, by, "put its file's schedule back: " + file);
    }

    private Compiled applied(String connector, String by, String what) throws SchedulerException, SQLException {
        forget(connector);
        Compiled now = compile(connector);
        LOG.info("Connector {}: {} {}", connector, by, what);
        applyTriggers(connector);
        return now;
    }

    private static String summary(Compiled c) {
        return c.valid() ? c.schedule().summary() : "invalid: " + String.join("; ", c.problems());
    }

    /**
     * Follows run-time schedules that another instance set or removed: a connector whose schedule in force is not
     * the state database's any more is compiled again and its triggers replaced (in a clustered job store they are
     * already; then only this instance's view changes).
     */
    public void followRunTime() throws SQLException, SchedulerException {
        Map<String, ScheduleOverrides.Override> current = overrides.all();
        for (Map.Entry<String, Compiled> e : Map.copyOf(compiled).entrySet()) {
            ScheduleOverrides.Override now = current.get(e.getKey());
            ScheduleOverrides.Override known = e.getValue().runTime();
            if ((now == null) != (known == null) || (now != null && now.version() != known.version())) {
                forget(e.getKey());
                Compiled c = compile(e.getKey());
                LOG.info("Connector {}: its schedule was changed on another instance; it runs {}", e.getKey(), summary(c));
                applyTriggers(e.getKey());
            }
        }
    }

    /** Runs start again on schedule (once now if fires were missed) and queued records are delivered. */
    public void enable(String connector, String by) throws Exception {
        states.setEnabled(connector, true, by);
        camel.getRouteController().startRoute(connector + "-deliver");
        ConnectorState state = states.get(connector);
        if (!state.ended() && compile(connector).valid()) {
            scheduler().resumeJob(JobKey.jobKey(connector, GROUP));
        }
        LOG.info("Connector {} enabled by {}", connector, by);
        catchUp(connector);
    }

    /**
     * Makes an ended connector active again: its scheduled runs count from zero, and its next run (now,
     * if fires were missed) gathers everything since its watermark.
     */
    public void activate(String connector, String by) throws Exception {
        Compiled c = compile(connector);
        if (c.valid() && c.schedule().endInstant().filter(end -> !clock.instant().isBefore(end)).isPresent()) {
            throw new Conflict("Connector " + connector + " ended on " + c.schedule().endAt()
                    + "; change or remove " + connector + ".schedule.end-at to activate it again");
        }
        states.activate(connector, by);
        ConnectorState state = states.get(connector);
        if (c.valid() && state.enabled()) {
            scheduler().resumeJob(JobKey.jobKey(connector, GROUP));
        }
        LOG.info("Connector {} activated by {}", connector, by);
        catchUp(connector);
    }

    /**
     * Runs the connector once now if its schedule had fire times since the last fire it handled — after
     * Ferry was stopped, disabled or ended across them. Returns the number of fires missed.
     */
    public int catchUp(String connector) throws SQLException, SchedulerException {
        Compiled c = compile(connector);
        ConnectorState state = states.get(connector);
        if (!c.valid() || !state.enabled() || state.ended()) {
            return 0;
        }
        List<ZonedDateTime> missed = c.schedule().fireTimes(state.coveredUntil(), clock.instant());
        if (missed.isEmpty()) {
            return 0;
        }
        LOG.info("Connector {} missed {} scheduled fire(s) (first {}, last {}); running once now", connector,
                missed.size(), missed.get(0), missed.get(missed.size() - 1));
        fireNow(connector, dev.ferry.runs.Trigger.SCHEDULE);
        return missed.size();
    }

    /**
     * When the connector is next due to run on schedule: now if it missed fires ({@link #catchUp} runs it once), its
     * next fire time, or never (disabled, ended, an invalid schedule). The order connectors start in after start-up.
     */
    public Instant dueAt(String connector) {
        Compiled c = compile(connector);
        if (!c.valid()) {
            return Instant.MAX;
        }
        ConnectorState state;
        try {
            state = states.get(connector);
        } catch (SQLException e) {
            return clock.instant(); // not known: soon, as the ones that may have missed fires
        }
        if (!state.enabled() || state.ended()) {
            return Instant.MAX;
        }
        Instant now = clock.instant();
        List<ZonedDateTime> next = c.schedule().next(state.coveredUntil(), 1);
        return next.isEmpty() ? Instant.MAX : next.get(0).toInstant().isAfter(now) ? next.get(0).toInstant() : now;
    }

    // ------------------------------------------------------------------------------- explain

    /** A schedule's next fire times from now. */
    public List<ZonedDateTime> next(Schedule schedule, int count) {
        return schedule.next(clock.instant(), count);
    }

    /** The connector's next fire times from now, or none when its schedule is invalid. */
    public List<ZonedDateTime> next(String connector, int count) {
        Compiled c = compile(connector);
        return c.valid() ? c.schedule().next(clock.instant(), count) : List.of();
    }

    /** Starts Quartz (Ferry turns its auto-start off): once the connectors' triggers are in place. */
    public void startScheduler() throws SchedulerException {
        Scheduler scheduler = scheduler();
        if (scheduler != null && !scheduler.isStarted()) {
            LOG.info("Starting the scheduler: the connectors' triggers are in place");
            scheduler.start();
        }
    }

    /** Whether the schedules are in Quartz's clustered job store, where a fire may come for any connector at once. */
    public boolean clustered() throws SchedulerException {
        Scheduler scheduler = scheduler();
        return scheduler != null && scheduler.getMetaData().isJobStoreClustered();
    }

    private Scheduler scheduler() {
        return camel.getComponent("quartz", QuartzComponent.class).getScheduler();
    }
}
