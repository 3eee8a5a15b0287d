package dev.ferry.connector;

import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.ferry.runs.Conflict;

/**
 * Who holds a connector now: a run gathering or enqueueing, an operator's action on its runs or position, or a
 * reload replacing its routes. One at a time per connector — on this instance by a claim here, across the instances
 * of a cluster by the {@link ConnectorLock} a claim takes.
 */
public final class ConnectorClaims {

    /** In {@code processing}: the connector is held by a reload, not by a run. */
    private static final long RELOADING = -1L;

    private final ConnectorLock lock;
    private final Map<String, ConnectorLock.Held> locks = new ConcurrentHashMap<>();
    /** Held connectors, and the id of the run that holds each (0 before it has one, or for an operator's action). */
    private final Map<String, Long> processing = new ConcurrentHashMap<>();

    ConnectorClaims(ConnectorLock lock) {
        this.lock = lock;
    }

    /** Claims the connector here and across the cluster, or says why not. */
    void claim(String connector) throws Conflict, SQLException {
        Long current = processing.putIfAbsent(connector, 0L);
        if (current != null && current == RELOADING) {
            throw new Conflict("Connector " + connector + " is being reloaded; try again in a moment");
        }
        if (current != null) {
            throw new Conflict("Connector " + connector + " has a run processing"
                    + (current > 0 ? " (run " + current + ")" : "") + "; try again when it has submitted its records");
        }
        Optional<ConnectorLock.Held> held;
        try {
            held = lock.tryLock(connector);
        } catch (SQLException | RuntimeException e) {
            processing.remove(connector);
            throw e;
        }
        if (held.isEmpty()) {
            processing.remove(connector);
            throw new Conflict("Connector " + connector + " has a run processing on another Ferry instance;"
                    + " try again when it has submitted its records");
        }
        locks.put(connector, held.get());
    }

    /** The claim is a run's now: {@link #processing} names it. */
    void running(String connector, long runId) {
        processing.put(connector, runId);
    }

    void release(String connector) {
        ConnectorLock.Held held = locks.remove(connector);
        if (held != null) {
            held.close();
        }
        processing.remove(connector);
    }

    /** Whether this instance holds the connector now (a run, an operator's action, a reload). */
    public boolean holds(String connector) {
        return processing.containsKey(connector);
    }

    /** Why the connector is held on this instance, or empty. */
    Optional<String> holder(String connector) {
        Long current = processing.get(connector);
        if (current != null && current == RELOADING) {
            return Optional.of("its routes are being reloaded");
        }
        if (current != null) {
            return Optional.of("the previous run" + (current > 0 ? " (run " + current + ")" : "") + " is still processing");
        }
        return Optional.empty();
    }

    /**
     * Holds the connector while its routes are replaced (a reload): no run starts meanwhile. False when a run
     * holds it; the reload then waits.
     */
    public boolean hold(String connector) {
        return processing.putIfAbsent(connector, RELOADING) == null;
    }

    /** Ends a {@link #hold}. */
    public void unhold(String connector) {
        processing.remove(connector, RELOADING);
    }

    /** The id of the connector's run that is gathering or enqueueing, if any. */
    public Optional<Long> processing(String connector) {
        return Optional.ofNullable(processing.get(connector)).filter(id -> id > 0);
    }
}
