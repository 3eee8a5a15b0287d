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
     * What moving a connector's position would do: the watermark it would get (null: the beginning) and the rows a run
     * would read from it now, beside the same for its current watermark — written as the connector view writes them.
     */
    public record MoveCheck(String position, String watermark, long rows, String currentWatermark, long rowsFromCurrent) {
    }

    /**
     * A dry run of {@link #move}: the watermark {@code position} names and how many rows a run would gather from it
     * now, beside the same for the current watermark. Reads the source only; moves nothing.
     */
    public MoveCheck check(Connector connector, String position) throws SQLException {
        Watermark target = gatherer.position(connector.id(), connector.source(), position);
        Watermark current = watermarks.load(connector.id()).orElse(null);
        return new MoveCheck(position, target == null ? null : target.toString(),
                gatherer.pending(connector.id(), connector.source(), target),
                current == null ? null : current.toString(), gatherer.pending(connector.id(), connector.source(), current));
    }

    /** {@link #move(Connector, String, String, String)} with the audit's reason saying only where it moved. */
    public Watermark move(Connector connector, String position, String by) throws Conflict, SQLException {
        return move(connector, position, null, by);
    }

    /**
     * Moves the connector's watermark to {@code position}; refused while a run of the connector is processing or a
     * preview of it awaits review. The audit keeps who, when, from, to and why ({@code reason}; when blank, where it
     * was set). Returns the new watermark (null: the beginning).
     */
    public Watermark move(Connector connector, String position, String reason, String by) throws Conflict, SQLException {
        claims.claim(connector.id());
        try {
            runs.requireNoPendingPreview(connector.id(), "moving the position");
            Watermark target = gatherer.position(connector.id(), connector.source(), position);
            watermarks.reposition(connector.id(), target, by,
                    reason == null || reason.isBlank() ? "position set to '" + position + "'" : reason.strip());
            LOG.info("Connector {}: position set to {} ({}) by {}{}", connector.id(), position,
                    target == null ? "the beginning" : target, by, reason == null || reason.isBlank() ? "" : ": " + reason.strip());
            return target;
        } finally {
            claims.release(connector.id());
        }
    }
}
