package dev.ferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.RunningFerry;

/**
 * The README's quick start on the default profile: the demo connectors deliver the demo source into
 * the demo ERP that Ferry serves, and a changed demo row is carried alone by the next run.
 */
class DemoQuickStartTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path data;

    private RunningFerry ferry;
    private String base;

    @BeforeEach
    void start() {
        Map<String, String> properties = RunningFerry.testProperties(data);
        // The README's "change a row, watch the next run" without waiting out the settle window.
        properties.put("camel.component.ferry.settle-lag", "0s");
        ferry = RunningFerry.start(properties);
        base = "http://127.0.0.1:" + properties.get("camel.server.port");
    }

    @AfterEach
    void stop() {
        ferry.close();
    }

    @Test
    void theDemoConnectorsFillTheDemoErpAndCarryAChangedRow() throws Exception {
        assertThat(ferry.runAndAwait("customers-to-erp").status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(ferry.runAndAwait("invoices-to-erp").status()).isEqualTo(RunStatus.COMPLETED);

        JsonNode summary = get("/demo/erp");
        assertThat(summary).hasSize(2);
        assertThat(summary.get(0).get("kind").asText()).isEqualTo("customers");
        assertThat(summary.get(0).get("records").asLong()).isEqualTo(ferry.sourceCount("customers"));
        assertThat(summary.get(1).get("kind").asText()).isEqualTo("invoices");
        assertThat(summary.get(1).get("records").asLong()).isEqualTo(ferry.sourceCount("invoices"));
        assertThat(summary.get(1).get("duplicates").asLong()).isZero();

        HttpResponse<String> patched = http.send(HttpRequest.newBuilder(URI.create(base + "/demo/source/customers/42"))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"email\": \"ada@new.example\"}"))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(patched.statusCode()).isEqualTo(200);

        Run next = ferry.runAndAwait("customers-to-erp");

        assertThat(next.gathered()).isEqualTo(1);
        assertThat(next.delivered()).isEqualTo(1);
        JsonNode record = get("/demo/erp/customers/C-000042");
        assertThat(record.get("receivedCount").asInt()).isEqualTo(2);
        assertThat(record.at("/payload/contact/email").asText()).isEqualTo("ada@new.example");

        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(base + "/demo/erp/customers/C-999999"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
    }

    @Test
    void theOtherDirectionReadsTheErpsPaymentsApiIntoBillingAndTheirInvoicesGoBackToTheErpAsPaid() throws Exception {
        assertThat(ferry.runAndAwait("invoices-to-erp").status()).isEqualTo(RunStatus.COMPLETED);
        JsonNode seeded = get("/demo/erp-api/payments?per_page=500");
        int payments = seeded.get("data").size();
        assertThat(payments).isPositive();

        Run run = ferry.runAndAwait("payments-to-billing");
        assertThat(run.status()).as(run.error()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.gathered()).isEqualTo(payments);
        assertThat(run.delivered()).isEqualTo(payments);
        JsonNode received = get("/demo/billing/payments");
        assertThat(received).hasSize(Math.min(50, payments));
        assertThat(received.get(0).get("duplicateCount").asInt()).isZero();
        String invoice = seeded.get("data").get(0).get("invoiceNumber").asText();
        assertThat(ferry.sourceCount("invoices WHERE status = 'PAID' AND invoice_number = '" + invoice + "'")).isEqualTo(1);

        // the ERP books a new payment: the next run carries it alone, the overlap's payments dropped as read before
        HttpResponse<String> booked = http.send(HttpRequest.newBuilder(URI.create(base + "/demo/erp-api/payments"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"invoiceNumber\": \"" + invoice + "\", \"amount\": 10.50}"))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(booked.statusCode()).as(booked.body()).isEqualTo(201);
        Run next = ferry.runAndAwait("payments-to-billing");
        assertThat(next.gathered()).isEqualTo(1);
        assertThat(get("/demo/billing/payments").get(0).get("amount").decimalValue()).isEqualByComparingTo("10.50");

        // billing marked the paid invoices: invoices-to-erp carries exactly those back to the ERP
        Run paid = ferry.runAndAwait("invoices-to-erp");
        assertThat(paid.gathered()).isEqualTo(payments);
        assertThat(get("/demo/erp/invoices/" + invoice).at("/payload/status").asText()).isEqualTo("PAID");
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
