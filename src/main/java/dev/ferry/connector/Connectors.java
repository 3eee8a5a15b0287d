package dev.ferry.connector;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The connectors defined by the loaded route files, by id. */
public final class Connectors {

    private final Map<String, Connector> byId = new ConcurrentHashMap<>();

    void register(Connector connector) {
        byId.put(connector.id(), connector);
    }

    public Optional<Connector> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Collection<Connector> all() {
        return List.copyOf(byId.values());
    }
}
