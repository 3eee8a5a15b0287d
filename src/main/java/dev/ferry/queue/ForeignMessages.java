package dev.ferry.queue;

import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.MapMessage;
import jakarta.jms.ObjectMessage;
import jakarta.jms.StreamMessage;
import jakarta.jms.TextMessage;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.component.jms.JmsMessage;
import org.apache.camel.model.ModelLifecycleStrategySupport;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.support.RoutePolicySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a deliver route to the records Ferry queued. A sync queue on a shared broker can be written by anything
 * with the broker's {@code send} permission; Ferry itself puts only text messages there, each with its
 * connector and run. Anything else — an {@code ObjectMessage} above all, whose body a consumer would
 * deserialize with every library on the class path within reach — is refused before the route reads it: logged
 * with its JMS id, never deserialized (the connection factory denies every class as well), never delivered, and
 * acknowledged, so it does not come back. It is not a record: no run counts it and no ledger holds it.
 */
public final class ForeignMessages extends RoutePolicySupport {

    private static final Logger LOG = LoggerFactory.getLogger("dev.ferry.delivery");
    private static final String DELIVER_SUFFIX = "-deliver";
    private static final String JMS_SCHEME = "jms:";

    private final String connector;

    ForeignMessages(String connector) {
        this.connector = connector;
    }

    /**
     * Puts the guard on every deliver route ({@code <connector>-deliver}) that consumes the queue with camel-jms, as it
     * is added, reloaded ones too; {@code ferry:queue} refuses foreign messages itself.
     */
    public static ModelLifecycleStrategySupport onDeliverRoutes() {
        return new ModelLifecycleStrategySupport() {
            @Override
            public void onAddRouteDefinition(RouteDefinition route) {
                String id = route.getRouteId();
                String from = route.getInput() == null ? null : route.getInput().getEndpointUri();
                if (id != null && id.endsWith(DELIVER_SUFFIX) && from != null && from.startsWith(JMS_SCHEME)) {
                    route.routePolicy(new ForeignMessages(id.substring(0, id.length() - DELIVER_SUFFIX.length())));
                }
            }
        };
    }

    @Override
    public void onExchangeBegin(Route route, Exchange exchange) {
        if (!(exchange.getMessage() instanceof JmsMessage message) || message.getJmsMessage() == null) {
            return;
        }
        jakarta.jms.Message jms = message.getJmsMessage();
        String why = refusal(jms);
        if (why != null) {
            LOG.error("Connector {}: a message on its sync queue was refused unread and dropped (JMS id {}): {}", connector,
                    id(jms), why);
            exchange.setRouteStop(true);
        }
    }

    private String refusal(jakarta.jms.Message jms) {
        if (!(jms instanceof TextMessage)) {
            return refusal(connector, "a JMS " + kind(jms), null, false);
        }
        try {
            return refusal(connector, null, jms.getStringProperty(RecordHeaders.CONNECTOR),
                    jms.propertyExists(RecordHeaders.RUN_ID));
        } catch (JMSException e) {
            return "its properties cannot be read (" + e.getMessage() + ")";
        }
    }

    /**
     * Why a message on {@code connector}'s sync queue is not a record Ferry queued for it, or null when it is one.
     *
     * @param notText what the message is when it is not a text message (null for text)
     * @param owner its {@link RecordHeaders#CONNECTOR}, or null
     * @param hasRun whether it has a {@link RecordHeaders#RUN_ID}
     */
    public static String refusal(String connector, String notText, String owner, boolean hasRun) {
        if (notText != null) {
            return "it is " + notText + ", and Ferry queues records as text only";
        }
        if (owner == null || !hasRun) {
            return "it has no " + RecordHeaders.CONNECTOR + " and " + RecordHeaders.RUN_ID + ": Ferry did not queue it";
        }
        return connector.equals(owner) ? null : "it is a record of connector " + owner;
    }

    /** What a message of Artemis' core type {@code type} (not text) is, in JMS' words. */
    public static String kind(byte type) {
        return "a JMS " + switch (type) {
            case Message.OBJECT_TYPE -> "ObjectMessage";
            case Message.BYTES_TYPE -> "BytesMessage";
            case Message.MAP_TYPE -> "MapMessage";
            case Message.STREAM_TYPE -> "StreamMessage";
            default -> "Message without a body (broker type " + type + ")";
        };
    }

    private static String kind(jakarta.jms.Message jms) {
        if (jms instanceof ObjectMessage) {
            return "ObjectMessage";
        }
        if (jms instanceof BytesMessage) {
            return "BytesMessage";
        }
        if (jms instanceof MapMessage) {
            return "MapMessage";
        }
        return jms instanceof StreamMessage ? "StreamMessage" : "Message without a body";
    }

    private static String id(jakarta.jms.Message jms) {
        try {
            return jms.getJMSMessageID();
        } catch (JMSException e) {
            return "unknown";
        }
    }
}
