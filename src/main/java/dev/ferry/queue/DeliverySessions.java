package dev.ferry.queue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.ServerLocator;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;

/**
 * The broker sessions that deliver routes ({@code from: ferry:queue}) consume with, and the one bounded pool of
 * threads that runs every connector's deliveries.
 *
 * <p>A session costs no thread of its own: Artemis hands its messages to the session's ordered executor, which runs on
 * this pool only while the session has messages. Threads therefore grow with the records in flight, up to
 * {@code threads}, and go again after a minute idle, however many connectors are loaded; a connector whose queue is
 * empty costs a few broker objects, not threads. Sessions are spread over a few connections, so that the broker
 * handles several connectors' acknowledgements at once.
 */
public final class DeliverySessions extends ServiceSupport {

    /** Connections that delivery sessions are spread over. */
    private static final int CONNECTIONS = 4;
    /** Bytes of records a consumer takes ahead of the one it delivers (see {@link SyncQueue#addressSettings}). */
    private static final int CONSUMER_WINDOW = 64 * 1024;
    private static final long IDLE_THREAD_SECONDS = 60;

    private final CamelContext camel;
    private final String url;
    private final String username;
    private final String password;
    private final int threads;

    private final ClientSessionFactory[] factories = new ClientSessionFactory[CONNECTIONS];
    private final AtomicInteger next = new AtomicInteger();
    private ServerLocator locator;
    private ExecutorService pool;
    private ExecutorService flowControl;
    private ScheduledExecutorService timers;

    public DeliverySessions(CamelContext camel, String url, String username, String password, int threads) {
        this.camel = camel;
        this.url = url;
        this.username = username;
        this.password = password;
        this.threads = threads;
    }

    /** Timers for consumers that wait to reconnect (and for the broker client's own pings). */
    public ScheduledExecutorService timers() {
        return timers;
    }

    /**
     * A new session that acknowledges in transactions (commit), on one of the delivery connections; the caller
     * creates its consumer and starts it. Throws while the broker is unreachable.
     */
    public ClientSession open() throws Exception {
        int slot = Math.floorMod(next.getAndIncrement(), CONNECTIONS);
        ClientSessionFactory factory;
        synchronized (factories) {
            factory = factories[slot];
            if (factory == null || factory.isClosed() || factory.getConnection() == null) {
                if (factory != null) {
                    factory.close();
                }
                factory = locator.createSessionFactory();
                factories[slot] = factory;
            }
        }
        return factory.createSession(username, password, false, true, false, false, locator.getAckBatchSize());
    }

    @Override
    protected void doStart() throws Exception {
        ExecutorServiceManager executors = camel.getExecutorServiceManager();
        pool = executors.newThreadPool(this, "ferry-delivery", profile("ferry-delivery", threads));
        flowControl = executors.newThreadPool(this, "ferry-delivery-flow", profile("ferry-delivery-flow", 2));
        timers = executors.newScheduledThreadPool(this, "ferry-delivery-timers", 1);
        locator = ActiveMQClient.createServerLocator(url);
        locator.setThreadPools(pool, timers, flowControl);
        locator.setConsumerWindowSize(CONSUMER_WINDOW);
    }

    /** Threads up to {@code size}, each going after a minute idle; tasks beyond wait in the queue. */
    private static ThreadPoolProfile profile(String id, int size) {
        ThreadPoolProfile profile = new ThreadPoolProfile(id);
        profile.setPoolSize(size);
        profile.setMaxPoolSize(size);
        profile.setKeepAliveTime(IDLE_THREAD_SECONDS);
        profile.setAllowCoreThreadTimeOut(true);
        // unbounded: Camel's pools hand over directly (and reject beyond the largest size) when it is 0 or less,
        // which would drop a broker session's delivery task
        profile.setMaxQueueSize(Integer.MAX_VALUE);
        profile.setRejectedPolicy(ThreadPoolRejectedPolicy.Abort);
        return profile;
    }

    @Override
    protected void doStop() {
        synchronized (factories) {
            for (int i = 0; i < factories.length; i++) {
                if (factories[i] != null) {
                    factories[i].close();
                    factories[i] = null;
                }
            }
        }
        if (locator != null) {
            locator.close();
        }
        ExecutorServiceManager executors = camel.getExecutorServiceManager();
        for (ExecutorService executor : new ExecutorService[] {timers, flowControl, pool}) {
            if (executor != null) {
                executors.shutdown(executor);
            }
        }
    }
}
