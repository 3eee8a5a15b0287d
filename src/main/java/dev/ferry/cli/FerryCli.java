package dev.ferry.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

import dev.ferry.FerryApplication;
import dev.ferry.FerryApplication.Launch;
import dev.ferry.Installation;
import dev.ferry.StartupRefused;
import dev.ferry.ops.FerryInfo;
import dev.ferry.schedule.Explain;

/**
 * {@code ferry <command> ...}: what {@code bin/ferry} runs. Every command but {@code run} ends the JVM with its
 * exit code: 0 done, 1 a problem found (check, explain) or an error, 2 a command line that is wrong.
 */
public final class FerryCli {

    static final String USAGE = """
            Ferry %s — scheduled, incremental, durable sync from a database to HTTP targets, on Apache Camel.

            Usage: ferry <command> [options]        (ferry <command> --help for its options)

            Commands of an instance (its bin/ferry, or FERRY_INSTANCE set):
              run            Start the instance's connectors; stops cleanly on SIGTERM or Ctrl-C
              check          Check the configuration and every connector file without starting anything;
                             prints each problem with its file and line, exit code 1 if there is one
              explain        Print connectors' schedules in words and their next fire times
              new-connector  Write a connector file and its keys into the instance

            Commands of the installation:
              create         Make an instance directory: ferry create <directory>
              upgrade        Point an instance at this installation: ferry upgrade <instance>
              hash-password  Read a password and print it hashed for the users file
              --version      Print Ferry's version
              --help         Print this text

            Options of run, check and explain:
              --profile <names>  Profiles, comma-separated (prod, dev, demo): application-<name>.properties
                                 over application.properties (also FERRY_PROFILE)
              --config <file>    Another configuration file than the instance's config/application.properties
                                 (also FERRY_CONFIG)
              --secrets <file>   A properties file of secrets that wins over the configuration (FERRY_SECRETS_FILE)

            Environment: FERRY_HOME (the installation), FERRY_INSTANCE (the instance), JAVA_HOME,
            JAVA_OPTS (JVM options after the instance's config/jvm.options).
            """;

    static final Map<String, String> COMMAND_USAGE = Map.of(
            "run", "Usage: ferry run [--profile <names>] [--config <file>] [--secrets <file>]\n"
                    + "Starts the instance's connectors, its API and management servers. Logs go to the console and to\n"
                    + "the instance's logs/ferry.log. SIGTERM or Ctrl-C stops it within camel.main.shutdown-timeout;\n"
                    + "what is queued and not delivered stays queued for the next start.",
            "check", "Usage: ferry check [--profile <names>] [--config <file>] [--secrets <file>]\n"
                    + "Reads the configuration and every connector file as 'run' would, checks each file's routes,\n"
                    + "schedule, target URL and source table (connecting to the source), and starts nothing.\n"
                    + "Prints every problem with its file and line and how to fix it; exit code 1 if there is one.",
            "explain", "Usage: ferry explain [<connector> ...] [--count N] [--profile <names>] [--config <file>]\n"
                    + "Prints each connector's schedule in words and its next N fire times (10). Exit code 1 when a\n"
                    + "schedule is invalid.",
            "new-connector", NewConnector.USAGE,
            "create", InstanceDirectory.CREATE_USAGE,
            "upgrade", InstanceDirectory.UPGRADE_USAGE,
            "hash-password", "Usage: ferry hash-password\n"
                    + "Reads a password (from the console without echo, or one line of standard input) and prints it\n"
                    + "hashed (PBKDF2-SHA256) for the users file or FERRY_SECURITY_USERS.");

    private FerryCli() {
    }

    /** The commands' own logging: warnings and errors only, the message alone (run logs as configured). */
    static final String QUIET_LOGGING = "dev/ferry/cli/log4j2-cli.properties";

    public static void main(String[] args) {
        if ((args.length == 0 || !"run".equals(args[0])) && System.getProperty("log4j2.configurationFile") == null) {
            // before anything logs: Log4j reads this once
            System.setProperty("log4j2.configurationFile", QUIET_LOGGING);
        }
        int code;
        try {
            code = run(args, System.out, System.err);
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            code = 2;
        } catch (StartupRefused e) {
            // the message says what and where; a stack trace would bury it
            LoggerFactory.getLogger(FerryCli.class).error(e.getMessage());
            code = 1;
        } catch (Exception | LinkageError e) {
            LoggerFactory.getLogger(FerryCli.class).error("Ferry could not start: {}", e.getMessage(), e);
            // the broker's non-daemon threads would otherwise keep a half-started process alive
            code = 1;
        }
        if (code >= 0) {
            System.exit(code);
        }
    }

    /** Runs a command; returns its exit code, or -1 for {@code run}, which returns when Ferry has stopped. */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0 || "--help".equals(args[0]) || "-h".equals(args[0]) || "help".equals(args[0])) {
            if (args.length > 1 && COMMAND_USAGE.containsKey(args[1])) {
                out.println(COMMAND_USAGE.get(args[1]));
                return 0;
            }
            out.print(USAGE.formatted(FerryInfo.version()));
            return args.length == 0 ? 2 : 0;
        }
        if ("--version".equals(args[0]) || "version".equals(args[0])) {
            out.println("Ferry " + FerryInfo.version() + " (Apache Camel " + FerryInfo.camelVersion() + ", Java "
                    + Runtime.version() + ")");
            return 0;
        }
        String command = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        if (rest.contains("--help") || rest.contains("-h")) {
            String usage = COMMAND_USAGE.get(command);
            if (usage == null) {
                return unknown(command, err);
            }
            out.println(usage);
            return 0;
        }
        return switch (command) {
            case "run" -> runFerry(rest, err);
            case "check" -> {
                Launch launch = Launch.parse(rest.toArray(String[]::new), System.getenv());
                noMore("check", launch);
                yield new CheckCommand(Installation.current(), launch, out).run();
            }
            case "explain" -> {
                Launch launch = Launch.parse(rest.toArray(String[]::new), System.getenv());
                Installation installation = Installation.current();
                yield Explain.run(List.of(launch.camelArgs()), installation, launch.config(installation),
                        launch.profile(), Clock.systemUTC(), out);
            }
            case "new-connector" -> NewConnector.run(Installation.current(), rest, out, err);
            case "create" -> InstanceDirectory.create(rest, out, err);
            case "upgrade" -> InstanceDirectory.upgrade(rest, out, err);
            case "hash-password" -> HashPassword.run(out, err);
            default -> unknown(command, err);
        };
    }

    private static int runFerry(List<String> rest, PrintStream err) throws Exception {
        Launch launch = Launch.parse(rest.toArray(String[]::new), System.getenv());
        noMore("run", launch);
        Installation installation = Installation.current();
        // the log's first line: which Ferry, which instance, which installation
        LoggerFactory.getLogger("dev.ferry").info("Ferry {} starting: instance {}, installation {}, profiles {}",
                FerryInfo.version(), installation.instance(), installation.home(),
                launch.profile() == null || launch.profile().isBlank() ? "(none)" : launch.profile());
        // before anything is tried: every variable the configuration needs, named in one message
        FerryApplication.requireVariables(installation, launch.config(installation), launch.profile(), launch.secrets(),
                System.getenv());
        Main main = FerryApplication.newMain(installation, launch.config(installation), launch.profile(), launch.secrets());
        main.run();
        return -1;
    }

    private static void noMore(String command, Launch launch) {
        if (launch.camelArgs().length > 0) {
            throw new UsageException("ferry " + command + ": unknown option " + launch.camelArgs()[0]
                    + " (ferry " + command + " --help lists its options)");
        }
    }

    private static int unknown(String command, PrintStream err) {
        err.println("ferry: unknown command '" + command + "' (ferry --help lists the commands)");
        return 2;
    }

    /** A command line that cannot be run as given: exit code 2, the message without a stack trace. */
    static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }
}
