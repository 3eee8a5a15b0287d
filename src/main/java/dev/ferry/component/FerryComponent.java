package dev.ferry.component;

import java.time.Duration;
import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;

import dev.ferry.gather.Refresh;
import dev.ferry.gather.Source;

/**
 * The {@code ferry} component: the steps a connector's routes use for what Camel has no component for —
 * {@code ferry:gather} runs the connector once, {@code ferry:queue} delivers its sync queue, {@code ferry:delivered}
 * and {@code ferry:failed} record a queued record's outcome ({@link FerryEndpoint}).
 *
 * <p>Its options are the defaults of every {@code ferry:gather} step and {@code ferry:queue} consumer, set with
 * {@code camel.component.ferry.*}.
 * Made by Camel from its metadata (so tools and {@code ferry check} can read and set its options); a running Ferry
 * hands it its services ({@link #wire}), without which it makes no endpoint.
 */
@Component("ferry")
public final class FerryComponent extends DefaultComponent {

    @Metadata(label = "gather", defaultValue = "1000",
            description = "Default number of rows fetched per round trip while streaming from the source.")
    private int fetchSize = 1_000;
    @Metadata(label = "gather", defaultValue = "5s", javaType = "java.time.Duration",
            description = "Default settle lag: rows newer than the source database's clock minus this wait for the next"
                    + " run. On PostgreSQL, open transactions are waited for as well (waitForOpenTransactions); there"
                    + " the lag is a margin for rows stamped by a clock other than the database's.")
    private Duration settleLag = Duration.ofSeconds(5);
    @Metadata(label = "gather", defaultValue = "true",
            description = "Default of waitForOpenTransactions: on PostgreSQL, read no row stamped at or after the start"
                    + " of a transaction still open on the source database.")
    private boolean waitForOpenTransactions = true;
    @Metadata(label = "gather", defaultValue = "1h", javaType = "java.time.Duration",
            description = "Default of openTransactionLimit: a transaction open longer than this no longer holds the"
                    + " reads back.")
    private Duration openTransactionLimit = Source.DEFAULT_OPEN_TRANSACTION_LIMIT;
    @Metadata(label = "gather", defaultValue = "10",
            description = "Default of deleteLimit: the share of the registered keys, in percent, that one full refresh"
                    + " may deliver as deletes without an operator's confirmation.")
    private int deleteLimit = Refresh.DEFAULT_DELETE_LIMIT;
    @Metadata(label = "gather", defaultValue = "500",
            description = "Default number of records per sync-queue transaction (one journal sync each).")
    private int transactionSize = 500;
    @Metadata(label = "gather", defaultValue = "1",
            description = "Default number of records per queued message; above 1 a deliver route receives a JSON array.")
    private int batchSize = 1;
    @Metadata(label = "gather", defaultValue = "10",
            description = "Default number of runs in which a record may fail before it is parked.")
    private int maxAttempts = 10;
    @Metadata(label = "consumer", defaultValue = "4",
            description = "Default number of records of a connector delivered at the same time (ferry:queue).")
    private int concurrentConsumers = 4;
    @Metadata(label = "consumer", defaultValue = "100",
            description = "Default number of records a ferry:queue consumer acknowledges in one broker transaction.")
    private int acknowledgeBatch = 100;
    @Metadata(label = "consumer", defaultValue = "Idempotency-Key",
            description = "Default request header a ferry:queue consumer puts each record's idempotency key in; empty"
                    + " for none.")
    private String idempotencyKeyHeader = FerryEndpoint.IDEMPOTENCY_KEY_HEADER;
    @Metadata(label = "consumer", defaultValue = "application/json",
            description = "Default Content-Type a ferry:queue consumer gives each record; empty for none.")
    private String contentType = FerryEndpoint.JSON;

    private FerryServices services;

    public FerryComponent() {
    }

    /** What the steps work with; set once when Ferry is wired. */
    public void wire(FerryServices services) {
        this.services = services;
    }

    FerryServices services() {
        if (services == null) {
            throw new IllegalStateException("ferry: steps run only in a started Ferry (bin/ferry run)");
        }
        return services;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        FerryEndpoint.Step step = FerryEndpoint.Step.of(remaining);
        services();
        FerryEndpoint endpoint = new FerryEndpoint(uri, this, step);
        endpoint.setFetchSize(fetchSize);
        endpoint.setSettleLag(settleLag);
        endpoint.setWaitForOpenTransactions(waitForOpenTransactions);
        endpoint.setOpenTransactionLimit(openTransactionLimit);
        endpoint.setDeleteLimit(deleteLimit);
        endpoint.setTransactionSize(transactionSize);
        endpoint.setBatchSize(batchSize);
        endpoint.setMaxAttempts(maxAttempts);
        endpoint.setConcurrentConsumers(concurrentConsumers);
        endpoint.setAcknowledgeBatch(acknowledgeBatch);
        endpoint.setIdempotencyKeyHeader(idempotencyKeyHeader);
        endpoint.setContentType(contentType);
        setProperties(endpoint, parameters);
        endpoint.define();
        return endpoint;
    }

    public int getFetchSize() {
        return fetchSize;
    }

    public void setFetchSize(int fetchSize) {
        this.fetchSize = fetchSize;
    }

    public Duration getSettleLag() {
        return settleLag;
    }

    public void setSettleLag(Duration settleLag) {
        this.settleLag = settleLag;
    }

    public boolean isWaitForOpenTransactions() {
        return waitForOpenTransactions;
    }

    public void setWaitForOpenTransactions(boolean waitForOpenTransactions) {
        this.waitForOpenTransactions = waitForOpenTransactions;
    }

    public Duration getOpenTransactionLimit() {
        return openTransactionLimit;
    }

    public void setOpenTransactionLimit(Duration openTransactionLimit) {
        this.openTransactionLimit = openTransactionLimit;
    }

    public int getDeleteLimit() {
        return deleteLimit;
    }

    public void setDeleteLimit(int deleteLimit) {
        this.deleteLimit = deleteLimit;
    }

    public int getTransactionSize() {
        return transactionSize;
    }

    public void setTransactionSize(int transactionSize) {
        this.transactionSize = transactionSize;
    }

    public int getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public int getMaxAttempts() {
        return maxAttempts;
    }

    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    public int getConcurrentConsumers() {
        return concurrentConsumers;
    }

    public void setConcurrentConsumers(int concurrentConsumers) {
        this.concurrentConsumers = concurrentConsumers;
    }

    public int getAcknowledgeBatch() {
        return acknowledgeBatch;
    }

    public void setAcknowledgeBatch(int acknowledgeBatch) {
        this.acknowledgeBatch = acknowledgeBatch;
    }

    public String getIdempotencyKeyHeader() {
        return idempotencyKeyHeader;
    }

    public void setIdempotencyKeyHeader(String idempotencyKeyHeader) {
        this.idempotencyKeyHeader = idempotencyKeyHeader;
    }

    public String getContentType() {
        return contentType;
    }

    public void setContentType(String contentType) {
        this.contentType = contentType;
    }
}
