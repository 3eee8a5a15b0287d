package dev.ferry.state;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
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
        config.setJdbcUrl(url);
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
            int applied = flyway.migrate().migrationsExecuted;
            LOG.info("State database {} at schema version {} ({} migration(s) applied now)", redactUrl(url),
                    flyway.info().current().getVersion(), applied);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new StateDatabase(dataSource);
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
        int applied = flyway.migrate().migrationsExecuted;
        LOG.info("Quartz job store tables at version {} ({} migration(s) applied now)", flyway.info().current().getVersion(),
                applied);
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
