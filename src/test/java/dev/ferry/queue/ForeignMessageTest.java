package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import jakarta.jms.Connection;
import jakarta.jms.MessageProducer;
import jakarta.jms.ObjectMessage;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.LogCapture;
import dev.ferry.support.RunningFerry;

/**
 * A sync queue on a shared broker can be written by anything with the {@code send} permission (issue 16, finding 8).
 * An {@code ObjectMessage} put there — a deserialization gadget on a class path with Groovy and commons-beanutils — is
 * refused without being deserialized; a text message Ferry did not queue is refused without reaching the target;
 * both are logged and leave the queue, and the connector goes on delivering its own records.
 */
class ForeignMessageTest {

    private static final String C = "customers-to-erp";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    /** What an attacker sends: deserializing it runs code (here: writes a file). */
    static final class Gadget implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String path;

        Gadget(String path) {
            this.path = path;
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            Files.writeString(Path.of(path), "deserialized");
        }
    }

    @Test
    void anObjectMessageIsRefusedUnreadAndAForeignTextNeverReachesTheTarget() throws Exception {
        RunningFerry ferry = fixture.start();
        Path proof = fixture.data().resolve("gadget-ran");
        String broker = fixture.properties().getOrDefault("ferry.broker.url", "vm://0");
        try (LogCapture log = new LogCapture();
             ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(broker);
             Connection connection = factory.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = session.createProducer(session.createQueue("ferry." + C));
            ObjectMessage object = session.createObjectMessage(new Gadget(proof.toString()));
            // dressed as a record of the connector's: refused all the same
            object.setStringProperty(RecordHeaders.CONNECTOR, C);
            object.setLongProperty(RecordHeaders.RUN_ID, 1);
            object.setStringProperty(RecordHeaders.RECORD_KEY, "1");
            producer.send(object);
            TextMessage text = session.createTextMessage("{\"id\": 4242, \"company_name\": \"Not From Ferry\"}");
            producer.send(text);

            await().atMost(Duration.ofSeconds(30)).until(() -> log.lines().stream()
                    .filter(l -> l.contains("a message on its sync queue was refused unread and dropped")).count() == 2);
            assertThat(log.lines()).anySatisfy(l -> assertThat(l).contains("Connector " + C)
                    .contains("it is a JMS ObjectMessage, and Ferry queues records as text only"))
                    .anySatisfy(l -> assertThat(l).contains("it has no FerryConnector and FerryRunId: Ferry did not queue it"));
        }
        assertThat(proof).as("the gadget was never deserialized").doesNotExist();
        await().atMost(Duration.ofSeconds(15)).until(() -> ferry.bean("ferrySyncQueue", SyncQueue.class).depth("ferry." + C) == 0);
        assertThat(fixture.target().requests("/erp/customers")).isEmpty();

        assertThat(ferry.runAndAwait(C).status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(fixture.target().customerNumbers("/erp/customers")).hasSize(60).doesNotContain("C-004242");
        assertThat(fixture.target().received("/erp/customers")).noneMatch(body -> body.toString().contains("Not From Ferry"));
        assertThat(proof).doesNotExist();
    }
}
