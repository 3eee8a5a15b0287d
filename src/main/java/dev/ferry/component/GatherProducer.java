package dev.ferry.component;

import java.util.Map;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.connector.Connector;
import dev.ferry.queue.RecordHeaders;
import dev.ferry.runs.Conflict;
import dev.ferry.runs.Trigger;
import dev.ferry.schedule.ConnectorSchedules;

/**
 * {@code ferry:gather}: one run of the connector per exchange. The trigger of the run is the {@code FerryTrigger}
 * header if set, else the Quartz job-data entry that {@link ConnectorSchedules#fireNow} sets, else SCHEDULE. A
 * fire starts a run only if {@link ConnectorSchedules#admit} admits it and the connector's previous run is not
 * still processing. Sets {@code FerryRunId} on the exchange (absent when no run started).
 */
final class GatherProducer extends SynchronousProducer {

    private static final Logger LOG = LoggerFactory.getLogger(GatherProducer.class);

    /** Header (or Quartz job-data entry {@code ferryTrigger}) naming what started a run. */
    static final String TRIGGER_HEADER = "FerryTrigger";

    GatherProducer(FerryEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    void processNow(Exchange exchange) throws Exception {
        Connector definition = getEndpoint().definition();
        FerryServices services = getEndpoint().services();
        Trigger trigger = trigger(exchange);
        Optional<String> rejection = services.connectors().rejection(definition.id());
        if (rejection.isPresent()) {
            LOG.warn("Connector {}: a {} fire did not start a run: the connector was rejected at start-up: {}",
                    definition.id(), trigger, rejection.get());
            return;
        }
        ConnectorSchedules schedules = services.schedules();
        // Before admission counts the fire toward end-after-runs: a fire that cannot run does not count.
        Optional<String> busy = services.runner().busy(definition);
        if (busy.isPresent()) {
            schedules.overlapped(definition.id(), trigger, busy.get());
            return;
        }
        ConnectorSchedules.Admission admission = schedules.admit(definition.id(), trigger);
        if (!admission.run()) {
            LOG.info("Connector {}: a {} fire did not start a run: {}", definition.id(), trigger, admission.reason());
            return;
        }
        try {
            long runId = services.runner().run(definition, trigger,
                    () -> getEndpoint().getCamelContext().isStopping() || !isRunAllowed());
            exchange.getMessage().setHeader(RecordHeaders.RUN_ID, runId);
        } catch (Conflict refused) {
            schedules.overlapped(definition.id(), trigger, refused.getMessage());
        }
    }

    private static Trigger trigger(Exchange exchange) {
        Object trigger = exchange.getMessage().getHeader(TRIGGER_HEADER);
        if (trigger == null && exchange.getMessage().getHeader("mergedJobDataMap") instanceof Map<?, ?> jobData) {
            trigger = jobData.get(ConnectorSchedules.TRIGGER_JOB_DATA);
        }
        return trigger == null ? Trigger.SCHEDULE : Trigger.valueOf(trigger.toString());
    }
}
