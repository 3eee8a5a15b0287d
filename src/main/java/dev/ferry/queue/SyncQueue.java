package dev.ferry.queue;

import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.management.ResourceNames;
import org.apache.activemq.artemis.api.jms.ActiveMQJMSClient;
import org.apache.activemq.artemis.api.jms.management.JMSManagementHelper;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;

import dev.ferry.gather.IdempotencyKey;

/**
 * The durable sync queues, one per connector, on Artemis.
 *
 * <p>Records are sent in JMS transactions of a configurable size: one journal sync per transaction
 * instead of one per record. Queue management (declare, depth) goes through Artemis' management
 * address, so it works the same on the embedded broker and on an external one.
 */
public final class SyncQueue implements AutoCloseable {

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
     * deliveries (failures go to Ferry's ledger instead), keep queues that are empty, bound the memory
     * that per-key ordering takes while spreading keys over all consumers — and never let a later
     * version of a key overtake an earlier one:
     * <ul>
     * <li>no redelivery delay: a message that comes back (its consumer died, or gave it back) goes back
     * to the head of the queue at once. With a delay the broker schedules it for later and meanwhile
     * dispatches the next message of its group — the key's newer version — which the earlier one then
     * overwrites at the target. Back-off happens in Ferry instead: the error handler's retries, and
     * {@code ferry:delivered}/{@code ferry:failed} holding a record while the state database is away;</li>
     * <li>a consumer that joins takes groups over (rebalance), but only once the records the old owner
     * holds are acknowledged (pause dispatch): otherwise two consumers deliver one key at once.</li>
     * </ul>
     */
    public static AddressSettings addressSettings(AddressSettings settings) {
        return settings
                .setMaxDeliveryAttempts(-1)
                .setRedeliveryDelay(0)
                .setAutoCreateQueues(true)
                .setAutoDeleteQueues(false)
                .setAutoDeleteAddresses(false)
                .setDefaultGroupBuckets(GROUP_BUCKETS)
                // Groups move when a consumer joins, so a consumer that started first does not keep them all.
                .setDefaultGroupRebalance(true)
                .setDefaultGroupRebalancePauseDispatch(true)
                // A consumer buffers up to 64 KiB of records ahead. Records of one key only ever go to the consumer
                // that owns their group, so buffering takes nothing from the others; taking one record a round
                // trip (window 0) cost a fifth of delivery throughput in the benchmark (bench/RESULTS.md).
                .setDefaultConsumerWindowSize(64 * 1024);
    }

    /**
     * Creates the durable queue if it does not exist yet and gives its address the settings Ferry's
     * queues need — on the embedded broker and on an external one alike. The first call puts the settings on every
     * address under {@code ferry.} and learns which queues exist already with Ferry's group settings, in one question
     * each; a queue among them costs no further request (a thousand connectors start without three thousand broker
     * round trips).
     */
    public void declare(String queue) throws Exception {
        Set<String> ready = readyQueues();
        if (ready.contains(queue)) {
            return;
        }
        QueueConfiguration configuration = QueueConfiguration.of(queue)
                .setAddress(queue)
                .setRoutingType(RoutingType.ANYCAST)
                .setDurable(true)
                .setAutoDelete(false)
                .setGroupBuckets(GROUP_BUCKETS)
                .setGroupRebalance(true)
                .setGroupRebalancePauseDispatch(true);
        manage(ResourceNames.BROKER, "createQueue", null, configuration.toJSON(), true);
        if (otherQueues.contains(queue)) {
            // A queue that exists already (made by an older Ferry) keeps the group settings it was made with
            // otherwise: the address settings only give a new queue its defaults.
            manage(ResourceNames.BROKER, "updateQueue", null, QueueConfiguration.of(queue)
                    .setGroupRebalance(true).setGroupRebalancePauseDispatch(true).toJSON());
        }
        ready.add(queue);
    }

    /**
     * The sync queues known to exist with Ferry's group settings: asked of the broker once (after the address settings
     * are in place), then kept up to date by {@link #declare}. A queue deleted on the broker behind Ferry's back is
     * made again when Ferry starts next.
     */
    private Set<String> readyQueues() throws Exception {
        Set<String> ready = readyQueues;
        if (ready != null) {
            return ready;
        }
        synchronized (this) {
            if (readyQueues == null) {
                manage(ResourceNames.BROKER, "addAddressSettings", null, ADDRESS_MATCH,
                        addressSettings(new AddressSettings()).toJSON());
                Set<String> found = ConcurrentHashMap.newKeySet();
                for (JsonNode q : listQueues()) {
                    boolean grouped = q.path("groupRebalance").asBoolean() && q.path("groupRebalancePauseDispatch").asBoolean();
                    (grouped ? found : otherQueues).add(q.path("name").asText());
                }
                readyQueues = found;
            }
            return readyQueues;
        }
    }

    private volatile Set<String> readyQueues;
    /** Sync queues that existed without Ferry's group settings when {@link #readyQueues} was asked. */
    private final Set<String> otherQueues = ConcurrentHashMap.newKeySet();

    private static final int GROUP_BUCKETS = 256;

    /**
     * Messages in the queue: waiting, scheduled for redelivery, paged, and delivered to a consumer but
     * not yet acknowledged.
     */
    public long depth(String queue) throws Exception {
        return ((Number) manage(ResourceNames.QUEUE + queue, null, "messageCount")).longValue();
    }

    /**
     * The depth of every sync queue ({@code ferry.*}) in one question to the broker, as {@link #depth} counts it:
     * what a list of a thousand connectors needs, instead of a thousand questions.
     */
    public Map<String, Long> depths() throws Exception {
        Map<String, Long> depths = new HashMap<>();
        for (JsonNode queue : listQueues()) {
            depths.put(queue.path("name").asText(), queue.path("messageCount").asLong());
        }
        return depths;
    }

    /** Every sync queue ({@code ferry.*}) as the broker's {@code listQueues} describes it, page by page. */
    private List<JsonNode> listQueues() throws Exception {
        List<JsonNode> queues = new ArrayList<>();
        String options = JSON.writeValueAsString(Map.of("field", "name", "operation", "CONTAINS", "value", QUEUE_PREFIX,
                "sortColumn", "name", "sortOrder", "asc"));
        for (int page = 1; ; page++) {
            JsonNode answer = JSON.readTree(String.valueOf(manage(ResourceNames.BROKER, "listQueues", null, options, page,
                    DEPTHS_PAGE)));
            for (JsonNode queue : answer.path("data")) {
                if (queue.path("name").asText().startsWith(QUEUE_PREFIX)) {
                    queues.add(queue);
                }
            }
            if ((long) page * DEPTHS_PAGE >= answer.path("count").asLong()) {
                return queues;
            }
        }
    }

    private static final String QUEUE_PREFIX = "ferry.";
    private static final int DEPTHS_PAGE = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Removes every message from the queue (a preview's staging queue); returns how many there were. */
    public long purge(String queue) throws Exception {
        return ((Number) manage(ResourceNames.QUEUE + queue, "removeAllMessages", null)).longValue();
    }

    /**
     * Moves every message of {@code from} to {@code to}, in order, in transactions of about
     * {@code transactionSize} records: a message leaves {@code from} in the transaction that puts it on
     * {@code to}, so a crash half-way leaves each message on exactly one of them. Returns the records moved.
     */
    public long move(String from, String to, int transactionSize) throws Exception {
        long moved = 0;
        try (Connection connection = connectionFactory.createConnection()) {
            Session session = connection.createSession(true, Session.SESSION_TRANSACTED);
            try (MessageConsumer consumer = session.createConsumer(session.createQueue(from));
                 MessageProducer producer = session.createProducer(session.createQueue(to))) {
                producer.setDeliveryMode(DeliveryMode.PERSISTENT);
                connection.start();
                int uncommitted = 0;
                while (true) {
                    Message message = consumer.receive(MOVE_IDLE_MILLIS);
                    if (message == null) {
                        session.commit();
                        uncommitted = 0;
                        // An empty receive can mean "not dispatched yet": stop only when the broker says it is empty.
                        if (depth(from) == 0) {
                            return moved;
                        }
                        continue;
                    }
                    producer.send(copy(session, (TextMessage) message));
                    int records = records(message);
                    moved += records;
                    uncommitted += records;
                    if (uncommitted >= transactionSize) {
                        session.commit();
                        uncommitted = 0;
                    }
                }
            } catch (Exception e) {
                session.rollback();
                throw e;
            }
        }
    }

    private static final long MOVE_IDLE_MILLIS = 500;

    private static TextMessage copy(Session session, TextMessage message) throws JMSException {
        TextMessage copy = session.createTextMessage(message.getText());
        for (Enumeration<?> names = message.getPropertyNames(); names.hasMoreElements(); ) {
            String name = (String) names.nextElement();
            if (!name.startsWith("JMSX") && !name.startsWith("_AMQ")) {
                copy.setObjectProperty(name, message.getObjectProperty(name));
            }
        }
        copy.setStringProperty(RecordHeaders.GROUP_ID, message.getStringProperty(RecordHeaders.GROUP_ID));
        return copy;
    }

    private static int records(Message message) throws JMSException {
        return message.propertyExists(RecordHeaders.RECORD_COUNT) ? message.getIntProperty(RecordHeaders.RECORD_COUNT) : 1;
    }

    /** A queued record as a browser sees it. */
    public record Browsed(String key, String version, String operation, String json) {
    }

    /**
     * The first {@code max} records of the queue, in queue order, without taking them: each record of a
     * batch on its own.
     */
    public List<Browsed> browse(String queue, int max) throws Exception {
        List<Browsed> records = new ArrayList<>();
        try (Connection connection = connectionFactory.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            try (jakarta.jms.QueueBrowser browser = session.createBrowser(session.createQueue(queue))) {
                connection.start();
                Enumeration<?> messages = browser.getEnumeration();
                while (records.size() < max && messages.hasMoreElements()) {
                    TextMessage m = (TextMessage) messages.nextElement();
                    if (records(m) == 1 && !m.propertyExists(RecordHeaders.RECORD_KEYS)) {
                        records.add(new Browsed(m.getStringProperty(RecordHeaders.RECORD_KEY),
                                m.getStringProperty(RecordHeaders.RECORD_VERSION), m.getStringProperty(RecordHeaders.OPERATION),
                                m.getText()));
                        continue;
                    }
                    List<String> keys = BatchHeaders.read(m.getStringProperty(RecordHeaders.RECORD_KEYS));
                    List<String> versions = BatchHeaders.read(m.getStringProperty(RecordHeaders.RECORD_VERSIONS));
                    String operations = m.getStringProperty(RecordHeaders.OPERATIONS);
                    List<String> ops = operations == null ? null : BatchHeaders.read(operations);
                    List<String> json = BatchHeaders.splitArray(m.getText());
                    for (int i = 0; i < keys.size() && records.size() < max; i++) {
                        records.add(new Browsed(keys.get(i), versions.get(i),
                                ops == null ? QueuedRecord.Operation.UPSERT.name() : ops.get(i), json.get(i)));
                    }
                }
            }
        }
        return records;
    }

    /**
     * Invokes an operation, or reads an attribute when {@code operation} is null, on a broker resource: one request
     * and its reply over a session kept for that, opened on first use and again after a failure.
     */
    private synchronized Object manage(String resource, String operation, String attribute, Object... args) throws Exception {
        String what = (operation != null ? operation : attribute) + " on " + resource;
        if (requestor == null) {
            requestor = new Requestor();
        }
        Message reply;
        try {
            reply = requestor.request(resource, operation, attribute, args);
        } catch (Exception e) {
            closeRequestor();
            throw e;
        }
        if (reply == null) {
            // a reply that comes later would answer the next request: start that one afresh
            closeRequestor();
            throw new IllegalStateException("The broker did not answer " + what + " within "
                    + MANAGEMENT_TIMEOUT_MILLIS / 1000 + " s");
        }
        if (!JMSManagementHelper.hasOperationSucceeded(reply)) {
            throw new IllegalStateException("Broker management " + what + " failed: " + JMSManagementHelper.getResult(reply));
        }
        return JMSManagementHelper.getResult(reply);
    }

    private Requestor requestor;

    /** Closes the management session (Ferry stops); the next request opens another. */
    @Override
    public synchronized void close() {
        closeRequestor();
    }

    private void closeRequestor() {
        if (requestor != null) {
            requestor.close();
            requestor = null;
        }
    }

    /** A session on the management address with a temporary queue for its replies. */
    private final class Requestor {

        private final Connection connection;
        private final Session session;
        private final MessageProducer producer;
        private final MessageConsumer replies;
        private final TemporaryQueue replyQueue;

        Requestor() throws JMSException {
            connection = connectionFactory.createConnection();
            try {
                session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
                replyQueue = session.createTemporaryQueue();
                producer = session.createProducer(ActiveMQJMSClient.createQueue(MANAGEMENT_ADDRESS));
                replies = session.createConsumer(replyQueue);
                connection.start();
            } catch (JMSException | RuntimeException e) {
                connection.close();
                throw e;
            }
        }

        Message request(String resource, String operation, String attribute, Object... args) throws Exception {
            Message request = session.createMessage();
            if (operation != null) {
                JMSManagementHelper.putOperationInvocation(request, resource, operation, args);
            } else {
                JMSManagementHelper.putAttribute(request, resource, attribute);
            }
            request.setJMSReplyTo(replyQueue);
            producer.send(request);
            return replies.receive(MANAGEMENT_TIMEOUT_MILLIS);
        }

        void close() {
            try {
                // pooled-jms deletes the temporary reply queue when the connection goes back to the pool
                connection.close();
            } catch (JMSException e) {
                // the connection is gone already; so is its temporary queue
            }
        }
    }

    /** Opens a writer of single-record messages that commits every {@code transactionSize} records. */
    public Writer open(String queue, int transactionSize) throws JMSException {
        return new Writer(queue, transactionSize, 1, false, committed -> { });
    }

    /**
     * Opens a writer that puts up to {@code batchSize} records in a message — or, with a batch size of 1 and
     * {@code packed}, up to {@link Writer#PACK_SIZE} single records — and commits every {@code transactionSize}
     * records, telling {@code afterCommit} how many records are queued after each commit.
     */
    public Writer open(String queue, int transactionSize, int batchSize, boolean packed, LongConsumer afterCommit)
            throws JMSException {
        return new Writer(queue, transactionSize, batchSize, packed, afterCommit);
    }

    /**
     * Sends records in transactions. {@link #commit()} makes everything sent so far durable;
     * closing without committing rolls the rest back.
     *
     * <p>With a batch size above 1, records are spread by key over {@link #BATCH_GROUPS} message groups
     * and a group's records go out as one message when it holds a batch (and at {@link #commit()}), so
     * all versions of one key stay in one group, in order. At most {@code BATCH_GROUPS × batchSize}
     * records wait in memory.
     *
     * <p><b>Packed</b> (a batch size of 1 for a connector that {@code ferry:queue} delivers): single records travel
     * the same way, up to {@link #PACK_SIZE} a message, and {@code ferry:queue} delivers each as an exchange of its
     * own ({@link RecordHeaders#RECORD_LENGTHS}). What the broker does per message — journal, paging, dispatch,
     * acknowledgement — then happens once for many records instead of once for each, which was most of its CPU
     * time with one record a request (bench/RESULTS.md, row 13).
     */
    public final class Writer implements AutoCloseable {

        /** Message groups of batches: enough to keep every delivery consumer of a connector busy. */
        public static final int BATCH_GROUPS = 16;
        /**
         * Single records in a packed message: as many as a delivery lane acknowledges in one broker transaction
         * ({@code acknowledgeBatch}'s default), so a pack is one commit.
         */
        public static final int PACK_SIZE = 100;

        private final Connection connection;
        private final Session session;
        private final MessageProducer producer;
        private final int transactionSize;
        /** Records in a message: the batch size, or {@link #PACK_SIZE} when single records are packed. */
        private final int messageSize;
        private final boolean packed;
        private final LongConsumer afterCommit;
        private final List<List<QueuedRecord>> groups;
        private int uncommitted;
        /** Records given to a packing writer since its last commit, sent or still in a pack. */
        private int packedSinceCommit;
        private long committed;

        private Writer(String queue, int transactionSize, int batchSize, boolean packed, LongConsumer afterCommit)
                throws JMSException {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
            }
            this.transactionSize = transactionSize;
            this.packed = packed && batchSize == 1;
            this.messageSize = this.packed ? PACK_SIZE : batchSize;
            this.afterCommit = afterCommit;
            this.groups = new ArrayList<>();
            if (messageSize > 1) {
                for (int i = 0; i < BATCH_GROUPS; i++) {
                    groups.add(new ArrayList<>(messageSize));
                }
            }
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

        /** Queues a record: alone, or into its group's next batch (or pack) when there are batches (or packs). */
        public void send(QueuedRecord record) throws JMSException {
            if (messageSize == 1) {
                sendAlone(record);
                return;
            }
            int group = group(record);
            List<QueuedRecord> batch = groups.get(group);
            batch.add(record);
            if (batch.size() >= messageSize) {
                sendBatch(group);
            }
            if (packed && ++packedSinceCommit >= transactionSize) {
                // a transaction holds transactionSize records, packed or not: the packs still filling go now
                commit();
            }
        }

        private static int group(QueuedRecord record) {
            return Math.floorMod(record.key().hashCode(), BATCH_GROUPS);
        }

        /**
         * Queues a record in a message of its own whatever the batch size: a record that failed before
         * is retried alone, so that one bad record does not fail a whole batch again. When records are packed, it
         * goes after the records its group holds and in that group, so that it does not overtake them.
         */
        public void sendAlone(QueuedRecord record) throws JMSException {
            String groupId = record.key();
            if (packed) {
                int group = group(record);
                if (!groups.get(group).isEmpty()) {
                    sendBatch(group);
                }
                groupId = batchGroupId(group);
            }
            TextMessage message = session.createTextMessage(record.json());
            message.setStringProperty(RecordHeaders.CONNECTOR, record.connector());
            message.setLongProperty(RecordHeaders.RUN_ID, record.runId());
            message.setStringProperty(RecordHeaders.RECORD_KEY, record.key());
            message.setStringProperty(RecordHeaders.RECORD_VERSION, record.version());
            message.setStringProperty(RecordHeaders.IDEMPOTENCY_KEY, IdempotencyKey.of(record.connector(), record.key(),
                    record.version()));
            message.setStringProperty(RecordHeaders.OPERATION, record.operation().name());
            message.setBooleanProperty(RecordHeaders.LEDGER_CHECK, record.ledgerCheck());
            message.setStringProperty(RecordHeaders.GROUP_ID, groupId);
            sent(message, 1);
            if (packed && ++packedSinceCommit >= transactionSize) {
                commit();
            }
        }

        private static String batchGroupId(int group) {
            return "ferry-batch-" + group;
        }

        private void sendBatch(int group) throws JMSException {
            List<QueuedRecord> batch = groups.get(group);
            QueuedRecord first = batch.get(0);
            StringBuilder body = new StringBuilder(batch.size() * (first.json().length() + 1) + 2).append('[');
            StringBuilder lengths = packed ? new StringBuilder(batch.size() * 4) : null;
            String[] keys = new String[batch.size()];
            String[] versions = new String[batch.size()];
            String[] idempotencyKeys = new String[batch.size()];
            String[] operations = new String[batch.size()];
            boolean ledgerCheck = false;
            boolean deletes = false;
            for (int i = 0; i < batch.size(); i++) {
                QueuedRecord record = batch.get(i);
                body.append(i == 0 ? "" : ",").append(record.json());
                if (packed) {
                    lengths.append(i == 0 ? "" : ",").append(record.json().length());
                }
                keys[i] = record.key();
                versions[i] = record.version();
                idempotencyKeys[i] = IdempotencyKey.of(record.connector(), record.key(), record.version());
                operations[i] = record.operation().name();
                ledgerCheck |= record.ledgerCheck();
                deletes |= record.operation() == QueuedRecord.Operation.DELETE;
            }
            TextMessage message = session.createTextMessage(body.append(']').toString());
            message.setStringProperty(RecordHeaders.CONNECTOR, first.connector());
            message.setLongProperty(RecordHeaders.RUN_ID, first.runId());
            message.setIntProperty(RecordHeaders.RECORD_COUNT, batch.size());
            message.setStringProperty(RecordHeaders.RECORD_KEYS, BatchHeaders.write(keys));
            message.setStringProperty(RecordHeaders.RECORD_VERSIONS, BatchHeaders.write(versions));
            message.setStringProperty(RecordHeaders.IDEMPOTENCY_KEYS, BatchHeaders.write(idempotencyKeys));
            if (deletes) {
                message.setStringProperty(RecordHeaders.OPERATIONS, BatchHeaders.write(operations));
            }
            if (packed) {
                message.setStringProperty(RecordHeaders.RECORD_LENGTHS, lengths.toString());
            } else {
                message.setStringProperty(RecordHeaders.IDEMPOTENCY_KEY,
                        BatchHeaders.idempotencyKey(first.connector(), idempotencyKeys));
            }
            message.setBooleanProperty(RecordHeaders.LEDGER_CHECK, ledgerCheck);
            message.setStringProperty(RecordHeaders.GROUP_ID, batchGroupId(group));
            int count = batch.size();
            batch.clear();
            sent(message, count);
        }

        private void sent(TextMessage message, int records) throws JMSException {
            producer.send(message);
            uncommitted += records;
            if (uncommitted >= transactionSize && !packed) {
                commitSent();
            }
        }

        /**
         * Sends the batches still filling, then commits everything sent since the last commit; on return
         * every record given to this writer is durably queued.
         */
        public void commit() throws JMSException {
            for (int group = 0; group < groups.size(); group++) {
                if (!groups.get(group).isEmpty()) {
                    sendBatch(group);
                }
            }
            commitSent();
        }

        private void commitSent() throws JMSException {
            packedSinceCommit = 0;
            if (uncommitted > 0) {
                session.commit();
                committed += uncommitted;
                uncommitted = 0;
                afterCommit.accept(committed);
            }
        }

        /** Records durably queued so far (batches still filling are not). */
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
