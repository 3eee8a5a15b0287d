package dev.ferry.connector;

import java.sql.SQLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.gather.Gatherer;
import dev.ferry.runs.Conflict;
import dev.ferry.runs.RunLedger;
import dev.ferry.watermark.Watermark;
import dev.ferry.watermark.WatermarkStore;

/**
 * Moves a connector's position (its watermark) as an operator asks: {@code beginning} (everything again),
 * {@code now} (only later changes), or a cursor value (rows at it and after). The move holds the connector as a run
 * does, so that no run gathers from a position that moves under it, and is audited in the watermark's history.
 */
public final class Positions {

    private static final Logger LOG = LoggerFactory.getLogger(Positions.class);

    private final ConnectorClaims claims;
    private final RunLedger runs;
    private final WatermarkStore watermarks;
    private final Gatherer gatherer;

    public Positions(ConnectorClaims claims, RunLedger runs, WatermarkStore watermarks, Gatherer gatherer) {
        this.claims = claims;
        this.runs = runs;
        this.watermarks = watermarks;
        this.gatherer = gatherer;
    }

    /**
     * Moves the connector's watermark to {@code position}; refused while a run of the connector is processing or a
     * preview of it awaits review. Returns the new watermark (null: the beginning).
     */
    public Watermark move(Connector connector, String position, String by) throws Conflict, SQLException {
        claims.claim(connector.id());
        try {
            runs.requireNoPendingPreview(connector.id(), "moving the position");
            Watermark target = gatherer.position(connector.source(), position);
            watermarks.reposition(connector.id(), target, by, "position set to '" + position + "'");
            LOG.info("Connector {}: position set to {} ({}) by {}", connector.id(), position,
                    target == null ? "the beginning" : target, by);
            return target;
        } finally {
            claims.release(connector.id());
        }
    }
}
