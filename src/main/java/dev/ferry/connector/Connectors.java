package dev.ferry.connector;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The connectors defined by the loaded route files, by id: those whose routes run, and those whose routes start
 * after Ferry is ready ({@code ferry.connectors.start-before-ready}).
 */
public final class Connectors {

    /** Starts a connector's routes at once if they are still waiting for their turn after start-up. */
    public interface Starter {
        void startNow(String connector);
    }

    private final Map<String, Connector> byId = new ConcurrentHashMap<>();
    private final Map<String, String> rejected = new ConcurrentHashMap<>();
    private volatile Starter starter = connector -> {
    };

    public void starter(Starter starter) {
        this.starter = starter;
    }

    /**
     * Makes sure the connector's routes run before an operator acts on it: a connector defined at start-up whose
     * routes still wait for their turn in the background starts now, in the caller's thread.
     */
    public void requireRoutes(String id) {
        starter.startNow(id);
    }

    public void register(Connector connector) {
        byId.put(connector.id(), connector);
        // a new definition (a reload) is checked afresh
        rejected.remove(connector.id());
    }

    /** The connector's file was deleted: it is no longer defined (its state, queue and ledger stay). */
    void unregister(String id) {
        byId.remove(id);
        rejected.remove(id);
    }

    /** The connector's definition does not work with its source: it does not run. */
    public void reject(String id, String reason) {
        rejected.put(id, reason);
    }

    /** Why the connector does not run, if it was rejected at start-up. */
    public Optional<String> rejection(String id) {
        return Optional.ofNullable(rejected.get(id));
    }

    public Optional<Connector> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Collection<Connector> all() {
        return List.copyOf(byId.values());
    }
}
