package dev.ferry.demo;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

/**
 * The demo back office ("ERP") that the demo connectors deliver to. Its HTTP side is the route file
 * {@code dev/ferry/demo/demo-erp.camel.yaml}; this is its storage: one row per business record, the
 * last payload received, how often it arrived, how many of those were duplicates (same
 * Idempotency-Key as the stored version), and whether it was deleted.
 */
public final class DemoBackOffice {

    private DemoBackOffice() {
    }

    public static void prepare(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS erp_record ("
                    + " kind VARCHAR(20) NOT NULL, record_number VARCHAR(40) NOT NULL,"
                    + " payload VARCHAR(8000) NOT NULL, idempotency_key VARCHAR(64),"
                    + " received_count INTEGER NOT NULL, duplicate_count INTEGER NOT NULL,"
                    + " first_received_at TIMESTAMP WITH TIME ZONE NOT NULL,"
                    + " last_received_at TIMESTAMP WITH TIME ZONE NOT NULL,"
                    + " PRIMARY KEY (kind, record_number))");
            s.execute("ALTER TABLE erp_record ADD COLUMN IF NOT EXISTS deleted BOOLEAN DEFAULT FALSE NOT NULL");
        }
    }
}
