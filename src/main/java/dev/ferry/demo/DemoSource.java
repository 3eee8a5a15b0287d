package dev.ferry.demo;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Random;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo source: a billing system's customers and invoices, created and seeded once when the
 * database is empty. Deterministic (fixed random seed), and realistic where it matters to a sync:
 * a legacy import and monthly billing runs give many rows the very same {@code updated_at}, so the
 * compound cursor is exercised from the first run.
 *
 * <p>Timestamps are relative to the database's own clock ({@code LOCALTIMESTAMP}), the clock
 * Ferry's settle window uses, and at least an hour old, so the first run carries all of them.
 */
public final class DemoSource {

    private static final Logger LOG = LoggerFactory.getLogger(DemoSource.class);

    private static final String[] COMPANY = {"Northwind", "Blue Harbor", "Keystone", "Alder", "Brightline",
        "Cobalt", "Driftwood", "Evergreen", "Foxglove", "Granite", "Helix", "Ironbridge", "Juniper", "Kestrel",
        "Lighthouse", "Meridian", "Nimbus", "Oakridge", "Pinecrest", "Quarry", "Redwood", "Silverline",
        "Tidewater", "Upland", "Vantage", "Willow", "Yellowstone", "Zephyr"};
    private static final String[] TRADE = {"Logistics", "Software", "Foods", "Energy", "Retail", "Telecom",
        "Health", "Media", "Textiles", "Engineering", "Consulting", "Freight"};
    private static final String[] FORM = {"GmbH", "Ltd", "Inc", "SARL", "BV", "AB", "S.p.A.", "LLC"};
    private static final String[] FIRST = {"Ada", "Ben", "Chloe", "Diego", "Elif", "Farid", "Greta", "Hiro",
        "Ines", "Jonas", "Kavya", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tara",
        "Uma", "Victor", "Wen", "Yusuf", "Zoë"};
    private static final String[] LAST = {"Andersson", "Becker", "Costa", "Dubois", "Eriksen", "Fischer",
        "García", "Hansen", "Ivanova", "Jansen", "Kowalski", "Lambert", "Moreau", "Novak", "O'Brien", "Petrov",
        "Quinn", "Rossi", "Schmidt", "Tanaka", "Ueda", "Varga", "Weber", "Yilmaz", "Zimmermann"};
    /** Country, currency, VAT rate. */
    private static final String[][] COUNTRY = {{"DE", "EUR", "0.19"}, {"FR", "EUR", "0.20"}, {"NL", "EUR", "0.21"},
        {"GB", "GBP", "0.20"}, {"SE", "SEK", "0.25"}, {"CH", "CHF", "0.081"}, {"US", "USD", "0.00"},
        {"IT", "EUR", "0.22"}, {"ES", "EUR", "0.21"}};

    private DemoSource() {
    }

    /** Creates the tables if missing and seeds them if empty. */
    public static void prepare(DataSource dataSource, int customers, int invoices) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS customers ("
                    + " id BIGINT PRIMARY KEY, company_name VARCHAR(200) NOT NULL, contact_name VARCHAR(200) NOT NULL,"
                    + " email VARCHAR(200) NOT NULL, country_code CHAR(2) NOT NULL, status VARCHAR(16) NOT NULL,"
                    + " credit_limit DECIMAL(12, 2) NOT NULL, created_at TIMESTAMP(6) NOT NULL,"
                    + " updated_at TIMESTAMP(6) NOT NULL, deleted_at TIMESTAMP(6))");
            // Demo databases created before soft deletes existed get the column too.
            s.execute("ALTER TABLE customers ADD COLUMN IF NOT EXISTS deleted_at TIMESTAMP(6)");
            s.execute("CREATE INDEX IF NOT EXISTS customers_updated ON customers (updated_at, id)");
            s.execute("CREATE TABLE IF NOT EXISTS invoices ("
                    + " id BIGINT PRIMARY KEY, invoice_number VARCHAR(32) NOT NULL UNIQUE,"
                    + " customer_id BIGINT NOT NULL REFERENCES customers (id), currency CHAR(3) NOT NULL,"
                    + " net_amount DECIMAL(14, 2) NOT NULL, tax_amount DECIMAL(14, 2) NOT NULL,"
                    + " status VARCHAR(16) NOT NULL, issued_on DATE NOT NULL, due_on DATE NOT NULL,"
                    + " created_at TIMESTAMP(6) NOT NULL, updated_at TIMESTAMP(6) NOT NULL)");
            s.execute("CREATE INDEX IF NOT EXISTS invoices_updated ON invoices (updated_at, id)");
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM customers")) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    return;
                }
            }
            LocalDateTime now;
            try (ResultSet rs = s.executeQuery("SELECT LOCALTIMESTAMP")) {
                rs.next();
                now = rs.getObject(1, LocalDateTime.class);
            }
            c.setAutoCommit(false);
            Random random = new Random(20261121L);
            seedCustomers(c, random, customers, now);
            seedInvoices(c, random, customers, invoices, now);
            c.commit();
            LOG.info("Demo source seeded with {} customers and {} invoices", customers, invoices);
        }
    }

    private static void seedCustomers(Connection c, Random random, int count, LocalDateTime now) throws SQLException {
        LocalDateTime settled = now.minusHours(1).truncatedTo(ChronoUnit.SECONDS);
        // The first eighth came from a legacy CRM in one import: one timestamp for all of them.
        LocalDateTime imported = settled.minusDays(400).withHour(3).withMinute(0).withSecond(0);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO customers (id, company_name, contact_name, email,"
                + " country_code, status, credit_limit, created_at, updated_at, deleted_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int id = 1; id <= count; id++) {
                String first = pick(random, FIRST);
                String last = pick(random, LAST);
                String brand = pick(random, COMPANY);
                String trade = pick(random, TRADE);
                String[] country = pick(random, COUNTRY);
                LocalDateTime created;
                LocalDateTime updated;
                if (id <= count / 8) {
                    created = imported;
                    updated = imported;
                } else {
                    created = settled.minusSeconds((long) (random.nextDouble() * 365 * 86_400));
                    long span = ChronoUnit.SECONDS.between(created, settled);
                    updated = random.nextInt(3) == 0 ? created : created.plusSeconds((long) (random.nextDouble() * span));
                }
                int roll = random.nextInt(100);
                ps.setLong(1, id);
                ps.setString(2, brand + " " + trade + " " + pick(random, FORM));
                ps.setString(3, first + " " + last);
                ps.setString(4, (ascii(first) + "." + ascii(last) + "@" + ascii(brand) + "-" + ascii(trade)
                        + "." + country[0]).toLowerCase(Locale.ROOT));
                ps.setString(5, country[0]);
                ps.setString(6, roll < 85 ? "ACTIVE" : roll < 95 ? "SUSPENDED" : "CLOSED");
                ps.setBigDecimal(7, BigDecimal.valueOf(1_000 + 500L * random.nextInt(99)).setScale(2));
                ps.setObject(8, created);
                ps.setObject(9, updated);
                // Some closed accounts were deleted from the billing system (soft delete).
                ps.setObject(10, roll >= 98 ? updated : null);
                ps.addBatch();
                if (id % 1_000 == 0) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
    }

    private static void seedInvoices(Connection c, Random random, int customers, int count, LocalDateTime now)
            throws SQLException {
        LocalDate today = now.minusHours(1).toLocalDate();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO invoices (id, invoice_number, customer_id, currency,"
                + " net_amount, tax_amount, status, issued_on, due_on, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement country = c.prepareStatement("SELECT country_code FROM customers WHERE id = ?")) {
            for (int id = 1; id <= count; id++) {
                long customer = 1 + random.nextInt(customers);
                String[] market = market(country, customer);
                // Monthly billing runs on the 1st at 02:00: every invoice of a run has the same timestamp.
                int monthsAgo = 1 + random.nextInt(12);
                LocalDate issued = today.minusMonths(monthsAgo).withDayOfMonth(1);
                LocalDateTime created = issued.atTime(2, 0);
                LocalDate due = issued.plusDays(30);
                String status;
                LocalDateTime updated = created;
                int roll = random.nextInt(100);
                if (roll < 2) {
                    status = "VOID";
                    updated = created.plusHours(2 + random.nextInt(240));
                } else if (monthsAgo > 1 && roll < 88) {
                    status = "PAID";
                    updated = created.plusDays(3 + random.nextInt(40)).plusSeconds(random.nextInt(86_400));
                } else if (due.isBefore(today)) {
                    status = "OVERDUE";
                    updated = due.plusDays(1).atTime(4, 0);
                } else {
                    status = "ISSUED";
                }
                if (updated.isAfter(now.minusHours(1))) {
                    updated = now.minusHours(1).truncatedTo(ChronoUnit.SECONDS);
                }
                BigDecimal net = BigDecimal.valueOf(2_000 + random.nextInt(498_000), 2);
                ps.setLong(1, id);
                ps.setString(2, String.format(Locale.ROOT, "INV-%d-%06d", issued.getYear(), id));
                ps.setLong(3, customer);
                ps.setString(4, market[1]);
                ps.setBigDecimal(5, net);
                ps.setBigDecimal(6, net.multiply(new BigDecimal(market[2])).setScale(2, RoundingMode.HALF_EVEN));
                ps.setString(7, status);
                ps.setObject(8, issued);
                ps.setObject(9, due);
                ps.setObject(10, created);
                ps.setObject(11, updated);
                ps.addBatch();
                if (id % 1_000 == 0) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
    }

    private static String[] market(PreparedStatement country, long customer) throws SQLException {
        country.setLong(1, customer);
        try (ResultSet rs = country.executeQuery()) {
            rs.next();
            String code = rs.getString(1);
            for (String[] market : COUNTRY) {
                if (market[0].equals(code)) {
                    return market;
                }
            }
            return COUNTRY[0];
        }
    }

    private static <T> T pick(Random random, T[] values) {
        return values[random.nextInt(values.length)];
    }

    private static String ascii(String name) {
        return java.text.Normalizer.normalize(name, java.text.Normalizer.Form.NFD)
                .replaceAll("[^A-Za-z]", "");
    }
}
