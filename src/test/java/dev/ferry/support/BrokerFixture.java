package dev.ferry.support;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.messaginghub.pooled.jms.JmsPoolConnectionFactory;

import dev.ferry.queue.EmbeddedBroker;
import dev.ferry.queue.SyncQueue;

/** The embedded broker on a test's own journal directory, with Ferry's pooled connection factory. */
public final class BrokerFixture implements AutoCloseable {

    private final EmbeddedBroker broker;
    private final JmsPoolConnectionFactory connectionFactory;
    private final SyncQueue queue;

    public BrokerFixture(Path directory) throws Exception {
        broker = new EmbeddedBroker(directory, "vm://0", Long.getLong("ferry.test.broker-memory", 64L << 20));
        broker.start();
        connectionFactory = new JmsPoolConnectionFactory();
        connectionFactory.setConnectionFactory(new ActiveMQConnectionFactory("vm://0"));
        queue = new SyncQueue(connectionFactory);
    }

    public SyncQueue queue() {
        return queue;
    }

    /** Takes every message now in the queue. */
    public List<Message> drain(String name) throws Exception {
        List<Message> messages = new ArrayList<>();
        try (Connection connection = connectionFactory.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = session.createConsumer(session.createQueue(name));
            connection.start();
            for (Message m = consumer.receive(2_000); m != null; m = consumer.receive(200)) {
                messages.add(m);
            }
        }
        return messages;
    }

    @Override
    public void close() {
        connectionFactory.stop();
        broker.stop();
    }
}
