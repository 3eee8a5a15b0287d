package dev.ferry.cluster;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.cluster.Instances.Instance;

/**
 * Which instances are alive, as this instance sees them. An instance is alive while its beat count moves: each
 * look notes, by this instance's own clock, since when a count has stood still, and one that stood still for
 * the lease is gone — whatever the other machine's clock or the database's says. A clean stop is gone at once.
 * The recovery's thread updates it; the operations API reads it.
 */
final class ClusterView {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterView.class);

    private final String self;
    private final Clock clock;
    private final Duration lease;
    /** Per instance name: the beat count (and incarnation) last seen, and when it was first seen at that count. */
    private final Map<String, Seen> seen = new HashMap<>();
    private final Set<String> gone = new HashSet<>();
    private final Map<String, Instance> rows = new HashMap<>();

    private record Seen(long beats, String incarnation, long sinceMillis) {
    }

    ClusterView(String self, Clock clock, Duration lease) {
        this.self = self;
        this.clock = clock;
        this.lease = lease;
    }

    /** Takes a fresh read of the instance table; logs each instance that is gone, or back, since the last look. */
    synchronized void update(List<Instance> instances) {
        long now = clock.millis();
        Set<String> names = new HashSet<>();
        rows.clear();
        for (Instance instance : instances) {
            names.add(instance.name());
            rows.put(instance.name(), instance);
            Seen last = seen.get(instance.name());
            if (last == null || last.beats() != instance.beats() || !last.incarnation().equals(instance.incarnation())) {
                seen.put(instance.name(), new Seen(instance.beats(), instance.incarnation(), now));
            }
            boolean isGone = !instance.name().equals(self) && (instance.stopped()
                    || now - seen.get(instance.name()).sinceMillis() >= lease.toMillis());
            if (isGone && gone.add(instance.name()) && !instance.stopped()) {
                LOG.warn("Ferry instance {} (on {}) is gone: its heartbeat has not moved for {} s (last beat {} by the"
                        + " state database's clock). Runs it was gathering are failed and runs it was delivering are"
                        + " finished here once their queues are empty", instance.name(), instance.host(),
                        lease.toSeconds(), instance.beatAt());
            } else if (!isGone && gone.remove(instance.name())) {
                LOG.info("Ferry instance {} (on {}) beats again", instance.name(), instance.host());
            }
        }
        seen.keySet().retainAll(names);
        gone.retainAll(names);
    }

    /** The instances that are alive now, with their beat counts (this instance among them). */
    synchronized Map<String, Long> alive() {
        Map<String, Long> alive = new HashMap<>();
        seen.forEach((name, s) -> {
            if (!gone.contains(name)) {
                alive.put(name, s.beats());
            }
        });
        return alive;
    }

    /** How this instance sees another: {@code stopped} (cleanly), {@code gone} (heartbeat stood still), or {@code alive}. */
    synchronized String state(Instance instance) {
        if (instance.stopped()) {
            return "stopped";
        }
        return gone.contains(instance.name()) ? "gone" : "alive";
    }

    /** The beat count last seen of an instance that is alive; empty when it is gone or unknown. */
    synchronized Optional<Long> beats(String name) {
        Seen s = seen.get(name);
        return s == null || gone.contains(name) ? Optional.empty() : Optional.of(s.beats());
    }

    /** The instances that are gone without stopping cleanly: counts they held in memory were lost with them. */
    synchronized List<String> lost() {
        List<String> lost = new ArrayList<>();
        for (String name : gone) {
            Instance row = rows.get(name);
            if (row != null && !row.stopped()) {
                lost.add(name);
            }
        }
        lost.sort(null);
        return lost;
    }
}
