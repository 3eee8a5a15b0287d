package dev.ferry.demo;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's other direction: payments the ERP's accounts receivable registers, read by the connector
 * {@code payments-to-billing} from the ERP's API, and the billing system's endpoint that receives them.
 *
 * <ul>
 *   <li>{@code GET /demo/erp/api/payments?updated_since=…&page=…&per_page=…}: the ERP's payments changed since a
 *       time (inclusive), oldest first, {@code {"data": [...]}};</li>
 *   <li>{@code POST /demo/erp/api/payments} {@code {"invoiceNumber": …, "amount": …}}: the ERP registers a payment;</li>
 *   <li>{@code POST /demo/billing/payments}: billing receives a payment and marks its invoice PAID — which
 *       {@code invoices-to-erp} then carries to the ERP;</li>
 *   <li>{@code GET /demo/billing/payments}: the 50 payments billing received last.</li>
 * </ul>
 * Bound as {@code demoPayments}; the routes are in {@code dev/ferry/demo/demo-erp.camel.yaml}.
 */
public final class DemoPayments {

    private static final Logger LOG = LoggerFactory.getLogger(DemoPayments.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_PAGE_SIZE = 500;

    private final DataSource erp;
    private final DataSource billing;

    public DemoPayments(DataSource erp, DataSource billing) {
        this.erp = erp;
        this.billing = billing;
    }

    /**
     * Creates the tables if missing. The first time, the ERP's bank reconciliation has found payments for every
     * third overdue invoice of billing, stamped an hour ago: the first run of {@code payments-to-billing} carries them.
     */
    public void prepare() throws SQLException {
        try (Connection c = erp.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS erp_payment (payment_number VARCHAR(20) PRIMARY KEY,"
                    + " invoice_number VARCHAR(32) NOT NULL, amount DECIMAL(14, 2) NOT NULL, currency CHAR(3) NOT NULL,"
                    + " paid_on DATE NOT NULL, updated_at TIMESTAMP(3) WITH TIME ZONE NOT NULL)");
            s.execute("CREATE INDEX IF NOT EXISTS erp_payment_updated ON erp_payment (updated_at, payment_number)");
        }
        try (Connection c = billing.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS payments (payment_number VARCHAR(20) PRIMARY KEY,"
                    + " invoice_number VARCHAR(32) NOT NULL, amount DECIMAL(14, 2) NOT NULL, currency CHAR(3) NOT NULL,"
                    + " paid_on DATE NOT NULL, idempotency_key VARCHAR(64), received_count INTEGER NOT NULL,"
                    + " duplicate_count INTEGER NOT NULL, received_at TIMESTAMP WITH TIME ZONE NOT NULL)");
        }
        if (count() > 0) {
            return;
        }
        List<Object[]> overdue = new ArrayList<>();
        try (Connection c = billing.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT invoice_number, net_amount + tax_amount, currency, due_on FROM invoices"
                     + " WHERE status = 'OVERDUE' ORDER BY id")) {
            int i = 0;
            while (rs.next()) {
                if (i++ % 3 == 0) {
                    overdue.add(new Object[] {rs.getString(1), rs.getBigDecimal(2), rs.getString(3),
                            rs.getObject(4, LocalDate.class)});
                }
            }
        }
        OffsetDateTime stamped = OffsetDateTime.now(ZoneOffset.UTC).minusHours(1).truncatedTo(ChronoUnit.SECONDS);
        try (Connection c = erp.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO erp_payment"
                + " (payment_number, invoice_number, amount, currency, paid_on, updated_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            int n = 0;
            for (Object[] invoice : overdue) {
                n++;
                ps.setString(1, paymentNumber(n));
                ps.setString(2, (String) invoice[0]);
                ps.setBigDecimal(3, (BigDecimal) invoice[1]);
                ps.setString(4, (String) invoice[2]);
                ps.setObject(5, ((LocalDate) invoice[3]).plusDays(3 + n % 20));
                // a bank statement's payments are booked together: a few share a time
                ps.setObject(6, stamped.minusMinutes(overdue.size() - n - n % 4));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        LOG.info("Demo ERP seeded with {} payments for overdue billing invoices", overdue.size());
    }

    private long count() throws SQLException {
        try (Connection c = erp.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM erp_payment")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String paymentNumber(long n) {
        return String.format(Locale.ROOT, "P-%06d", n);
    }

    /** {@code GET /demo/erp/api/payments}: a page of the payments changed since {@code updated_since}. */
    public void erpPage(Exchange exchange) throws Exception {
        String since = exchange.getMessage().getHeader("updated_since", String.class);
        int page = Math.max(1, exchange.getMessage().getHeader("page", 1, Integer.class));
        int size = Math.min(MAX_PAGE_SIZE, Math.max(1, exchange.getMessage().getHeader("per_page", 100, Integer.class)));
        OffsetDateTime from;
        try {
            from = since == null || since.isBlank() ? null : OffsetDateTime.parse(since.strip());
        } catch (RuntimeException e) {
            answer(exchange, 400, Map.of("error", "updated_since must be an ISO-8601 time with an offset, was '"
                    + since + "'"));
            return;
        }
        List<Map<String, Object>> data = new ArrayList<>();
        try (Connection c = erp.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT payment_number,"
                + " invoice_number, amount, currency, paid_on, updated_at FROM erp_payment"
                + (from == null ? "" : " WHERE updated_at >= ?") + " ORDER BY updated_at, payment_number"
                + " OFFSET ? ROWS FETCH NEXT ? ROWS ONLY")) {
            int p = 1;
            if (from != null) {
                ps.setObject(p++, from);
            }
            ps.setLong(p++, (long) (page - 1) * size);
            ps.setInt(p, size);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> payment = new LinkedHashMap<>();
                    payment.put("paymentNumber", rs.getString(1));
                    payment.put("invoiceNumber", rs.getString(2));
                    payment.put("amount", rs.getBigDecimal(3));
                    payment.put("currency", rs.getString(4));
                    payment.put("paidOn", rs.getObject(5, LocalDate.class).toString());
                    payment.put("updatedAt", rs.getObject(6, OffsetDateTime.class).withOffsetSameInstant(ZoneOffset.UTC)
                            .toString());
                    data.add(payment);
                }
            }
        }
        answer(exchange, 200, Map.of("data", data, "page", page, "perPage", size));
    }

    /** {@code POST /demo/erp/api/payments}: the ERP registers a payment of an invoice, stamped now. */
    public void erpRegister(Exchange exchange) throws Exception {
        JsonNode body = JSON.readTree(exchange.getMessage().getBody(String.class));
        String invoice = body.path("invoiceNumber").asText("");
        if (invoice.isBlank() || !body.path("amount").isNumber()) {
            answer(exchange, 400, Map.of("error", "expected {\"invoiceNumber\": \"INV-…\", \"amount\": 123.45}"));
            return;
        }
        String number;
        try (Connection c = erp.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM erp_payment")) {
                rs.next();
                number = paymentNumber(rs.getLong(1) + 1);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO erp_payment (payment_number, invoice_number,"
                    + " amount, currency, paid_on, updated_at) VALUES (?, ?, ?, ?, CURRENT_DATE, CURRENT_TIMESTAMP)")) {
                ps.setString(1, number);
                ps.setString(2, invoice);
                ps.setBigDecimal(3, body.path("amount").decimalValue());
                ps.setString(4, body.path("currency").asText("EUR"));
                ps.executeUpdate();
            }
            c.commit();
        }
        answer(exchange, 201, Map.of("paymentNumber", number, "invoiceNumber", invoice));
    }

    /** {@code POST /demo/billing/payments}: billing stores a payment and marks its invoice PAID. */
    public void billingReceive(Exchange exchange) throws Exception {
        JsonNode body = JSON.readTree(exchange.getMessage().getBody(String.class));
        String number = body.path("paymentNumber").asText("");
        String invoice = body.path("invoiceNumber").asText("");
        if (number.isBlank() || invoice.isBlank() || !body.path("amount").isNumber()) {
            answer(exchange, 400, Map.of("error", "expected a payment with paymentNumber, invoiceNumber and amount"));
            return;
        }
        String key = exchange.getMessage().getHeader("Idempotency-Key", String.class);
        try (Connection c = billing.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("MERGE INTO payments t USING (SELECT CAST(? AS VARCHAR(20))"
                    + " AS payment_number, CAST(? AS VARCHAR(32)) AS invoice_number, CAST(? AS DECIMAL(14, 2)) AS amount,"
                    + " CAST(? AS CHAR(3)) AS currency, CAST(? AS DATE) AS paid_on, CAST(? AS VARCHAR(64))"
                    + " AS idempotency_key) s ON (t.payment_number = s.payment_number)"
                    + " WHEN MATCHED THEN UPDATE SET duplicate_count = t.duplicate_count"
                    + " + CASE WHEN t.idempotency_key = s.idempotency_key THEN 1 ELSE 0 END,"
                    + " received_count = t.received_count + 1, invoice_number = s.invoice_number, amount = s.amount,"
                    + " currency = s.currency, paid_on = s.paid_on, idempotency_key = s.idempotency_key,"
                    + " received_at = CURRENT_TIMESTAMP"
                    + " WHEN NOT MATCHED THEN INSERT (payment_number, invoice_number, amount, currency, paid_on,"
                    + " idempotency_key, received_count, duplicate_count, received_at) VALUES (s.payment_number,"
                    + " s.invoice_number, s.amount, s.currency, s.paid_on, s.idempotency_key, 1, 0, CURRENT_TIMESTAMP)")) {
                ps.setString(1, number);
                ps.setString(2, invoice);
                ps.setBigDecimal(3, body.path("amount").decimalValue());
                ps.setString(4, body.path("currency").asText("EUR"));
                ps.setObject(5, LocalDate.parse(body.path("paidOn").asText(LocalDate.now(ZoneOffset.UTC).toString())));
                ps.setString(6, key);
                ps.executeUpdate();
            }
            // billing's own change: the next invoices-to-erp run tells the ERP the invoice is paid
            try (PreparedStatement ps = c.prepareStatement("UPDATE invoices SET status = 'PAID', updated_at ="
                    + " LOCALTIMESTAMP WHERE invoice_number = ? AND status <> 'PAID'")) {
                ps.setString(1, invoice);
                ps.executeUpdate();
            }
            c.commit();
        }
        answer(exchange, 200, Map.of("stored", "payments/" + number));
    }

    /** {@code GET /demo/billing/payments}: the 50 payments billing received last. */
    public void billingList(Exchange exchange) throws Exception {
        List<Map<String, Object>> received = new ArrayList<>();
        try (Connection c = billing.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT payment_number, invoice_number, amount, currency, received_count,"
                     + " duplicate_count, received_at FROM payments"
                     + " ORDER BY received_at DESC, payment_number DESC FETCH FIRST 50 ROWS ONLY")) {
            while (rs.next()) {
                Map<String, Object> payment = new LinkedHashMap<>();
                payment.put("paymentNumber", rs.getString(1));
                payment.put("invoiceNumber", rs.getString(2));
                payment.put("amount", rs.getBigDecimal(3));
                payment.put("currency", rs.getString(4));
                payment.put("receivedCount", rs.getInt(5));
                payment.put("duplicateCount", rs.getInt(6));
                payment.put("receivedAt", rs.getObject(7, OffsetDateTime.class).toString());
                received.add(payment);
            }
        }
        answer(exchange, 200, received);
    }

    private static void answer(Exchange exchange, int status, Object body) throws Exception {
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(JSON.writeValueAsString(body));
    }
}
