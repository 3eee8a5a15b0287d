package dev.ferry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.messaginghub.pooled.jms.JmsPoolConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.cluster.Heartbeat;
import dev.ferry.cluster.InstanceName;
import dev.ferry.cluster.Instances;
import dev.ferry.cluster.RunRecovery;
import dev.ferry.component.FerryComponent;
import dev.ferry.component.FerryEndpoint;
import dev.ferry.component.FerryServices;
import dev.ferry.component.PackProgress;
import dev.ferry.connector.Connector;
import dev.ferry.connector.ConnectorLock;
import dev.ferry.connector.ConnectorReloader;
import dev.ferry.connector.ConnectorRunner;
import dev.ferry.connector.Connectors;
import dev.ferry.connector.FaultHooks;
import dev.ferry.connector.Positions;
import dev.ferry.connector.Previews;
import dev.ferry.delivery.InsecureTls;
import dev.ferry.delivery.RetryAfter;
import dev.ferry.delivery.TargetHeaderFilterStrategy;
import dev.ferry.demo.DemoDatabases;
import dev.ferry.demo.DemoPayments;
import dev.ferry.gather.Gatherer;
import dev.ferry.gather.OpenTransactions;
import dev.ferry.gather.UnreachableSources;
import dev.ferry.ops.FerryHealth;
import dev.ferry.ops.FerryInfo;
import dev.ferry.ops.AlertThresholds;
import dev.ferry.ops.FerryMetrics;
import dev.ferry.ops.Housekeeping;
import dev.ferry.ops.Operations;
import dev.ferry.ops.OperationsSurface;
import dev.ferry.ops.StepMBeans;
import dev.ferry.queue.BrokerWatch;
import dev.ferry.queue.DeliverySessions;
import dev.ferry.queue.QueueDepths;
import dev.ferry.queue.EmbeddedBroker;
import dev.ferry.queue.ForeignMessages;
import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.KeyRegistry;
import dev.ferry.runs.RunLedger;
import dev.ferry.runs.RunTracker;
import dev.ferry.schedule.ClusteredScheduler;
import dev.ferry.schedule.ConnectorSchedules;
import dev.ferry.schedule.ConnectorStates;
import dev.ferry.schedule.ScheduleHooks;
import dev.ferry.schedule.ScheduleOverrides;
import dev.ferry.schedule.StateFollower;
import dev.ferry.security.Access;
import dev.ferry.state.StateDatabase;
import dev.ferry.watermark.WatermarkLag;
import dev.ferry.watermark.WatermarkStore;

/**
 * Wires Ferry into Camel: the state database, the broker and its pooled connection factory, the
 * ledgers, and the {@code ferry} component. Runs once, before the routes are created.
 *
 * <p>Registry names that routes and config refer to: {@code ferry} (component),
 * {@code ferryConnectionFactory} (JMS), {@code ferryTargetHeaders} (HTTP header filter), {@code ferryRetryAfter},
 * {@code clock}, and in the default profile {@code demoBackOffice}.
 */
public final class FerryConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(FerryConfiguration.class);

    /** Registry name of this instance's {@link InstanceName}. */
    public static final String INSTANCE_NAME = "ferryInstanceName";

    /** Registry name of the {@link ConnectorReloader}, which loads (and with hot reload on, reloads) connector files. */
    public static final String CONNECTOR_FILES = "ferryReloader";

    static final String DEMO_ROUTES = "classpath:dev/ferry/demo/demo-erp.camel.yaml";
    /** The error handling every deliver route opts into ({@code routeConfigurationId: ferry-delivery}). */
    public static final String DELIVERY_ERRORS = "classpath:dev/ferry/delivery/delivery-errors.camel.yaml";
    /** How old the queue depths that the connector list, JMX and metrics show may be (one broker question each). */
    private static final Duration QUEUE_DEPTHS_MAX_AGE = Duration.ofSeconds(1);
    /** How often an instance of a cluster reads which queued packs another one gave back half-delivered. */
    private static final Duration PACK_PROGRESS_REFRESH = Duration.ofSeconds(5);

    /** Services started here, stopped again if configuration fails half-way. */
    private final Deque<Service> started = new ArrayDeque<>();
    /** Start-up steps running beside the wiring; what they made is undone if configuration fails before taking it. */
    private final List<SideBySide<?>> sideSteps = new ArrayList<>();

    @Override
    public void configure(CamelContext camel) throws Exception {
        try {
            wire(camel);
        } catch (Exception | Error e) {
            sideSteps.forEach(SideBySide::discardUnlessTaken);
            while (!started.isEmpty()) {
                ServiceHelper.stopService(started.pop());
            }
            throw e;
        }
    }

    private void wire(CamelContext camel) throws Exception {
        StepMBeans.install(camel);
        Registry registry = camel.getRegistry();
        Settings settings = new Settings(camel.getPropertiesComponent());
        Path dataDir = Path.of(settings.string(Settings.DATA_DIR));
        String stateUrl = settings.string(Settings.STATE_URL);
        int statePool = settings.positiveInt(Settings.STATE_POOL_SIZE);
        boolean embeddedBroker = settings.bool(Settings.BROKER_EMBEDDED);
        String brokerUrl = settings.string(Settings.BROKER_URL);
        long brokerMemory = settings.bytes(Settings.BROKER_MAX_MEMORY);
        long maxRecordBytes = settings.bytes(Settings.GATHER_MAX_RECORD_SIZE);
        int brokerConnections = settings.positiveInt(Settings.BROKER_MAX_CONNECTIONS);
        int deliveryThreads = settings.positiveInt(Settings.DELIVERY_THREADS);
        long flushMillis = settings.duration(Settings.RUNS_FLUSH_INTERVAL).toMillis();
        boolean demo = settings.bool(Settings.DEMO_ENABLED);
        int demoCustomers = settings.positiveInt(Settings.DEMO_CUSTOMERS);
        int demoInvoices = settings.positiveInt(Settings.DEMO_INVOICES);
        ZoneId scheduleZone = settings.zone(Settings.SCHEDULE_TIME_ZONE);
        Duration housekeepingAge = settings.duration(Settings.HOUSEKEEPING_MAX_AGE);
        int degradedAfter = settings.positiveInt(Settings.HEALTH_FAILED_RUNS);
        Duration metricsRefresh = settings.duration(Settings.METRICS_REFRESH_INTERVAL);
        Optional<Duration> alertLag = settings.optionalDuration(Settings.ALERTS_WATERMARK_LAG);
        boolean reload = settings.bool(Settings.RELOAD_ENABLED);
        boolean clustered = settings.bool(Settings.SCHEDULE_CLUSTERED);
        Duration heartbeatInterval = settings.duration(Settings.CLUSTER_HEARTBEAT_INTERVAL);
        Duration lease = settings.duration(Settings.CLUSTER_LEASE);
        if (clustered && !stateUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(settings.where(Settings.SCHEDULE_CLUSTERED.key()) + ": "
                    + Settings.SCHEDULE_CLUSTERED.key() + " = true needs PostgreSQL as the state database (ferry.state.url"
                    + " is " + stateUrl.substring(0, Math.min(stateUrl.length(), 16)) + "...)");
        }
        Duration reloadQuiet = settings.duration(Settings.RELOAD_QUIET_PERIOD);
        int startBeforeReady = settings.nonNegativeInt(Settings.CONNECTORS_START_BEFORE_READY);
        settings.validate();
        InstanceName instance = InstanceName.of(camel.getPropertiesComponent());
        registry.bind(INSTANCE_NAME, instance);

        Clock clock = registry.lookupByNameAndType("clock", Clock.class);
        if (clock == null) {
            clock = Clock.systemUTC();
            registry.bind("clock", Clock.class, clock);
        }
        // read once, here: the HTTP servers and Jolokia share its users and its login throttle
        Access access = Access.of(camel);

        // Data sources declared in configuration (camel.beans.*) have no destroy method: close them
        // when Camel stops, after the routes that read them.
        for (Map.Entry<String, DataSource> declared : registry.findByTypeWithName(DataSource.class).entrySet()) {
            if (declared.getValue() instanceof AutoCloseable closeable) {
                manage(camel, closing("data source " + declared.getKey(), closeable));
            }
        }

        // Started here, in this order, and stopped by Camel in reverse order after the routes. The embedded broker
        // and the demo's databases start side by side with the state database: none of them needs another. Their
        // data directory is made first: of two H2 databases creating it at once, one fails.
        Files.createDirectories(dataDir);
        SideBySide<EmbeddedBroker> brokerStart = !embeddedBroker ? null : sideBySide("broker", () -> {
            EmbeddedBroker broker = new EmbeddedBroker(dataDir.resolve("broker"), brokerUrl, brokerMemory);
            broker.start();
            return broker;
        }, EmbeddedBroker::stop);
        SideBySide<HikariDataSource> demoStart = !demo ? null : sideBySide("demo",
                () -> DemoDatabases.prepare(registry, dataDir, demoCustomers, demoInvoices), HikariDataSource::close);
        StateDatabase state = StateDatabase.open(stateUrl, settings.string(Settings.STATE_USERNAME),
                settings.string(Settings.STATE_PASSWORD), statePool);
        manage(camel, closing("state database", state::close));
        if (brokerStart != null) {
            manage(camel, brokerStart.take());
        }
        HikariDataSource demoBackOffice = null;
        if (demoStart != null) {
            demoBackOffice = demoStart.take();
            manage(camel, closing("demo back office", demoBackOffice::close));
        }
        if (clustered) {
            state.migrateQuartzJobStore();
            ClusteredScheduler.configure(camel, instance, stateUrl, settings.string(Settings.STATE_USERNAME),
                    settings.string(Settings.STATE_PASSWORD));
        }
        ActiveMQConnectionFactory artemis = new ActiveMQConnectionFactory(brokerUrl,
                blankToNull(settings.string(Settings.BROKER_USERNAME)), blankToNull(settings.string(Settings.BROKER_PASSWORD)));
        // Ferry queues text only: no class may be deserialized from a message, whoever put it on a sync queue
        artemis.setDeserializationDenyList("*");
        ((ModelCamelContext) camel).addModelLifecycleStrategy(ForeignMessages.onDeliverRoutes());
        JmsPoolConnectionFactory connectionFactory = new JmsPoolConnectionFactory();
        connectionFactory.setConnectionFactory(artemis);
        connectionFactory.setMaxConnections(brokerConnections);
        manage(camel, closing("JMS connection pool", () -> {
            connectionFactory.stop();
            artemis.close();
        }));
        registry.bind("ferryConnectionFactory", connectionFactory);
        // every connector's ferry:queue consumers share its sessions' connections and its bounded pool of threads
        DeliverySessions deliverySessions = new DeliverySessions(camel, brokerUrl,
                blankToNull(settings.string(Settings.BROKER_USERNAME)), blankToNull(settings.string(Settings.BROKER_PASSWORD)),
                deliveryThreads);
        manage(camel, deliverySessions);
        registry.bind("ferryTargetHeaders", new TargetHeaderFilterStrategy());
        // TLS to targets is verified unless a target URL names these, which Ferry then warns about
        registry.bind(InsecureTls.TRUST_ANY_CERTIFICATE, InsecureTls.trustAnyCertificate());
        registry.bind(InsecureTls.ANY_HOSTNAME, InsecureTls.anyHostname());
        camel.getCamelContextExtension().registerEndpointCallback(InsecureTls.warnOnCreation());
        registry.bind("ferryRetryAfter", new RetryAfter(clock, () -> {
            RedeliveryPolicy retries = registry.lookupByNameAndType("ferryDeliveryRetries", RedeliveryPolicy.class);
            return retries == null ? new RedeliveryPolicy().getMaximumRedeliveryDelay() : retries.getMaximumRedeliveryDelay();
        }));

        DataSource stateSource = state.dataSource();
        RunLedger runs = new RunLedger(stateSource, clock, instance.name());
        FailureLedger failures = new FailureLedger(stateSource, clock);
        WatermarkStore watermarks = new WatermarkStore(stateSource, clock);
        SyncQueue queue = new SyncQueue(connectionFactory);
        manage(camel, closing("sync queue management", queue::close));
        QueueDepths depths = new QueueDepths(queue, clock, QUEUE_DEPTHS_MAX_AGE);
        Connectors connectors = new Connectors();
        RunTracker tracker = new RunTracker(runs, clock,
                camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "ferry-run-tracker"), flushMillis);
        ConnectorLock runLock = ConnectorLock.of(stateUrl, stateSource);
        camel.addService(tracker);

        FaultHooks faults = registry.lookupByNameAndType(FaultHooks.BEAN, FaultHooks.class);
        OpenTransactions openTransactions = new OpenTransactions(stateSource);
        KeyRegistry keyRegistry = new KeyRegistry(stateSource);
        Gatherer gatherer = new Gatherer(failures, maxRecordBytes, openTransactions, keyRegistry);
        ConnectorRunner runner = new ConnectorRunner(runs, failures, watermarks, keyRegistry, gatherer,
                queue, tracker, faults != null ? faults : FaultHooks.NONE, runLock);
        runner.packRecordsOf(connector -> FerryEndpoint.deliveredByFerryQueue(camel, connector));
        ConnectorSchedules schedules = new ConnectorSchedules(camel, new ConnectorStates(stateSource, clock),
                new ScheduleOverrides(stateSource, clock), clock,
                () -> scheduleZone);
        runner.fullRefreshSchedule(schedules::fullRefreshDue);
        // Quartz starts once the connector files are loaded (ConnectorReloader.loadConnectors): triggers are put in
        // place before anything fires, as when Camel creates routes itself — in a cluster, a trigger replaced while
        // the scheduler runs could fire a slot another instance is already running
        camel.getComponent("quartz", QuartzComponent.class).setAutoStartScheduler(false);
        ScheduleHooks.install(camel, schedules, connectors);
        Instances instances = new Instances(stateSource);
        // after the tracker: stopped before it, writing its counts and the clean stop
        camel.addService(new Heartbeat(instances, instance, FerryInfo.version(), tracker,
                camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "ferry-heartbeat"),
                heartbeatInterval));
        RunRecovery recovery = new RunRecovery(runs, tracker, runLock, runner.claims()::holds,
                connector -> queue.depth(connectors.find(connector).map(Connector::queue).orElse(Connector.defaultQueue(connector))),
                instances, clock, lease,
                camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "ferry-run-recovery"),
                heartbeatInterval);
        recovery.recoverAtStartUp();
        camel.addService(recovery);
        if (runLock != ConnectorLock.LOCAL) {
            camel.addService(new StateFollower(schedules, () -> connectors.all().stream().map(Connector::id).toList(),
                    camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "ferry-state-follower")));
        }
        FerryComponent ferry = camel.getComponent("ferry", FerryComponent.class);
        // in a cluster another instance may give a pack back: learn of it before it comes here
        PackProgress packProgress = runLock == ConnectorLock.LOCAL ? new PackProgress(stateSource, clock, null, null)
                : new PackProgress(stateSource, clock, PACK_PROGRESS_REFRESH,
                        camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "ferry-pack-progress"));
        camel.addService(packProgress);
        ferry.wire(new FerryServices(connectors, runner, schedules, queue, failures, tracker, clock,
                deliverySessions, new UnreachableSources(clock), packProgress));
        registry.bind("ferryPackProgress", packProgress);
        registry.bind("ferryConnectors", connectors);
        registry.bind("ferryRuns", runs);
        registry.bind("ferryFailures", failures);
        registry.bind("ferryWatermarks", watermarks);
        registry.bind("ferryKeyRegistry", keyRegistry);
        registry.bind("ferryRunTracker", tracker);
        registry.bind("ferryRunner", runner);
        registry.bind("ferrySyncQueue", queue);
        registry.bind("ferrySchedules", schedules);

        Housekeeping housekeeping = new Housekeeping(runs, failures, clock, housekeepingAge);
        Previews previews = new Previews(runner, runs, failures, watermarks, queue, tracker,
                faults != null ? faults : FaultHooks.NONE);
        Positions positions = new Positions(runner.claims(), runs, watermarks, gatherer);
        registry.bind("ferryPositions", positions);
        WatermarkLag lag = new WatermarkLag(clock, scheduleZone);
        Operations operations = new Operations(camel, connectors, runner, previews, positions, schedules, runs, failures,
                watermarks, lag, depths,
                housekeeping, recovery, camel.getExecutorServiceManager().newCachedThreadPool(this, "ferry-operator-runs"));
        registry.bind("ferryOperations", operations);
        OperationsSurface surface = OperationsSurface.install(camel, operations, access, housekeeping, connectors, runs,
                tracker, openTransactions, degradedAfter, meters -> new FerryMetrics(meters, connectors, depths, watermarks,
                        lag, runs, failures, schedules, openTransactions, new AlertThresholds(camel.getPropertiesComponent(), alertLag), metricsRefresh,
                        camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "ferry-metrics")));
        registry.bind("ferryOperationsSurface", surface);
        // Connector files are loaded one by one once Camel runs (FerryApplication), and watched with hot reload on.
        ConnectorReloader reloader = new ConnectorReloader(camel, connectors, runner.claims(), schedules,
                new ConnectorReloader.Listener() {
                    @Override
                    public void added(String connector) throws Exception {
                        surface.track(connector);
                    }

                    @Override
                    public void removed(String connector) throws Exception {
                        surface.untrack(connector);
                    }
                }, clock, reloadQuiet,
                camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "ferry-reload"), reload, startBeforeReady);
        camel.addService(reloader);
        registry.bind(CONNECTOR_FILES, reloader);
        FerryHealth.register(camel, stateSource, artemis, brokerUrl, reloader::loaded, reloader::waiting);
        ActiveMQConnectionFactory probes = BrokerWatch.probeFactory(brokerUrl,
                blankToNull(settings.string(Settings.BROKER_USERNAME)), blankToNull(settings.string(Settings.BROKER_PASSWORD)));
        manage(camel, closing("broker probes", probes::close));
        manage(camel, new BrokerWatch(probes, brokerUrl, clock,
                camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "ferry-broker-watch")));
        // Ferry's, not a file of the instance's: every connector's deliver route needs it, as this version defines it
        PluginHelper.getRoutesLoader(camel).loadRoutes(ResourceHelper.resolveMandatoryResource(camel, DELIVERY_ERRORS));

        if (demoBackOffice != null) {
            registry.bind("demoBackOffice", demoBackOffice);
            registry.bind("demoPayments", new DemoPayments(demoBackOffice,
                    registry.lookupByNameAndType(DemoDatabases.SOURCE, DataSource.class)));
            PluginHelper.getRoutesLoader(camel).loadRoutes(ResourceHelper.resolveMandatoryResource(camel, DEMO_ROUTES));
            LOG.info("Demo mode: demo source seeded, demo back office served at /demo/erp");
        }
    }

    private <T> SideBySide<T> sideBySide(String name, Callable<T> step, SideBySide.Undo<T> undo) {
        SideBySide<T> side = SideBySide.start(name, step, undo);
        sideSteps.add(side);
        return side;
    }

    /** Camel stops it (after the routes, in reverse order of adding); so do we if configuration fails. */
    private void manage(CamelContext camel, Service service) throws Exception {
        started.push(service);
        camel.addService(service);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /** A Camel service that only closes something when Camel stops. */
    private static ServiceSupport closing(String name, AutoCloseable closeable) {
        return new ServiceSupport() {
            @Override
            protected void doStop() throws Exception {
                closeable.close();
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
