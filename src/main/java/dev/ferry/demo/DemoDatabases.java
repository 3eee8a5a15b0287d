package dev.ferry.demo;

import java.nio.file.Path;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.spi.Registry;

/** The demo's databases, made ready at start-up: its source, seeded, and the back office the demo ERP writes to. */
public final class DemoDatabases {

    /** The demo source's bean ({@code camel.beans.demoSource} in {@code config/application-demo.properties}). */
    public static final String SOURCE = "demoSource";

    private DemoDatabases() {
    }

    /** Seeds the demo source when it is empty and opens the back office (returned, open; the caller closes it). */
    public static HikariDataSource prepare(Registry registry, Path dataDir, int customers, int invoices) throws Exception {
        // the demo's own database: the demo never creates or changes tables in a source of the user's
        DataSource source = registry.lookupByNameAndType(SOURCE, DataSource.class);
        if (source == null) {
            throw new IllegalStateException("ferry.demo.enabled is true but there is no '" + SOURCE + "' data source"
                    + " (camel.beans." + SOURCE + " in config/application-demo.properties: run with --profile demo)");
        }
        DemoSource.prepare(source, customers, invoices);
        HikariConfig config = new HikariConfig();
        config.setPoolName("demo-back-office");
        config.setJdbcUrl("jdbc:h2:file:" + dataDir.resolve("demo/back-office") + ";DB_CLOSE_ON_EXIT=FALSE");
        config.setUsername("sa");
        config.setMaximumPoolSize(4);
        HikariDataSource backOffice = new HikariDataSource(config);
        try {
            DemoBackOffice.prepare(backOffice);
            new DemoPayments(backOffice, source).prepare();
        } catch (Exception | Error e) {
            backOffice.close();
            throw e;
        }
        return backOffice;
    }
}
