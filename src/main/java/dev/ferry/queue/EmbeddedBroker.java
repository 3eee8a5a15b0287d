package dev.ferry.queue;

import java.nio.file.Path;

import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Artemis broker of the default deployment: a persistent journal under the data
 * directory and only an in-VM acceptor, so nothing outside this process can reach it.
 */
public final class EmbeddedBroker extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);

    private final Path directory;
    private final String acceptorUrl;
    private final long maxMemoryBytes;
    private EmbeddedActiveMQ server;

    /**
     * @param maxMemoryBytes how much of the heap queued messages may take before the broker pages them to
     *                       disk; Artemis' own default (half the heap) is too much for a broker that shares
     *                       its JVM with Ferry
     */
    public EmbeddedBroker(Path directory, String acceptorUrl, long maxMemoryBytes) {
        this.directory = directory;
        this.acceptorUrl = acceptorUrl;
        this.maxMemoryBytes = maxMemoryBytes;
    }

    @Override
    protected void doStart() throws Exception {
        Configuration config = new ConfigurationImpl()
                .setName("ferry")
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .setJMXManagementEnabled(true)
                .setGlobalMaxSize(maxMemoryBytes)
                .setJournalDirectory(directory.resolve("journal").toString())
                .setBindingsDirectory(directory.resolve("bindings").toString())
                .setPagingDirectory(directory.resolve("paging").toString())
                .setLargeMessagesDirectory(directory.resolve("large-messages").toString())
                .addAcceptorConfiguration("ferry", acceptorUrl)
                .addAddressSetting(SyncQueue.ADDRESS_MATCH, SyncQueue.addressSettings(new AddressSettings()));
        server = new EmbeddedActiveMQ();
        server.setConfiguration(config);
        server.start();
        LOG.info("Embedded Artemis broker started, journal in {}, queued messages beyond {} MB paged to disk",
                directory.toAbsolutePath(), maxMemoryBytes / 1_048_576);
    }

    @Override
    protected void doStop() throws Exception {
        if (server != null) {
            server.stop();
            server = null;
        }
    }
}
