package dev.ferry.component;

import java.time.Clock;

import dev.ferry.connector.ConnectorRunner;
import dev.ferry.connector.Connectors;
import dev.ferry.gather.UnreachableSources;
import dev.ferry.queue.DeliverySessions;
import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.RunTracker;
import dev.ferry.schedule.ConnectorSchedules;

/** What the {@code ferry:} steps work with in a running Ferry, handed to the component when Ferry is wired. */
public record FerryServices(Connectors connectors, ConnectorRunner runner, ConnectorSchedules schedules, SyncQueue queue,
                            FailureLedger failures, RunTracker tracker, Clock clock,
                            DeliverySessions deliverySessions, UnreachableSources unreachableSources,
                            PackProgress packProgress) {
}
