package dev.ferry.queue;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;

import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.management.ResourceNames;
import org.apache.activemq.artemis.api.jms.ActiveMQJMSClient;
import org.apache.activemq.artemis.api.jms.management.JMSManagementHelper;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;

/**
 * The durable sync queues, one per connector, on Artemis.
 *
 * <p>Records are sent in JMS transactions of a configurable size: one journal sync per transaction
 * instead of one per record. Queue management (declare, depth) goes through Artemis' management
 * address, so it works the same on the embedded broker and on an external one.
 */
public final class SyncQueue {

    /** Address settings that Ferry's queues need, for every address under {@code ferry.}. */
    public static final String ADDRESS_MATCH = "ferry.#";

    private static final String MANAGEMENT_ADDRESS = "activemq.management";
    private static final long MANAGEMENT_TIMEOUT_MILLIS = 10_000;

    private final ConnectionFactory connectionFactory;

    public SyncQueue(ConnectionFactory connectionFactory) {
        this.connectionFactory = connectionFactory;
    }

    /**
     * What Ferry's queues need from the broker: never drop a message after a number of failed
     * deliveries (failures go to Ferry's ledger instead), back off between redeliveries, keep queues
     * that are empty, and bound the memory that per-key ordering takes while spreading keys over all
     * consumers.
     */
    public static AddressSettings addressSettings(AddressSettings settings) {
        return settings
                .setMaxDeliveryAttempts(-1)
                .setRedeliveryDelay(1_000)
                .setRedeliveryMultiplier(2.0)
                .setMaxRedeliveryDelay(60_000)
                .setAutoCreateQueues(true)
                .setAutoDeleteQueues(false)
                .setAutoDeleteAddresses(false)
                .setDefaultGroupBuckets(256)
                // Groups move when a consumer joins, so a consumer that started first does not keep them all.
                .setDefaultGroupRebalance(true)
                // A consumer takes one record at a time: with a slow target, idle consumers are not left
                // watching another one's prefetched records.
                .setDefaultConsumerWindowSize(0);
    }

    /**
     * Creates the durable queue if it does not exist yet and gives its address the settings Ferry's
     * queues need — on the embedded broker and on an external one alike.
     */
    public void declare(String queue) throws Exception {
        manage(ResourceNames.BROKER, "addAddressSettings", null, queue, addressSettings(new AddressSettings()).toJSON());
        String json = QueueConfiguration.of(queue)
                .setAddress(queue)
                .setRoutingType(RoutingType.ANYCAST)
                .setDurable(true)
                .setAutoDelete(false)
                .toJSON();
        manage(ResourceNames.BROKER, "createQueue", null, json, true);
    }

    /**
     * Messages in the queue: waiting, scheduled for redelivery, paged, and delivered to a consumer but
     * not yet acknowledged.
     */
    public long depth(String queue) throws Exception {
        return ((Number) manage(ResourceNames.QUEUE + queue, null, "messageCount")).longValue();
    }

    /** Invokes an operation, or reads an attribute when {@code operation} is null, on a broker resource. */
    private Object manage(String resource, String operation, String attribute, Object... args) throws Exception {
        String what = (operation != null ? operation : attribute) + " on " + resource;
        try (Connection connection = connectionFactory.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replies = session.createTemporaryQueue();
            try (MessageProducer producer = session.createProducer(ActiveMQJMSClient.createQueue(MANAGEMENT_ADDRESS));
                 MessageConsumer consumer = session.createConsumer(replies)) {
                connection.start();
                Message request = session.createMessage();
                if (operation != null) {
                    JMSManagementHelper.putOperationInvocation(request, resource, operation, args);
                } else {
                    JMSManagementHelper.putAttribute(request, resource, attribute);
                }
                request.setJMSReplyTo(replies);
                producer.send(request);
                Message reply = consumer.receive(MANAGEMENT_TIMEOUT_MILLIS);
                if (reply == null) {
                    throw new IllegalStateException("The broker did not answer " + what + " within "
                            + MANAGEMENT_TIMEOUT_MILLIS / 1000 + " s");
                }
                if (!JMSManagementHelper.hasOperationSucceeded(reply)) {
                    throw new IllegalStateException("Broker management " + what + " failed: "
                            + JMSManagementHelper.getResult(reply));
                }
                // pooled-jms deletes the temporary reply queue when the connection goes back to the pool.
                return JMSManagementHelper.getResult(reply);
            }
        }
    }

    /** Opens a writer that commits every {@code transactionSize} records. */
    public Writer open(String queue, int transactionSize) throws JMSException {
        return new Writer(queue, transactionSize, committed -> { });
    }

    /** Like {@link #open(String, int)}, telling {@code afterCommit} how many records are queued after each commit. */
    public Writer open(String queue, int transactionSize, java.util.function.LongConsumer afterCommit) throws JMSException {
        return new Writer(queue, transactionSize, afterCommit);
    }

    /**
     * Sends records in transactions. {@link #commit()} makes everything sent so far durable;
     * closing without committing rolls the rest back.
     */
    public final class Writer implements AutoCloseable {

        private final Connection connection;
        private final Session session;
        private final MessageProducer producer;
        private final int transactionSize;
        private final java.util.function.LongConsumer afterCommit;
        private int uncommitted;
        private long committed;

        private Writer(String queue, int transactionSize, java.util.function.LongConsumer afterCommit) throws JMSException {
            this.transactionSize = transactionSize;
            this.afterCommit = afterCommit;
            this.connection = connectionFactory.createConnection();
            try {
                this.session = connection.createSession(true, Session.SESSION_TRANSACTED);
                Queue destination = session.createQueue(queue);
                this.producer = session.createProducer(destination);
                producer.setDeliveryMode(DeliveryMode.PERSISTENT);
            } catch (JMSException | RuntimeException e) {
                connection.close();
                throw e;
            }
        }

        public void send(QueuedRecord record) throws JMSException {
            TextMessage message = session.createTextMessage(record.json());
            message.setStringProperty(RecordHeaders.CONNECTOR, record.connector());
            message.setLongProperty(RecordHeaders.RUN_ID, record.runId());
            message.setStringProperty(RecordHeaders.RECORD_KEY, record.key());
            message.setStringProperty(RecordHeaders.RECORD_VERSION, record.version());
            message.setStringProperty(RecordHeaders.IDEMPOTENCY_KEY, record.idempotencyKey());
            message.setStringProperty(RecordHeaders.OPERATION, record.operation().name());
            message.setBooleanProperty(RecordHeaders.LEDGER_CHECK, record.ledgerCheck());
            message.setStringProperty(RecordHeaders.GROUP_ID, record.key());
            producer.send(message);
            if (++uncommitted >= transactionSize) {
                commit();
            }
        }

        /** Commits what was sent since the last commit; on return it is durably queued. */
        public void commit() throws JMSException {
            if (uncommitted > 0) {
                session.commit();
                committed += uncommitted;
                uncommitted = 0;
                afterCommit.accept(committed);
            }
        }

        /** Records durably queued so far. */
        public long committed() {
            return committed;
        }

        @Override
        public void close() throws JMSException {
            try {
                if (uncommitted > 0) {
                    session.rollback();
                }
            } finally {
                connection.close();
            }
        }
    }
}
