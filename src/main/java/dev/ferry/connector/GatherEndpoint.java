package dev.ferry.connector;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Route;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.support.DefaultProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.gather.Source;
import dev.ferry.gather.SourceCheck;
import dev.ferry.runs.Conflict;
import dev.ferry.runs.Trigger;
import dev.ferry.schedule.ConnectorSchedules;

/**
 * {@code ferry:gather} — one run of a connector per exchange. Options:
 *
 * <table>
 *   <caption>ferry:gather options</caption>
 *   <tr><th>option</th><th>meaning</th><th>default</th></tr>
 *   <tr><td>connector</td><td>connector id (lower case, digits, dashes); prefix of its route ids</td><td>required</td></tr>
 *   <tr><td>dataSource</td><td>the source database, e.g. {@code #source}</td><td>required</td></tr>
 *   <tr><td>table</td><td>table or view to read (or use {@code query})</td><td></td></tr>
 *   <tr><td>query</td><td>a SELECT returning the cursor and key columns (or use {@code table})</td><td></td></tr>
 *   <tr><td>cursorColumn</td><td>column that grows with every change, e.g. {@code updated_at}</td><td>required</td></tr>
 *   <tr><td>keyColumn</td><td>unique key column</td><td>required</td></tr>
 *   <tr><td>deleteColumn</td><td>soft-delete column: a row whose value is true (or set, for other
 *       types) is delivered as a delete ({@code FerryOperation = DELETE})</td><td>none</td></tr>
 *   <tr><td>startPosition</td><td>where the first run starts: {@code beginning}, {@code now} (only what
 *       changes from now on), or a cursor value such as {@code 2026-01-01T00:00:00}</td><td>{@code beginning}</td></tr>
 *   <tr><td>queue</td><td>sync queue</td><td>{@code ferry.<connector>}</td></tr>
 *   <tr><td>batchSize</td><td>records per queued message: above 1, the deliver route receives a JSON
 *       array of up to this many records (see {@link dev.ferry.queue.RecordHeaders}); records that
 *       failed before are retried one per message</td><td>component's (1)</td></tr>
 *   <tr><td>fetchSize, settleLag, transactionSize, maxAttempts</td><td>see {@link FerryComponent}</td><td>component's</td></tr>
 * </table>
 *
 * <p>The trigger of the run is the {@code FerryTrigger} header if set, else the Quartz job-data entry
 * that {@link ConnectorSchedules#fireNow} sets, else SCHEDULE. A fire starts a run only if
 * {@link ConnectorSchedules#admit} admits it and the connector's previous run is not still processing.
 * The producer sets {@code FerryRunId} on the exchange (absent when the run was not started because
 * the previous one is still processing).
 */
public final class GatherEndpoint extends DefaultEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(GatherEndpoint.class);

    /** Header (or Quartz job-data entry {@code ferryTrigger}) naming what started a run. */
    public static final String TRIGGER_HEADER = "FerryTrigger";

    private String connector;
    private DataSource dataSource;
    private String table;
    private String query;
    private String cursorColumn;
    private String keyColumn;
    private String queue;
    private String deleteColumn;
    private String startPosition;
    private int fetchSize;
    private Duration settleLag;
    private int transactionSize;
    private int batchSize;
    private int maxAttempts;
    private Connector definition;

    GatherEndpoint(String uri, FerryComponent component) {
        super(uri, component);
    }

    @Override
    public FerryComponent getComponent() {
        return (FerryComponent) super.getComponent();
    }

    /** Validates the options and registers the connector. */
    void define() {
        if (dataSource == null) {
            throw new IllegalArgumentException("ferry:gather needs dataSource (e.g. dataSource: \"#source\")");
        }
        Source source = new Source(dataSource, table, query, cursorColumn, keyColumn, fetchSize, settleLag, deleteColumn);
        definition = new Connector(connector, source, queue != null ? queue : Connector.defaultQueue(connector),
                transactionSize, batchSize, maxAttempts, startPosition);
        getComponent().connectors().register(definition);
    }

    public Connector definition() {
        return definition;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        getComponent().queue().declare(definition.queue());
        checkSource();
    }

    /**
     * Rejects the connector when its source cannot work (a missing or nullable cursor or key column);
     * the other connectors start regardless. An unreachable source is only logged: runs will say more.
     */
    private void checkSource() {
        String file = routeFile();
        List<SourceCheck.Finding> findings;
        try {
            findings = SourceCheck.check(definition.source());
        } catch (SQLException e) {
            LOG.warn("Connector {}: could not check its source at start-up ({}); its runs will fail until it answers",
                    definition.id(), e.getMessage());
            return;
        }
        List<String> fatal = new ArrayList<>();
        for (SourceCheck.Finding f : findings) {
            String line = file + ", ferry:gather " + f.option() + ": " + f.message();
            if (f.fatal()) {
                fatal.add(line);
            } else {
                LOG.warn("Connector {}: {}", definition.id(), line);
            }
        }
        if (!fatal.isEmpty()) {
            getComponent().connectors().reject(definition.id(), String.join("; ", fatal));
            LOG.error("Connector {} will not run:\n  {}", definition.id(), String.join("\n  ", fatal));
        }
    }

    /** The route file (and line) that defines this connector, for messages. */
    private String routeFile() {
        String id = definition.id() + "-gather";
        Route route = getCamelContext().getRoute(id);
        if (route != null && route.getSourceLocationShort() != null) {
            return route.getSourceLocationShort();
        }
        RouteDefinition model = ((ModelCamelContext) getCamelContext()).getRouteDefinition(id);
        if (model != null && model.getLocation() != null) {
            return model.getLocation() + (model.getLineNumber() > 0 ? ":" + model.getLineNumber() : "");
        }
        return "routes/" + definition.id() + ".camel.yaml";
    }

    @Override
    public Producer createProducer() {
        return new DefaultProducer(this) {
            @Override
            public void process(Exchange exchange) throws Exception {
                Trigger trigger = trigger(exchange);
                Optional<String> rejection = getComponent().connectors().rejection(definition.id());
                if (rejection.isPresent()) {
                    LOG.warn("Connector {}: a {} fire did not start a run: the connector was rejected at start-up: {}",
                            definition.id(), trigger, rejection.get());
                    return;
                }
                ConnectorSchedules schedules = getComponent().schedules();
                // Before admission counts the fire toward end-after-runs: a fire that cannot run does not count.
                Optional<String> busy = getComponent().runner().busy(definition);
                if (busy.isPresent()) {
                    schedules.overlapped(definition.id(), trigger, busy.get());
                    return;
                }
                ConnectorSchedules.Admission admission = schedules.admit(definition.id(), trigger);
                if (!admission.run()) {
                    LOG.info("Connector {}: a {} fire did not start a run: {}", definition.id(), trigger, admission.reason());
                    return;
                }
                try {
                    long runId = getComponent().runner()
                            .run(definition, trigger, () -> getCamelContext().isStopping() || !isRunAllowed());
                    exchange.getMessage().setHeader("FerryRunId", runId);
                } catch (Conflict refused) {
                    schedules.overlapped(definition.id(), trigger, refused.getMessage());
                }
            }
        };
    }

    private static Trigger trigger(Exchange exchange) {
        Object trigger = exchange.getMessage().getHeader(TRIGGER_HEADER);
        if (trigger == null && exchange.getMessage().getHeader("mergedJobDataMap") instanceof Map<?, ?> jobData) {
            trigger = jobData.get(ConnectorSchedules.TRIGGER_JOB_DATA);
        }
        return trigger == null ? Trigger.SCHEDULE : Trigger.valueOf(trigger.toString());
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("ferry:gather is a step (to:), not a consumer (from:)");
    }

    public void setConnector(String connector) {
        this.connector = connector;
    }

    public String getConnector() {
        return connector;
    }

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public DataSource getDataSource() {
        return dataSource;
    }

    public void setTable(String table) {
        this.table = table;
    }

    public String getTable() {
        return table;
    }

    public void setQuery(String query) {
        this.query = query;
    }

    public String getQuery() {
        return query;
    }

    public void setCursorColumn(String cursorColumn) {
        this.cursorColumn = cursorColumn;
    }

    public String getCursorColumn() {
        return cursorColumn;
    }

    public void setKeyColumn(String keyColumn) {
        this.keyColumn = keyColumn;
    }

    public String getKeyColumn() {
        return keyColumn;
    }

    public void setQueue(String queue) {
        this.queue = queue;
    }

    public String getQueue() {
        return queue;
    }

    public void setDeleteColumn(String deleteColumn) {
        this.deleteColumn = deleteColumn;
    }

    public String getDeleteColumn() {
        return deleteColumn;
    }

    public void setStartPosition(String startPosition) {
        this.startPosition = startPosition;
    }

    public String getStartPosition() {
        return startPosition;
    }

    public void setFetchSize(int fetchSize) {
        this.fetchSize = fetchSize;
    }

    public int getFetchSize() {
        return fetchSize;
    }

    public void setSettleLag(Duration settleLag) {
        this.settleLag = settleLag;
    }

    public Duration getSettleLag() {
        return settleLag;
    }

    public void setTransactionSize(int transactionSize) {
        this.transactionSize = transactionSize;
    }

    public int getTransactionSize() {
        return transactionSize;
    }

    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public int getBatchSize() {
        return batchSize;
    }

    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    public int getMaxAttempts() {
        return maxAttempts;
    }
}
