package dev.ferry.component;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ClientConsumer;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.SessionFailureListener;
import org.apache.activemq.artemis.core.client.impl.ClientConsumerInternal;
import org.apache.activemq.artemis.core.client.impl.ClientSessionInternal;
import org.apache.activemq.artemis.reader.TextMessageUtil;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.queue.BatchHeaders;
import dev.ferry.queue.DeliverySessions;
import dev.ferry.queue.ForeignMessages;
import dev.ferry.queue.QueuedRecord;
import dev.ferry.queue.RecordHeaders;

/**
 * {@code from: ferry:queue}: delivers a connector's sync queue into its deliver route.
 *
 * <p>{@code concurrentConsumers} lanes each hold a broker session with one consumer; records of one key stay in one
 * lane (message groups), so a key's versions arrive in order. A lane runs on the shared delivery pool
 * ({@link DeliverySessions}) only while it has records: an idle connector holds no thread.
 *
 * <p>A lane acknowledges in broker transactions: it commits after {@code acknowledgeBatch} records, or as soon as it
 * has no further record in hand, so one journal write stands for many records. The outcomes that
 * {@code ferry:delivered} and {@code ferry:failed} record count for their runs when that commit succeeds
 * ({@link PendingOutcomes}); if the instance dies first, the unacknowledged records come again — to be delivered
 * again under the same idempotency keys, and counted once.
 */
final class QueueConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger("dev.ferry.delivery");
    /** How long a lane waits before it tries again to reach a broker that went away. */
    private static final long REOPEN_SECONDS = 2;
    private static final String FERRY_PROPERTY_PREFIX = "Ferry";
    /** How long an open transaction may wait for a record that would commit it. */
    private static final long COMMIT_DELAY_MILLIS = 20;

    private final String connector;
    private final String queue;
    private final int lanes;
    private final int acknowledgeBatch;
    /** Null for none. */
    private final String idempotencyKeyHeader;
    /** Null for none. */
    private final String contentType;
    private final DeliverySessions sessions;
    private final List<Lane> open = new ArrayList<>();

    QueueConsumer(FerryEndpoint endpoint, Processor processor, String queue, DeliverySessions sessions) {
        super(endpoint, processor);
        this.connector = endpoint.getConnector();
        this.queue = queue;
        this.lanes = endpoint.getConcurrentConsumers();
        this.acknowledgeBatch = endpoint.getAcknowledgeBatch();
        this.idempotencyKeyHeader = blankToNull(endpoint.getIdempotencyKeyHeader());
        this.contentType = blankToNull(endpoint.getContentType());
        this.sessions = sessions;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    @Override
    public FerryEndpoint getEndpoint() {
        return (FerryEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        for (int i = 0; i < lanes; i++) {
            Lane lane = new Lane(i);
            open.add(lane);
            lane.open();
        }
    }

    @Override
    protected void doStop() throws Exception {
        for (Lane lane : open) {
            lane.close();
        }
        open.clear();
        super.doStop();
    }

    /** One session and its consumer: delivers its records one after the other, in order. */
    private final class Lane implements SessionFailureListener {

        private final int number;
        /** Held while a record is delivered and while the lane commits or closes. */
        private final ReentrantLock busy = new ReentrantLock();
        private final PendingOutcomes pending = new PendingOutcomes();
        private volatile boolean closing;
        private ClientSession session;
        private volatile ClientConsumerInternal consumer;
        private int unacknowledged;
        private long prompts;
        private final AtomicBoolean commitScheduled = new AtomicBoolean();
        private ScheduledFuture<?> reopening;

        Lane(int number) {
            this.number = number;
        }

        /** Opens the session and starts consuming; while the broker is away, tries again every few seconds. */
        void open() {
            busy.lock();
            try {
                if (closing) {
                    return;
                }
                reopening = null;
                ClientSession opened = sessions.open();
                try {
                    opened.addFailureListener(this);
                    consumer = (ClientConsumerInternal) opened.createConsumer(queue);
                    session = opened;
                    consumer.setMessageHandler(this::deliver);
                    opened.start();
                } catch (Exception e) {
                    session = null;
                    opened.close();
                    throw e;
                }
            } catch (Exception e) {
                LOG.debug("Connector {}: delivery lane {} cannot reach the broker; trying again in {} s", connector,
                        number, REOPEN_SECONDS, e);
                reopenLater();
            } finally {
                busy.unlock();
            }
        }

        private void reopenLater() {
            if (!closing && reopening == null) {
                reopening = sessions.timers().schedule(this::open, REOPEN_SECONDS, TimeUnit.SECONDS);
            }
        }

        /** A record (or a pack of records) from the broker, on the delivery pool. */
        private void deliver(ClientMessage message) {
            busy.lock();
            try {
                if (closing || session == null) {
                    return; // not acknowledged: it goes back to the queue when the lane closes
                }
                if (refused(message)) {
                    acknowledge(message, 1);
                    return;
                }
                if (message.containsProperty(RecordHeaders.RECORD_LENGTHS)) {
                    deliverPacked(message);
                    return;
                }
                Exchange exchange = createExchange(message);
                if (process(exchange)) {
                    acknowledge(message, 1);
                }
                releaseExchange(exchange, false);
            } finally {
                busy.unlock();
            }
        }

        /**
         * The records of a packed message, one exchange each, in order; the message is acknowledged once all are
         * delivered (or recorded as failed). A lane that closes meanwhile records how far it got
         * ({@link PackProgress}) and leaves the message unacknowledged: it comes again, and delivery goes on after the
         * records already delivered. If that record cannot be written, everything the lane's open transaction took
         * comes again instead, to be delivered again under the same idempotency keys and counted once.
         */
        private void deliverPacked(ClientMessage message) {
            String body = text(message);
            String idempotencyKeysHeader = message.getStringProperty(RecordHeaders.IDEMPOTENCY_KEYS);
            List<String> keys = BatchHeaders.read(message.getStringProperty(RecordHeaders.RECORD_KEYS));
            List<String> versions = BatchHeaders.read(message.getStringProperty(RecordHeaders.RECORD_VERSIONS));
            List<String> idempotencyKeys = BatchHeaders.read(idempotencyKeysHeader);
            String operations = message.getStringProperty(RecordHeaders.OPERATIONS);
            List<String> ops = operations == null ? null : BatchHeaders.read(operations);
            String lengths = message.getStringProperty(RecordHeaders.RECORD_LENGTHS);
            String connectorId = message.getStringProperty(RecordHeaders.CONNECTOR);
            long runId = message.getLongProperty(RecordHeaders.RUN_ID);
            boolean ledgerCheck = message.getBooleanProperty(RecordHeaders.LEDGER_CHECK);
            String pack = PackProgress.id(connectorId, idempotencyKeysHeader);
            PendingOutcomes packOutcomes = new PendingOutcomes();
            // Not the broker's delivery count: a consumer that closes gives its messages back uncounted, and the count
            // is not kept across a restart.
            int skip = getEndpoint().services().packProgress().mayHave(connector, pack)
                    ? resume(pack, runId, packOutcomes) : 0;
            int start = 1; // after the array's '['
            int from = 0;
            for (int i = 0; i < keys.size(); i++) {
                int comma = lengths.indexOf(',', from);
                int length = Integer.parseInt(comma < 0 ? lengths.substring(from) : lengths.substring(from, comma));
                from = comma + 1;
                int recordStart = start;
                start += length + 1;
                if (i < skip) {
                    continue;
                }
                if (closing) {
                    giveBack(pack, new PackProgress.Done(runId, i, packOutcomes.delivered(), packOutcomes.failed()));
                    return;
                }
                Exchange exchange = QueueConsumer.this.createExchange(false);
                org.apache.camel.Message in = exchange.getIn();
                in.setBody(body.substring(recordStart, recordStart + length));
                in.setHeader(RecordHeaders.CONNECTOR, connectorId);
                in.setHeader(RecordHeaders.RUN_ID, runId);
                in.setHeader(RecordHeaders.RECORD_KEY, keys.get(i));
                in.setHeader(RecordHeaders.RECORD_VERSION, versions.get(i));
                in.setHeader(RecordHeaders.IDEMPOTENCY_KEY, idempotencyKeys.get(i));
                in.setHeader(RecordHeaders.OPERATION, ops == null ? QueuedRecord.Operation.UPSERT.name() : ops.get(i));
                in.setHeader(RecordHeaders.LEDGER_CHECK, ledgerCheck);
                decorate(exchange, idempotencyKeys.get(i));
                exchange.setProperty(PendingOutcomes.PROPERTY, packOutcomes);
                boolean delivered = process(exchange);
                releaseExchange(exchange, false);
                if (!delivered) {
                    return;
                }
            }
            packOutcomes.moveTo(pending);
            acknowledge(message, keys.size());
        }

        /**
         * How many records of a pack that comes again were done before, their outcomes put with the pack's; 0 when
         * nothing was recorded, or it cannot be read (then they are delivered again).
         */
        private int resume(String pack, long runId, PendingOutcomes packOutcomes) {
            try {
                return getEndpoint().services().packProgress().take(connector, pack, runId).map(done -> {
                    packOutcomes.delivered(connector, runId, done.delivered());
                    packOutcomes.failed(connector, runId, done.failed());
                    return done.records();
                }).orElse(0);
            } catch (SQLException e) {
                // the state database is away (its health check says so): delivering again is the safe side
                LOG.debug("Connector {}: cannot read how far delivery got into a queued pack of records; any"
                        + " delivered before are delivered again: {}", connector, e.toString());
                return 0;
            }
        }

        /** The lane closes in the middle of a pack: leave it unacknowledged, after recording how far it got. */
        private void giveBack(String pack, PackProgress.Done done) {
            if (done.records() == 0) {
                return;
            }
            try {
                getEndpoint().services().packProgress().save(connector, pack, done);
            } catch (SQLException e) {
                LOG.warn("Connector {}: cannot record how far delivery got into a queued pack of records ({} done);"
                        + " they come again with the rest: {}", connector, done.records(), e.toString());
                rollback();
            }
        }

        /**
         * Runs the deliver route; false when the exchange ended with an exception, which rolled the open transaction
         * back. Failures the delivery error handling records end the route normally; any other exception — the state
         * database stayed away until the route stopped, or a bug — gives back everything this transaction took.
         */
        private boolean process(Exchange exchange) {
            try {
                getProcessor().process(exchange);
            } catch (Exception e) {
                exchange.setException(e);
            }
            if (exchange.getException() == null) {
                return true;
            }
            getExceptionHandler().handleException("Connector " + connector + ": delivery given back to the"
                    + " sync queue", exchange, exchange.getException());
            rollback();
            return false;
        }

        /** Whether a message is not one of this connector's records: then it is logged, and dropped unread. */
        private boolean refused(ClientMessage message) {
            String why = ForeignMessages.refusal(connector,
                    message.getType() == Message.TEXT_TYPE ? null : ForeignMessages.kind(message.getType()),
                    message.getStringProperty(RecordHeaders.CONNECTOR),
                    message.containsProperty(RecordHeaders.RUN_ID));
            if (why != null) {
                LOG.error("Connector {}: a message on its sync queue was refused unread and dropped (broker id {}): {}",
                        connector, message.getMessageID(), why);
            }
            return why != null;
        }

        private static String text(ClientMessage message) {
            SimpleString body = TextMessageUtil.readBodyText(message.getBodyBuffer());
            return body == null ? null : body.toString();
        }

        /**
         * The exchange for a record (or a batch), with its {@code Ferry*} properties as headers. Set here rather
         * than by steps that every deliver route repeated, each a processor and a copy of the exchange by the
         * delivery error handling.
         */
        private Exchange createExchange(ClientMessage message) {
            Exchange exchange = QueueConsumer.this.createExchange(false);
            org.apache.camel.Message in = exchange.getIn();
            in.setBody(text(message));
            Object idempotencyKey = null;
            for (SimpleString name : message.getPropertyNames()) {
                String header = name.toString();
                if (header.startsWith(FERRY_PROPERTY_PREFIX)) {
                    Object value = message.getObjectProperty(name);
                    Object text = value instanceof SimpleString simple ? simple.toString() : value;
                    in.setHeader(header, text);
                    if (header.equals(RecordHeaders.IDEMPOTENCY_KEY)) {
                        idempotencyKey = text;
                    }
                }
            }
            decorate(exchange, idempotencyKey);
            return exchange;
        }

        /** The idempotency key also under the header the target reads, the Content-Type, the open transaction. */
        private void decorate(Exchange exchange, Object idempotencyKey) {
            if (idempotencyKeyHeader != null && idempotencyKey != null) {
                exchange.getIn().setHeader(idempotencyKeyHeader, idempotencyKey);
            }
            if (contentType != null) {
                exchange.getIn().setHeader(Exchange.CONTENT_TYPE, contentType);
            }
            exchange.setProperty(PendingOutcomes.PROPERTY, pending);
        }

        /**
         * Acknowledges within the open transaction; commits when enough records are open or none is in hand. A batch
         * counts as one: its records are already one message, one acknowledgement.
         */
        private void acknowledge(ClientMessage message, int records) {
            try {
                message.acknowledge();
                unacknowledged += records;
                if (unacknowledged >= acknowledgeBatch || consumer.getBufferSize() == 0 || closing) {
                    commit();
                } else {
                    commitSoon();
                }
            } catch (ActiveMQException e) {
                brokerLost(e);
            }
        }

        /**
         * Commits the open transaction; its outcomes count once the broker has it. A lane that has nothing more in
         * hand then asks the broker to go on dispatching ({@link #askForMore}).
         */
        private void commit() {
            if (unacknowledged == 0) {
                return;
            }
            try {
                session.commit();
                unacknowledged = 0;
                pending.countIn(getEndpoint().services().tracker());
                if (consumer.getBufferSize() == 0) {
                    askForMore();
                }
            } catch (ActiveMQException e) {
                brokerLost(e);
            }
        }

        /**
         * Asks the broker to dispatch what the queue holds. When a consumer joins (another lane, another instance),
         * the broker moves message groups to it but pauses dispatching until every record in flight is
         * acknowledged, so that two consumers never deliver one key at once ({@link dev.ferry.queue.SyncQueue}); it
         * resumes only when something prompts the queue, and a transaction's commit does not. Without this, a lane
         * that committed the last record in flight could leave the rest of the queue waiting for the next record
         * queued. The broker answers with a marker message, which the client drops.
         */
        private void askForMore() throws ActiveMQException {
            ((ClientSessionInternal) session).getSessionContext().forceDelivery(consumer, prompts++);
        }

        /**
         * Commits the open transaction soon, if no record comes meanwhile that commits it: a record delivered after
         * a full batch, or the last record in hand, commits at once; this catches the rest (the broker's own
         * messages in hand, a record that arrives after the check).
         */
        private void commitSoon() {
            if (commitScheduled.compareAndSet(false, true)) {
                sessions.timers().schedule(this::commitIfOpen, COMMIT_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }

        private void commitIfOpen() {
            if (!busy.tryLock()) {
                // a record is being delivered; its end commits or asks again
                sessions.timers().schedule(this::commitIfOpen, COMMIT_DELAY_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            try {
                commitScheduled.set(false);
                if (!closing && session != null) {
                    commit();
                }
            } finally {
                busy.unlock();
            }
        }

        private void rollback() {
            pending.discard();
            unacknowledged = 0;
            try {
                session.rollback();
            } catch (ActiveMQException e) {
                brokerLost(e);
            }
        }

        /**
         * The broker did not take an acknowledgement or a commit (it went away, or a reconnection rolled the
         * transaction back): the open transaction's records come again, and count then. If the client has
         * reconnected, the session goes on; {@link #connectionFailed} reopens it otherwise. The outage itself is
         * logged once, by the broker watch.
         */
        private void brokerLost(ActiveMQException e) {
            LOG.debug("Connector {}: delivery lane {} lost its open broker transaction ({} records come again)",
                    connector, number, unacknowledged, e);
            pending.discard();
            unacknowledged = 0;
            try {
                session.rollback();
            } catch (ActiveMQException again) {
                LOG.trace("rollback after a lost transaction", again);
            }
        }

        /** The client gave the connection up (it reconnects by itself when the broker URL asks it to). */
        @Override
        public void connectionFailed(ActiveMQException exception, boolean failedOver) {
            if (failedOver) {
                return;
            }
            busy.lock();
            try {
                pending.discard();
                unacknowledged = 0;
                closeQuietly();
                reopenLater();
            } finally {
                busy.unlock();
            }
        }

        @Override
        public void connectionFailed(ActiveMQException exception, boolean failedOver, String scaleDownTargetNodeID) {
            connectionFailed(exception, failedOver);
        }

        @Override
        public void beforeReconnect(ActiveMQException exception) {
        }

        /**
         * Stops taking records, waits for the one being delivered, commits what was delivered and closes: records
         * taken but not delivered go back to the queue.
         */
        void close() {
            closing = true;
            ClientConsumer taking = consumer;
            if (taking != null) {
                try {
                    taking.close(); // waits for the record being delivered; the records it holds go back
                } catch (ActiveMQException e) {
                    LOG.debug("Connector {}: closing delivery lane {}", connector, number, e);
                }
            }
            busy.lock();
            try {
                if (reopening != null) {
                    reopening.cancel(false);
                }
                if (session != null) {
                    commit();
                }
                closeQuietly();
            } finally {
                busy.unlock();
            }
        }

        private void closeQuietly() {
            if (session != null) {
                try {
                    session.close();
                } catch (ActiveMQException e) {
                    LOG.debug("Connector {}: closing delivery lane {}", connector, number, e);
                }
                session = null;
                consumer = null;
            }
        }
    }
}
