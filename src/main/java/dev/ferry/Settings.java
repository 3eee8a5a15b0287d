package dev.ferry;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.OrderedLocationProperties;
import org.apache.camel.util.TimeUtils;

/**
 * Ferry's own options ({@code ferry.*}), each declared once with its default and meaning. Values
 * come from {@code config/application.properties}, its profile overlay, or an environment variable
 * ({@code FERRY_STATE_URL} for {@code ferry.state.url}). Reading collects every error, so that one
 * start-up reports all of them, each naming the file and key.
 */
public final class Settings {

    /** One option: key, default (null: none) and what it means. */
    public record Option(String key, String defaultValue, String meaning) {
    }

    public static final Option DATA_DIR = new Option("ferry.data-dir", "./data",
            "Directory of runtime data: embedded state database, broker journal, demo databases.");
    public static final Option STATE_URL = new Option("ferry.state.url", "jdbc:h2:file:./data/state/ferry;DB_CLOSE_ON_EXIT=FALSE",
            "JDBC URL of the state database (watermarks, runs, failure ledger).");
    public static final Option STATE_USERNAME = new Option("ferry.state.username", "sa", "State database user.");
    public static final Option STATE_PASSWORD = new Option("ferry.state.password", "",
            "State database password. Set it through the environment (FERRY_STATE_PASSWORD), not in a committed file.");
    public static final Option STATE_POOL_SIZE = new Option("ferry.state.pool-size", "10",
            "Connections to the state database.");
    public static final Option BROKER_EMBEDDED = new Option("ferry.broker.embedded", "true",
            "Start an Artemis broker inside Ferry, with its journal under the data directory.");
    public static final Option BROKER_URL = new Option("ferry.broker.url", "vm://0",
            "Artemis URL the sync queues are reached by (vm://0 for the embedded broker).");
    public static final Option BROKER_USERNAME = new Option("ferry.broker.username", "", "Broker user.");
    public static final Option BROKER_PASSWORD = new Option("ferry.broker.password", "",
            "Broker password; set it through the environment (FERRY_BROKER_PASSWORD).");
    public static final Option BROKER_MAX_MEMORY = new Option("ferry.broker.max-memory", "64MB",
            "Heap the embedded broker may use for queued records before it pages them to disk (KB, MB or GB).");
    public static final Option GATHER_MAX_RECORD_SIZE = new Option("ferry.gather.max-record-size", "10MB",
            "Largest record, as JSON, that a run queues (KB, MB or GB); a larger row fails into the failure ledger"
                    + " with its size, and the run goes on.");
    public static final Option BROKER_MAX_CONNECTIONS = new Option("ferry.broker.max-connections", "8",
            "Pooled JMS connections to the broker.");
    public static final Option DELIVERY_THREADS = new Option("ferry.delivery.threads", "16",
            "Threads that deliver records, shared by every connector (from: ferry:queue); they exist only while records"
                    + " are being delivered.");
    public static final Option RUNS_FLUSH_INTERVAL = new Option("ferry.runs.flush-interval", "250ms",
            "How often delivery counts are written to the run ledger and finished runs are closed.");
    public static final Option SCHEDULE_TIME_ZONE = new Option("ferry.schedule.time-zone", "system",
            "Time zone of schedules that set none (<connector>.schedule.time-zone); 'system' is the JVM's zone.");
    public static final Option DEMO_ENABLED = new Option("ferry.demo.enabled", "false",
            "Seed the demo's own source database and serve the demo back office (the demo profile turns it on).");
    public static final Option DEMO_CUSTOMERS = new Option("ferry.demo.customers", "2000",
            "Customers in the demo source when it is first created.");
    public static final Option DEMO_INVOICES = new Option("ferry.demo.invoices", "6000",
            "Invoices in the demo source when it is first created.");

    public static final Option SECURITY_USERS_FILE = new Option("ferry.security.users-file", "",
            "File of API users, one per line: user.<name> = <hashed password>, <role>[, <role>] (roles: reader, operator);"
                    + " the password as printed by 'hash-password' (PBKDF2-SHA256, at least 600,000 iterations).");
    public static final Option SECURITY_USERS = new Option("ferry.security.users", "",
            "API users inline, for the environment (FERRY_SECURITY_USERS): <name>:<hashed password>:<role>[+<role>],"
                    + " separated by ';'.");
    public static final Option SECURITY_JWT_KEYSTORE_TYPE = new Option("ferry.security.jwt.keystore-type", "",
            "Keystore type (PKCS12, JKS) of the keys that verify bearer tokens (JWT), each stored under the name of its"
                    + " algorithm (HS256, RS256, ES256, ...); a token's sub names its caller, its roles claim the roles.");
    public static final Option SECURITY_JWT_KEYSTORE_PATH = new Option("ferry.security.jwt.keystore-path", "",
            "Keystore file of the keys that verify bearer tokens.");
    public static final Option SECURITY_JWT_KEYSTORE_PASSWORD = new Option("ferry.security.jwt.keystore-password", "",
            "Password of that keystore; set it through the environment (FERRY_SECURITY_JWT_KEYSTORE_PASSWORD).");
    public static final Option SECURITY_JWT_ISSUER = new Option("ferry.security.jwt.issuer", "",
            "When set, a bearer token's iss must be exactly this.");
    public static final Option SECURITY_JWT_AUDIENCE = new Option("ferry.security.jwt.audience", "",
            "When set (comma-separated), a bearer token's aud must name one of these.");
    public static final Option SECURITY_LOGIN_MAX_FAILURES = new Option("ferry.security.login.max-failures", "10",
            "Failed logins from one address, or for one user name, within ferry.security.login.window before further"
                    + " attempts are refused (429) until the window has passed.");
    public static final Option SECURITY_LOGIN_WINDOW = new Option("ferry.security.login.window", "5m",
            "The window of ferry.security.login.max-failures.");
    public static final Option SECURITY_ALLOWED_ORIGINS = new Option("ferry.security.allowed-origins", "",
            "Web origins besides a server's own (scheme://host:port, comma-separated) whose pages may send requests that"
                    + " change state, e.g. the Hawtio console whose proxy forwards its page's Origin.");
    public static final Option SECURITY_ALLOWED_HOSTS = new Option("ferry.security.allowed-hosts", "",
            "Host names besides loopback (comma-separated) that a request may name when Ferry runs without"
                    + " authentication; every other Host is refused, so a DNS name rebound to this machine cannot reach it.");
    public static final Option INSTANCE_NAME = new Option("ferry.instance-name", "",
            "This instance's name in runs, logs, /observe/info and Quartz's cluster; the host name and the API port"
                    + " (ledger-1-8080) when empty; letters, digits and . _ - @. Unique in a cluster, and the same across restarts.");
    public static final Option CLUSTER_HEARTBEAT_INTERVAL = new Option("ferry.cluster.heartbeat-interval", "5s",
            "How often this instance writes its run counts and beats in the state database, and looks for runs that"
                    + " stopped instances left.");
    public static final Option CLUSTER_LEASE = new Option("ferry.cluster.lease", "30s",
            "An instance whose heartbeat has not moved for this long, by each other instance's own clock, is gone:"
                    + " its runs are finished by the others. Several heartbeat intervals, above the longest GC pause.");
    public static final Option HOUSEKEEPING_MAX_AGE = new Option("ferry.housekeeping.max-age", "P90D",
            "Finished runs and resolved failures older than this are deleted by housekeeping (ISO-8601, e.g. P90D).");
    public static final Option HOUSEKEEPING_CRON = new Option("ferry.housekeeping.cron", "0 15 3 * * ?",
            "When housekeeping runs (Quartz cron, seconds first).");
    public static final Option SCHEDULE_CLUSTERED = new Option("ferry.schedule.clustered", "false",
            "Keep schedules in Quartz's clustered job store in the state database (PostgreSQL), so that several Ferry"
                    + " instances share them and each fire runs on one instance only.");
    public static final Option HEALTH_FAILED_RUNS = new Option("ferry.health.failed-runs", "3",
            "A connector whose last this many runs all FAILED shows as degraded (DOWN) in /observe/health.");
    public static final Option METRICS_REFRESH_INTERVAL = new Option("ferry.metrics.refresh-interval", "5s",
            "How often the queue depth and watermark gauges are read from the broker and the state database (a"
                    + " scrape returns the last values at once, even while the broker is down).");
    public static final Option ALERTS_WATERMARK_LAG = new Option("ferry.alerts.watermark-lag", "",
            "Watermark lag over which a connector's alert fires (ferry_watermark_lag_threshold_seconds), unless the"
                    + " connector sets <connector>.alerts.watermark-lag; empty: twice the longest time between two fires"
                    + " of its schedule, at least an hour.");
    public static final Option CONNECTORS_START_BEFORE_READY = new Option("ferry.connectors.start-before-ready", "100",
            "How many connectors' routes start before Ferry reports ready, those due to fire first; the others start"
                    + " right after, in the background in the same order (one at once when an operator acts on it).");
    public static final Option CONSOLE_ENABLED = new Option("ferry.console.enabled", "true",
            "Serve the operator console at /console on the API server (camel.server.*), under the API's access rules.");
    public static final Option RELOAD_ENABLED = new Option("ferry.reload.enabled", "false",
            "Reload a connector when its route file or its properties change (the dev profile turns it on).");
    public static final Option RELOAD_QUIET_PERIOD = new Option("ferry.reload.quiet-period", "500ms",
            "How long a changed file must stay unchanged before it is reloaded (editors save in several writes).");

    private final PropertiesComponent properties;
    private final List<String> errors = new ArrayList<>();

    public Settings(PropertiesComponent properties) {
        this.properties = properties;
    }

    public String string(Option option) {
        Optional<String> value = properties.resolveProperty(option.key());
        if (value.isPresent()) {
            return value.get();
        }
        // set, but to a placeholder that does not resolve: {{env:FERRY_STATE_URL}} with no such variable
        String raw = properties.loadProperties().getProperty(option.key());
        if (raw != null) {
            try {
                return properties.parseUri(raw);
            } catch (RuntimeException unresolved) {
                Matcher env = Pattern.compile("\\{\\{env:([A-Za-z0-9_]+)").matcher(raw);
                error(option, raw, env.find()
                        ? "needs the environment variable " + env.group(1) + " (or " + option.key() + " in the secrets file)"
                        : "does not resolve: " + unresolved.getMessage());
            }
        }
        return option.defaultValue();
    }

    public int positiveInt(Option option) {
        String value = string(option);
        try {
            int n = Integer.parseInt(value.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        error(option, value, "is not a positive whole number");
        return Integer.parseInt(option.defaultValue());
    }

    public int nonNegativeInt(Option option) {
        String value = string(option);
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        error(option, value, "is not a whole number of at least 0");
        return Integer.parseInt(option.defaultValue());
    }

    /** A size: 512KB, 64MB, 1GB, or a number of bytes. */
    public long bytes(Option option) {
        String value = string(option).trim();
        Matcher m = Pattern.compile("(?i)(\\d+)\\s*(KB|MB|GB)?").matcher(value);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "" : m.group(2).toUpperCase(Locale.ROOT);
            long bytes = switch (unit) {
                case "KB" -> n << 10;
                case "MB" -> n << 20;
                case "GB" -> n << 30;
                default -> n;
            };
            if (bytes > 0) {
                return bytes;
            }
        }
        error(option, value, "is not a size such as 64MB");
        return 64L << 20;
    }

    public boolean bool(Option option) {
        String value = string(option).trim();
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            error(option, value, "is not true or false");
            return Boolean.parseBoolean(option.defaultValue());
        }
        return Boolean.parseBoolean(value);
    }

    /** Durations as Camel writes them: {@code 250ms}, {@code 5s}, {@code 1m30s}, or ISO-8601 {@code PT5S}. */
    /** A positive duration, or empty when the option is blank; a bad value is an error naming the file and key. */
    public Optional<Duration> optionalDuration(Option option) {
        return string(option).isBlank() ? Optional.empty() : Optional.of(duration(option));
    }

    public Duration duration(Option option) {
        String value = string(option).trim();
        try {
            Duration d = value.startsWith("P") || value.startsWith("p") ? Duration.parse(value)
                    : Duration.ofMillis(TimeUtils.toMilliSeconds(value));
            if (!d.isNegative() && !d.isZero()) {
                return d;
            }
        } catch (RuntimeException e) {
            // reported below
        }
        error(option, value, "is not a positive duration such as 250ms, 5s or PT5S");
        return Duration.ofMillis(TimeUtils.toMilliSeconds(option.defaultValue()));
    }

    private void error(Option option, String value, String problem) {
        errors.add(where(option.key()) + ": " + option.key() + " = '" + value + "' " + problem
                + " (" + option.meaning() + " Default: " + option.defaultValue() + ")");
    }

    /** The time zone option: an IANA id, or 'system'. */
    public ZoneId zone(Option option) {
        String value = string(option).trim();
        if (value.equalsIgnoreCase("system")) {
            return ZoneId.systemDefault();
        }
        try {
            return ZoneId.of(value);
        } catch (DateTimeException e) {
            error(option, value, "is not a time zone; use a region id such as Europe/Berlin, UTC, or system");
            return ZoneId.systemDefault();
        }
    }

    /** The file (or environment variable) that set a key, for error messages. */
    String where(String key) {
        return locate(properties, key);
    }

    /** The file (or environment variable) that set a key, for error messages. */
    public static String locate(PropertiesComponent properties, String key) {
        Properties found = properties.loadProperties(key::equals);
        String location = found instanceof OrderedLocationProperties olp ? olp.getLocation(key) : null;
        if (location != null) {
            return location.startsWith("file:") ? location.substring("file:".length()) : location;
        }
        String env = key.toUpperCase().replace('.', '_').replace('-', '_');
        return Optional.ofNullable(System.getenv(env)).map(v -> "environment variable " + env).orElse("configuration");
    }

    /**
     * Reads every option declared here as text, so that one whose placeholder does not resolve (an environment
     * variable that is not set) is reported without starting anything.
     */
    public void readAll() {
        for (java.lang.reflect.Field field : Settings.class.getFields()) {
            if (field.getType() == Option.class && java.lang.reflect.Modifier.isStatic(field.getModifiers())) {
                try {
                    string((Option) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** Throws one exception listing every invalid option read so far. */
    public void validate() {
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Invalid Ferry configuration:\n  " + String.join("\n  ", errors));
        }
    }
}
