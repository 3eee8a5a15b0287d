package dev.ferry.connector;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.RunTracker;
import dev.ferry.schedule.ConnectorSchedules;

/**
 * The {@code ferry} component: the steps a connector's routes use for what Camel has no component for.
 *
 * <ul>
 *   <li>{@code ferry:gather} — runs the connector once: gathers changed and failed records into its
 *       sync queue and moves its watermark (see {@link GatherEndpoint} for the options);</li>
 *   <li>{@code ferry:delivered} — at the end of a deliver route: the record reached the target;</li>
 *   <li>{@code ferry:failed} — in the delivery error handler: the record finally failed; it goes to the
 *       failure ledger and the next run gathers it again.</li>
 * </ul>
 *
 * <p>The component's own options are the defaults of every {@code ferry:gather} step, set with
 * {@code camel.component.ferry.*} in {@code config/application.properties}.
 */
public final class FerryComponent extends DefaultComponent {

    private final Connectors connectors;
    private final ConnectorRunner runner;
    private final ConnectorSchedules schedules;
    private final SyncQueue queue;
    private final FailureLedger failures;
    private final RunTracker tracker;
    private final Clock clock;

    private int fetchSize = 1_000;
    private Duration settleLag = Duration.ofSeconds(5);
    private int transactionSize = 500;
    private int batchSize = 1;
    private int maxAttempts = 10;

    /**
     * The component without Ferry's services: its options can be set and read (ferry check reads the configuration
     * as a start would), but it makes no endpoint.
     */
    public FerryComponent() {
        this(null, null, null, null, null, null, null);
    }

    public FerryComponent(Connectors connectors, ConnectorRunner runner, ConnectorSchedules schedules, SyncQueue queue,
                          FailureLedger failures, RunTracker tracker, Clock clock) {
        this.connectors = connectors;
        this.runner = runner;
        this.schedules = schedules;
        this.queue = queue;
        this.failures = failures;
        this.tracker = tracker;
        this.clock = clock;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (connectors == null) {
            throw new IllegalStateException("ferry:" + remaining + " runs only in a started Ferry (bin/ferry run)");
        }
        return switch (remaining) {
            case "gather" -> {
                GatherEndpoint endpoint = new GatherEndpoint(uri, this);
                endpoint.setFetchSize(fetchSize);
                endpoint.setSettleLag(settleLag);
                endpoint.setTransactionSize(transactionSize);
                endpoint.setBatchSize(batchSize);
                endpoint.setMaxAttempts(maxAttempts);
                setProperties(endpoint, parameters);
                endpoint.define();
                yield endpoint;
            }
            case "delivered" -> new OutcomeEndpoint(uri, this, OutcomeEndpoint.Outcome.DELIVERED);
            case "failed" -> new OutcomeEndpoint(uri, this, OutcomeEndpoint.Outcome.FAILED);
            default -> throw new IllegalArgumentException("Unknown Ferry step 'ferry:" + remaining
                    + "'; use ferry:gather, ferry:delivered or ferry:failed");
        };
    }

    Connectors connectors() {
        return connectors;
    }

    ConnectorRunner runner() {
        return runner;
    }

    ConnectorSchedules schedules() {
        return schedules;
    }

    SyncQueue queue() {
        return queue;
    }

    FailureLedger failures() {
        return failures;
    }

    RunTracker tracker() {
        return tracker;
    }

    Clock clock() {
        return clock;
    }

    /** Default rows per round trip while streaming from the source (1000). */
    public void setFetchSize(int fetchSize) {
        this.fetchSize = fetchSize;
    }

    public int getFetchSize() {
        return fetchSize;
    }

    /** Default settle lag: rows newer than the source database's now minus this wait for the next run (5s). */
    public void setSettleLag(Duration settleLag) {
        this.settleLag = settleLag;
    }

    public Duration getSettleLag() {
        return settleLag;
    }

    /** Default number of records per sync-queue transaction (500). */
    public void setTransactionSize(int transactionSize) {
        this.transactionSize = transactionSize;
    }

    public int getTransactionSize() {
        return transactionSize;
    }

    /**
     * Default number of records per queued message (1). Above 1, a deliver route receives a JSON array
     * of up to this many records and can post it as one request.
     */
    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public int getBatchSize() {
        return batchSize;
    }

    /** Default number of runs in which a record may fail before it is parked (10). */
    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    public int getMaxAttempts() {
        return maxAttempts;
    }
}
