package dev.ferry.component;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.Route;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.connector.Connector;
import dev.ferry.gather.ApiClient;
import dev.ferry.gather.ApiSource;
import dev.ferry.gather.RecordSource;
import dev.ferry.gather.Refresh;
import dev.ferry.gather.Source;
import dev.ferry.gather.SourceCheck;
import dev.ferry.gather.UnreachableSources;
import dev.ferry.queue.RecordHeaders;
import dev.ferry.schedule.ScheduleParser;

/**
 * Ferry's connector steps: gather runs a connector once, queue delivers its sync queue into its deliver route,
 * delivered and failed record what became of a queued record.
 *
 * <p>{@code ferry:gather} runs the connector once per exchange: gathers the rows changed since its watermark and
 * those whose delivery failed into its sync queue, and moves the watermark ({@link GatherProducer}).
 * {@code ferry:delivered}, the last step of a deliver route, counts the record as delivered
 * ({@link DeliveredProducer}); {@code ferry:failed}, in the delivery error handling, records it in the failure
 * ledger ({@link FailedProducer}). {@code from: ferry:queue} consumes the connector's sync queue ({@link QueueConsumer}).
 * Delivered and failed take no option.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "ferry", title = "Ferry", syntax = "ferry:step",
        remote = false, category = {Category.DATABASE, Category.SCHEDULING}, headersClass = RecordHeaders.class)
public final class FerryEndpoint extends DefaultEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(FerryEndpoint.class);
    static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
    static final String JSON = "application/json";

    /** What a step does. */
    public enum Step {
        GATHER, QUEUE, DELIVERED, FAILED;

        static Step of(String name) {
            for (Step step : values()) {
                if (step.name().toLowerCase(Locale.ROOT).equals(name)) {
                    return step;
                }
            }
            throw new IllegalArgumentException("Unknown Ferry step 'ferry:" + name
                    + "'; use ferry:gather, ferry:queue, ferry:delivered or ferry:failed");
        }
    }

    @UriPath(enums = "gather,queue,delivered,failed", description = "gather: run the connector once (a gather route's"
            + " step); queue: the connector's sync queue (a deliver route's from); delivered: the record reached the"
            + " target (a deliver route's last step); failed: the record finally failed (the delivery error handling)")
    @Metadata(required = true)
    private final Step step;

    @UriParam(label = "common", description = "Required for gather and queue: the connector's id, lower-case letters,"
            + " digits and dashes; the prefix of its route ids and the name of its file")
    private String connector;
    @UriParam(label = "gather", description = "Required for gather: the source database, a DataSource bean such as"
            + " #source")
    private DataSource dataSource;
    @UriParam(label = "gather", description = "The table or view to read (or query)")
    private String table;
    @UriParam(label = "gather", description = "A SELECT that returns the cursor and key columns (or table)")
    private String query;
    @UriParam(label = "gather", description = "Required for gather: a column that grows with every change, a timestamp,"
            + " a date or a number")
    private String cursorColumn;
    @UriParam(label = "gather", description = "Required for gather: the unique key column, a number, text or a UUID")
    private String keyColumn;
    @UriParam(label = "gather", description = "A soft-delete column: a row where it is true (or set, for other types)"
            + " is delivered as a delete (FerryOperation = DELETE)")
    private String deleteColumn;
    @UriParam(label = "gather", defaultValue = "beginning", description = "Where the connector's very first run starts:"
            + " beginning, now (only later changes), or a cursor value such as 2026-01-01T00:00:00")
    private String startPosition;
    @UriParam(label = "gather", description = "The sync queue, ferry.CONNECTOR unless set; it must start with ferry.")
    private String queue;
    @UriParam(label = "gather", defaultValue = "1000", description = "Rows fetched per round trip while streaming")
    private int fetchSize;
    @UriParam(label = "gather", defaultValue = "5s", javaType = "java.time.Duration", description = "Rows newer than"
            + " the source database's clock minus this wait for the next run")
    private Duration settleLag;
    @UriParam(label = "gather", defaultValue = "true", description = "On PostgreSQL: read no row stamped at or after"
            + " the start of a transaction still open on the source database, so that a row that commits late is"
            + " gathered by the first run after its commit, whatever the settle lag. Off, and on other databases, the"
            + " settle lag alone holds")
    private boolean waitForOpenTransactions;
    @UriParam(label = "gather", defaultValue = "1h", javaType = "java.time.Duration", description = "A transaction"
            + " open longer than this (an idle-in-transaction session) no longer holds the reads back: Ferry warns,"
            + " naming it, and reads up to the settle lag; rows it stamped and commits later are then missed")
    private Duration openTransactionLimit;
    @UriParam(label = "gather", defaultValue = "incremental", enums = "incremental,full", description = "What a"
            + " scheduled run reads: incremental, the rows changed after the watermark (and the failed ones); full, every"
            + " row, delivering only those new or changed since they were last queued (by the key registry's content"
            + " hashes) and registered keys gone from the source as deletes. An operator can start either")
    private String refresh;
    @UriParam(label = "gather", defaultValue = "false", description = "Keep the key registry (each queued key with a"
            + " hash of its content) on incremental runs too, so that a full refresh started by an operator compares"
            + " with it; always kept when refresh is full")
    private boolean keyRegistry;
    @UriParam(label = "gather", defaultValue = "10", description = "The share of the registered keys, in percent,"
            + " that one full refresh may deliver as deletes; above it the run fails and deletes nothing (an empty"
            + " source is an outage more often than a mass deletion) unless an operator confirms the number")
    private int deleteLimit;
    @UriParam(label = "api", description = "Instead of dataSource: the URL of an HTTP API's list of records (http"
            + " or https, with any query parameters it always needs), such as https://erp.example.com/api/customers")
    private String api;
    @UriParam(label = "api", description = "API: the query parameter that asks for changes since the watermark,"
            + " with ${cursor} where its value goes: updated_since=${cursor}, or a filter expression such as"
            + " filter=updatedAt ge '${cursor}'. Unset: every run reads everything")
    private String changedSince;
    @UriParam(label = "api", defaultValue = "$[*]", description = "API: the JSON path of the records in a page,"
            + " such as $.data[*]")
    private String recordsPath;
    @UriParam(label = "api", description = "Required for an API: the field of a record whose value grows with every"
            + " change (an ISO-8601 time or a number); a dot path for a nested field")
    private String cursorField;
    @UriParam(label = "api", description = "Required for an API: the field of a record that identifies it (a number"
            + " or text)")
    private String keyField;
    @UriParam(label = "api", description = "API: a field that marks a deleted record (true, or any value but false"
            + " and null): delivered as a delete")
    private String deleteField;
    @UriParam(label = "api", enums = "none,page,offset,token,next", defaultValue = "none", description = "API: how"
            + " pages follow each other: none (one answer), page (a page number), offset (a record offset), token (a"
            + " next-page token at nextPath), next (the Link header's rel=next URL, or the URL at nextPath)")
    private String paging;
    @UriParam(label = "api", description = "API: the query parameter of the page number (page), the offset (offset)"
            + " or the token (token); page, offset and page_token unless set")
    private String pageParam;
    @UriParam(label = "api", description = "API: the query parameter of the page size, such as per_page or limit"
            + " (unset: none sent, and only an empty page ends page and offset paging)")
    private String pageSizeParam;
    @UriParam(label = "api", defaultValue = "100", description = "API: records per page asked for with"
            + " pageSizeParam; a shorter page is the last")
    private int pageSize = 100;
    @UriParam(label = "api", defaultValue = "1", description = "API: the number of the first page (page paging)")
    private int firstPage = 1;
    @UriParam(label = "api", description = "API: the JSON path of the next page's token (token paging, required) or"
            + " URL (next paging; unset: the Link header)")
    private String nextPath;
    @UriParam(label = "api", javaType = "java.time.Duration", defaultValue = "0s", description = "API: each"
            + " incremental run asks for changes since the watermark minus this, for APIs whose clocks and ordering"
            + " are loose; records read again unchanged are dropped by the key registry")
    private Duration overlap = Duration.ofSeconds(0);
    @UriParam(label = "api", defaultValue = "0", description = "API: requests per second at most (0: no limit); a"
            + " 429 or 503 answer is waited out as its Retry-After asks")
    private double requestsPerSecond = 0;
    @UriParam(label = "api", javaType = "java.time.Duration", defaultValue = "30s", description = "API: how long a"
            + " page may take to answer; a page that takes longer fails the run, which moves nothing")
    private Duration apiTimeout = Duration.ofSeconds(30);
    @UriParam(label = "api", defaultValue = "5", description = "API: how often a page answered 429 or 503 is asked"
            + " again (after its Retry-After, else 1, 2, 4 ... s) before the run fails")
    private int apiRetries = 5;
    @UriParam(label = "api", javaType = "java.time.Duration", defaultValue = "5m", description = "API: the longest"
            + " Retry-After Ferry waits for; an API that asks for more fails the run")
    private Duration apiMaxRetryAfter = Duration.ofMinutes(5);
    @UriParam(label = "api,security", description = "API: the user of Basic authentication (sent with the first"
            + " request), for example {{env:ERP_API_USER}}")
    private String authUsername;
    @UriParam(label = "api,security", secret = true, description = "API: the password of Basic authentication, for"
            + " example {{env:ERP_API_PASSWORD}}")
    private String authPassword;
    @UriParam(label = "api,security", secret = true, description = "API: a token sent as Authorization: Bearer, for"
            + " example {{env:ERP_API_TOKEN}}")
    private String bearerToken;
    @UriParam(label = "api,security", description = "API: OAuth2 client credentials, through camel-http: the client"
            + " id")
    private String oauth2ClientId;
    @UriParam(label = "api,security", secret = true, description = "API: OAuth2 client credentials: the client"
            + " secret, for example {{env:ERP_CLIENT_SECRET}}")
    private String oauth2ClientSecret;
    @UriParam(label = "api,security", description = "API: OAuth2 client credentials: the token endpoint's URL")
    private String oauth2TokenEndpoint;
    @UriParam(label = "api,security", description = "API: OAuth2 client credentials: the scope asked for, if the"
            + " API wants one")
    private String oauth2Scope;
    @UriParam(label = "gather", defaultValue = "500", description = "Records per sync-queue transaction")
    private int transactionSize;
    @UriParam(label = "gather", defaultValue = "1", description = "Records per queued message, and per exchange of the"
            + " deliver route: above 1, it receives a JSON array of up to this many records (failed records are retried"
            + " one by one); at 1, ferry:queue's connectors queue up to 100 records a message and deliver each alone")
    private int batchSize;
    @UriParam(label = "gather", defaultValue = "10", description = "Runs in which a record may fail before it is"
            + " parked (kept, shown, not retried)")
    private int maxAttempts;
    @UriParam(label = "consumer", defaultValue = "4", description = "Records of the connector delivered at the same"
            + " time (records of one key always one after the other); threads come from the shared delivery pool"
            + " (ferry.delivery.threads) only while records are there")
    private int concurrentConsumers;
    @UriParam(label = "consumer", defaultValue = "100", description = "Records acknowledged to the broker in one"
            + " transaction at most (a batch counts as one): one journal write for many records; after a crash at most"
            + " this many per consumer, and those of the pack in hand, are delivered again, under the same idempotency"
            + " keys")
    private int acknowledgeBatch;
    @UriParam(label = "consumer", defaultValue = IDEMPOTENCY_KEY_HEADER, description = "The request header that carries"
            + " each record's idempotency key (FerryIdempotencyKey) to the target; empty for none")
    private String idempotencyKeyHeader;
    @UriParam(label = "consumer", defaultValue = JSON, description = "Each record's Content-Type header (the record is"
            + " JSON; a route that turns it into something else sets its own); empty for none")
    private String contentType;

    private Connector definition;

    FerryEndpoint(String uri, FerryComponent component, Step step) {
        super(uri, component);
        this.step = step;
    }

    @Override
    public FerryComponent getComponent() {
        return (FerryComponent) super.getComponent();
    }

    FerryServices services() {
        return getComponent().services();
    }

    /** A gather step: validates its options and registers the connector. */
    void define() {
        if (step != Step.GATHER) {
            return;
        }
        if ((dataSource == null) == (api == null)) {
            throw new IllegalArgumentException("ferry:gather needs one source: dataSource (a database, e.g. dataSource:"
                    + " \"#source\") or api (an HTTP API's URL)" + (api != null ? ", not both" : ""));
        }
        RecordSource source = api != null ? apiSource() : new Source(dataSource, table, query, cursorColumn, keyColumn,
                fetchSize, settleLag, deleteColumn, waitForOpenTransactions, openTransactionLimit);
        // an API source drops what it reads again (the overlap, repeated pages) by the key registry
        boolean registry = keyRegistry || hasFullRefreshSchedule() || api != null;
        definition = new Connector(connector, source, queue != null ? queue : Connector.defaultQueue(connector),
                transactionSize, batchSize, maxAttempts, startPosition,
                new Refresh(refreshKind(refresh), registry, deleteLimit));
        services().connectors().register(definition);
    }

    private ApiSource apiSource() {
        if (table != null || query != null || cursorColumn != null || keyColumn != null) {
            throw new IllegalArgumentException("ferry:gather with api reads fields, not columns: use cursorField and"
                    + " keyField (table, query, cursorColumn and keyColumn are for a dataSource)");
        }
        ApiClient.Settings settings = new ApiClient.Settings(api, apiTimeout, requestsPerSecond, apiRetries,
                apiMaxRetryAfter, blankToNull(authUsername), blankToNull(authPassword), blankToNull(bearerToken),
                blankToNull(oauth2ClientId), blankToNull(oauth2ClientSecret), blankToNull(oauth2TokenEndpoint),
                blankToNull(oauth2Scope));
        ApiClient client = new ApiClient(getCamelContext(), connector, settings, Clock.systemUTC());
        ApiSource.Paging pages = new ApiSource.Paging(ApiSource.Paging.style(paging), blankToNull(pageParam),
                blankToNull(pageSizeParam), pageSize, firstPage, blankToNull(nextPath));
        return new ApiSource(client, blankToNull(changedSince), pages, recordsPath, cursorField, keyField,
                blankToNull(deleteField), overlap);
    }

    /** An option set to an empty text (an environment variable that is not set, say) counts as not set. */
    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /** Whether {@code <connector>.full-refresh.*} keys are set: the connector keeps a key registry for them. */
    private boolean hasFullRefreshSchedule() {
        String prefix = connector + "." + ScheduleParser.FULL_REFRESH + ".";
        return !getCamelContext().getPropertiesComponent().loadProperties(key -> key.startsWith(prefix)).isEmpty();
    }

    private static Refresh.Kind refreshKind(String refresh) {
        if (refresh == null || refresh.isBlank()) {
            return Refresh.Kind.INCREMENTAL;
        }
        try {
            return Refresh.Kind.valueOf(refresh.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("refresh must be incremental or full, was '" + refresh + "'", e);
        }
    }

    /** The connector a gather step defines (null for the other steps). */
    public Connector definition() {
        return definition;
    }

    public Step step() {
        return step;
    }

    /** Whether a route of {@code camel} delivers the connector's sync queue with {@code from: ferry:queue}. */
    public static boolean deliveredByFerryQueue(CamelContext camel, String connector) {
        for (Route route : camel.getRoutes()) {
            if (route.getEndpoint() instanceof FerryEndpoint endpoint && endpoint.step == Step.QUEUE
                    && connector.equals(endpoint.connector)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        if (step == Step.GATHER) {
            services().queue().declare(definition.queue());
            if (definition.source() instanceof ApiSource apiSource) {
                apiSource.client().open();
            } else {
                checkSource();
            }
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (definition != null && definition.source() instanceof ApiSource apiSource) {
            apiSource.client().close();
        }
        super.doStop();
    }

    @Override
    public Producer createProducer() {
        return switch (step) {
            case GATHER -> new GatherProducer(this);
            case DELIVERED -> new DeliveredProducer(this);
            case FAILED -> new FailedProducer(this);
            case QUEUE -> throw new UnsupportedOperationException("ferry:queue is a deliver route's from, not a step (to:)");
        };
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        if (step != Step.QUEUE) {
            throw new UnsupportedOperationException("ferry:" + step.name().toLowerCase(Locale.ROOT)
                    + " is a step (to:), not a consumer (from:)");
        }
        if (connector == null || connector.isBlank()) {
            throw new IllegalArgumentException("ferry:queue needs connector (the connector whose sync queue it delivers)");
        }
        if (concurrentConsumers < 1 || acknowledgeBatch < 1) {
            throw new IllegalArgumentException("ferry:queue: concurrentConsumers and acknowledgeBatch must be at least 1");
        }
        // the queue the connector's ferry:gather fills (its file defines the gather route first)
        String queue = services().connectors().find(connector).map(Connector::queue)
                .orElse(Connector.defaultQueue(connector));
        QueueConsumer consumer = new QueueConsumer(this, processor, queue, services().deliverySessions());
        configureConsumer(consumer);
        return consumer;
    }

    /**
     * Rejects the connector when its source cannot work (a missing or nullable cursor or key column);
     * the other connectors start regardless. An unreachable source is only logged: runs will say more.
     */
    private void checkSource() {
        Source source = (Source) definition.source();
        DataSource dataSource = source.dataSource();
        UnreachableSources unreachable = services().unreachableSources();
        UnreachableSources.Failure recent = unreachable.recent(dataSource);
        if (recent != null) {
            LOG.warn("Connector {}: its source was not checked at start-up: it did not answer for connector {} a moment"
                    + " ago ({}); its runs will fail until it answers", definition.id(), recent.connector(), recent.reason());
            return;
        }
        List<SourceCheck.Finding> findings;
        try {
            findings = SourceCheck.check(source, definition.refresh().scheduled() == Refresh.Kind.INCREMENTAL);
            unreachable.answered(dataSource);
        } catch (SQLException e) {
            unreachable.failed(dataSource, definition.id(), e.getMessage());
            LOG.warn("Connector {}: could not check its source at start-up ({}); its runs will fail until it answers",
                    definition.id(), e.getMessage());
            return;
        }
        if (findings.isEmpty()) {
            return;
        }
        // looked up only for a message: finding a route by id goes through all of them
        String file = routeFile();
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
            services().connectors().reject(definition.id(), String.join("; ", fatal));
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

    public String getApi() {
        return api;
    }

    public void setApi(String api) {
        this.api = api;
    }

    public String getChangedSince() {
        return changedSince;
    }

    public void setChangedSince(String changedSince) {
        this.changedSince = changedSince;
    }

    public String getRecordsPath() {
        return recordsPath;
    }

    public void setRecordsPath(String recordsPath) {
        this.recordsPath = recordsPath;
    }

    public String getCursorField() {
        return cursorField;
    }

    public void setCursorField(String cursorField) {
        this.cursorField = cursorField;
    }

    public String getKeyField() {
        return keyField;
    }

    public void setKeyField(String keyField) {
        this.keyField = keyField;
    }

    public String getDeleteField() {
        return deleteField;
    }

    public void setDeleteField(String deleteField) {
        this.deleteField = deleteField;
    }

    public String getPaging() {
        return paging;
    }

    public void setPaging(String paging) {
        this.paging = paging;
    }

    public String getPageParam() {
        return pageParam;
    }

    public void setPageParam(String pageParam) {
        this.pageParam = pageParam;
    }

    public String getPageSizeParam() {
        return pageSizeParam;
    }

    public void setPageSizeParam(String pageSizeParam) {
        this.pageSizeParam = pageSizeParam;
    }

    public int getPageSize() {
        return pageSize;
    }

    public void setPageSize(int pageSize) {
        this.pageSize = pageSize;
    }

    public int getFirstPage() {
        return firstPage;
    }

    public void setFirstPage(int firstPage) {
        this.firstPage = firstPage;
    }

    public String getNextPath() {
        return nextPath;
    }

    public void setNextPath(String nextPath) {
        this.nextPath = nextPath;
    }

    public Duration getOverlap() {
        return overlap;
    }

    public void setOverlap(Duration overlap) {
        this.overlap = overlap;
    }

    public double getRequestsPerSecond() {
        return requestsPerSecond;
    }

    public void setRequestsPerSecond(double requestsPerSecond) {
        this.requestsPerSecond = requestsPerSecond;
    }

    public Duration getApiTimeout() {
        return apiTimeout;
    }

    public void setApiTimeout(Duration apiTimeout) {
        this.apiTimeout = apiTimeout;
    }

    public int getApiRetries() {
        return apiRetries;
    }

    public void setApiRetries(int apiRetries) {
        this.apiRetries = apiRetries;
    }

    public Duration getApiMaxRetryAfter() {
        return apiMaxRetryAfter;
    }

    public void setApiMaxRetryAfter(Duration apiMaxRetryAfter) {
        this.apiMaxRetryAfter = apiMaxRetryAfter;
    }

    public String getAuthUsername() {
        return authUsername;
    }

    public void setAuthUsername(String authUsername) {
        this.authUsername = authUsername;
    }

    public String getAuthPassword() {
        return authPassword;
    }

    public void setAuthPassword(String authPassword) {
        this.authPassword = authPassword;
    }

    public String getBearerToken() {
        return bearerToken;
    }

    public void setBearerToken(String bearerToken) {
        this.bearerToken = bearerToken;
    }

    public String getOauth2ClientId() {
        return oauth2ClientId;
    }

    public void setOauth2ClientId(String oauth2ClientId) {
        this.oauth2ClientId = oauth2ClientId;
    }

    public String getOauth2ClientSecret() {
        return oauth2ClientSecret;
    }

    public void setOauth2ClientSecret(String oauth2ClientSecret) {
        this.oauth2ClientSecret = oauth2ClientSecret;
    }

    public String getOauth2TokenEndpoint() {
        return oauth2TokenEndpoint;
    }

    public void setOauth2TokenEndpoint(String oauth2TokenEndpoint) {
        this.oauth2TokenEndpoint = oauth2TokenEndpoint;
    }

    public String getOauth2Scope() {
        return oauth2Scope;
    }

    public void setOauth2Scope(String oauth2Scope) {
        this.oauth2Scope = oauth2Scope;
    }

    public String getConnector() {
        return connector;
    }

    public void setConnector(String connector) {
        this.connector = connector;
    }

    public DataSource getDataSource() {
        return dataSource;
    }

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public String getTable() {
        return table;
    }

    public void setTable(String table) {
        this.table = table;
    }

    public String getQuery() {
        return query;
    }

    public void setQuery(String query) {
        this.query = query;
    }

    public String getCursorColumn() {
        return cursorColumn;
    }

    public void setCursorColumn(String cursorColumn) {
        this.cursorColumn = cursorColumn;
    }

    public String getKeyColumn() {
        return keyColumn;
    }

    public void setKeyColumn(String keyColumn) {
        this.keyColumn = keyColumn;
    }

    public String getDeleteColumn() {
        return deleteColumn;
    }

    public void setDeleteColumn(String deleteColumn) {
        this.deleteColumn = deleteColumn;
    }

    public String getRefresh() {
        return refresh;
    }

    public void setRefresh(String refresh) {
        this.refresh = refresh;
    }

    public boolean isKeyRegistry() {
        return keyRegistry;
    }

    public void setKeyRegistry(boolean keyRegistry) {
        this.keyRegistry = keyRegistry;
    }

    public int getDeleteLimit() {
        return deleteLimit;
    }

    public void setDeleteLimit(int deleteLimit) {
        this.deleteLimit = deleteLimit;
    }

    public String getStartPosition() {
        return startPosition;
    }

    public void setStartPosition(String startPosition) {
        this.startPosition = startPosition;
    }

    public String getQueue() {
        return queue;
    }

    public void setQueue(String queue) {
        this.queue = queue;
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
