package dev.ferry.connector;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an edit of the configuration files means for the connectors, worked out from the values alone: the changed keys
 * of each connector ({@code <connector>.*}, by its route file), the changed keys that are no connector's, and the keys
 * held at their previous value ({@link PinnedProperties}) that the files have at that value again.
 *
 * @param byFile   changed keys of a connector, by the route file that defines it
 * @param global   changed keys that are no connector's: they take effect when Ferry starts again
 * @param restored held keys back at the value in effect: simply in effect again
 */
record PropertyChanges(Map<Path, Set<String>> byFile, Set<String> global, Set<String> restored) {

    /**
     * @param accepted   the values in effect
     * @param now        the values the files hold now
     * @param pinned     the keys held at their previous value for a connector whose reload failed
     * @param connectors the connector of each route file
     */
    static PropertyChanges of(Map<String, String> accepted, Map<String, String> now, Set<String> pinned,
                              Map<Path, String> connectors) {
        Set<String> keys = new LinkedHashSet<>(accepted.keySet());
        keys.addAll(now.keySet());
        Map<Path, Set<String>> byFile = new LinkedHashMap<>();
        Set<String> global = new TreeSet<>();
        for (String key : new TreeSet<>(keys)) {
            if (Objects.equals(accepted.get(key), now.get(key))) {
                continue;
            }
            Optional<Path> owner = connectors.entrySet().stream().filter(e -> key.startsWith(e.getValue() + "."))
                    .map(Map.Entry::getKey).findFirst();
            if (owner.isPresent()) {
                byFile.computeIfAbsent(owner.get(), f -> new TreeSet<>()).add(key);
            } else {
                global.add(key);
            }
        }
        Set<String> restored = new TreeSet<>();
        for (String key : pinned) {
            if (Objects.equals(accepted.get(key), now.get(key))) {
                restored.add(key);
            }
        }
        return new PropertyChanges(byFile, global, restored);
    }

    boolean none() {
        return byFile.isEmpty() && global.isEmpty() && restored.isEmpty();
    }
}
