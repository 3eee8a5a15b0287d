package dev.ferry.connector;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

import org.apache.camel.CamelContext;
import org.apache.camel.component.properties.PropertiesComponent;

/**
 * Configuration keys held at the value a connector runs with, after a change to them did not load (or, for keys that
 * are not a connector's, until Ferry starts again): each is set as one of Camel's override properties, which win over
 * the files, and what the override was before is kept to put back when the key is let go.
 */
final class PinnedProperties {

    private final CamelContext camel;
    /** Each held key with the override it had before (empty: none). */
    private final Map<String, Optional<String>> before = new HashMap<>();

    PinnedProperties(CamelContext camel) {
        this.camel = camel;
    }

    /** The keys held now. */
    Set<String> keys() {
        return Set.copyOf(before.keySet());
    }

    /** Holds the key at this value (a key the connector ran without is held empty, which Ferry's options read as not set). */
    void pin(String key, Optional<String> value) {
        Properties overrides = overrides();
        if (overrides == null || before.containsKey(key)) {
            return;
        }
        before.put(key, Optional.ofNullable(overrides.getProperty(key)));
        overrides.setProperty(key, value.orElse(""));
    }

    /** Lets the key go: the files' value is in effect again (or the override it had before). */
    void unpin(String key) {
        Properties overrides = overrides();
        Optional<String> was = before.remove(key);
        if (overrides == null || was == null) {
            return;
        }
        if (was.isPresent()) {
            overrides.setProperty(key, was.get());
        } else {
            overrides.remove(key);
        }
    }

    private Properties overrides() {
        return camel.getPropertiesComponent() instanceof PropertiesComponent impl ? impl.getOverrideProperties() : null;
    }
}
