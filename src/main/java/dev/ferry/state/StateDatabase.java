package dev.ferry.state;

import java.util.Locale;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ferry's own database: watermarks, runs and the failure ledger. Its schema is created and upgraded by
 * the Flyway migrations under {@code db/state}, the same scripts on H2 and PostgreSQL.
 */
public final class StateDatabase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StateDatabase.class);

    private final HikariDataSource dataSource;

    private StateDatabase(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Opens the pool and migrates the schema to the latest version. */
    public static StateDatabase open(String url, String username, String password, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("ferry-state");
        config.setJdbcUrl(durable(url));
        config.setUsername(username);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        // A state database that is down must not hang a delivery thread for long: fail and retry later.
        config.setConnectionTimeout(5_000);
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            Flyway flyway = Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/state")
                    .table("ferry_schema_history")
                    .load();
            MigrateResult result = flyway.migrate();
            LOG.info("State database {} at schema version {} ({} migration(s) applied now)", redactUrl(url),
                    version(result), result.migrationsExecuted);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new StateDatabase(dataSource);
    }

    /**
     * An H2 file database writes committed transactions to its file up to half a second later (WRITE_DELAY):
     * a process killed meanwhile loses them — a run's watermark, or a failure the ledger must keep while its
     * record's message is already acknowledged. Ferry's state must survive a {@code kill -9}, so commits are
     * written at once (measured here: 0.25 ms a commit instead of 0.1 ms), unless the URL says otherwise.
     */
    static String durable(String url) {
        boolean embeddedFile = url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:mem:")
                && !url.startsWith("jdbc:h2:tcp:") && !url.startsWith("jdbc:h2:ssl:");
        if (embeddedFile) {
            return url.toUpperCase(Locale.ROOT).contains(";WRITE_DELAY=") ? url : url + ";WRITE_DELAY=0";
        }
        return url;
    }

    /**
     * Creates or migrates Quartz's job store tables (PostgreSQL only), for schedules shared by several
     * instances; their history is kept apart from the state schema's.
     */
    public void migrateQuartzJobStore() {
        Flyway flyway = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/quartz/postgresql")
                .table("ferry_quartz_schema_history")
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load();
        MigrateResult result = flyway.migrate();
        LOG.info("Quartz job store tables at version {} ({} migration(s) applied now)", version(result),
                result.migrationsExecuted);
    }

    /**
     * The schema version after a migration, from its result: {@code flyway.info()} would read the history and scan the
     * migrations once more (a third of a second at start-up).
     */
    private static String version(MigrateResult result) {
        return result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        dataSource.close();
    }

    /** JDBC URLs may carry a password as a parameter; never log it. */
    static String redactUrl(String url) {
        return url.replaceAll("(?i)(password=)[^;&]*", "$1***");
    }
}
