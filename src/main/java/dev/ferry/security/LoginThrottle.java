package dev.ferry.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Slows password guessing: after {@code maxFailures} failed logins within {@code window}, from one client
 * address or for one user name (from anywhere), further attempts from that client or for that name are refused
 * at once, without hashing, until the oldest of those failures is older than the window. A refused attempt
 * costs nothing, so a flood of guesses cannot take the processor from the users who log in meanwhile.
 *
 * <p>A name locked this way is locked for its real owner too, for at most the window: the price of telling an
 * attacker nothing about which guesses came close.
 */
final class LoginThrottle {

    /** Names and addresses remembered at most; beyond it the ones with no failure in the window are forgotten. */
    private static final int MAX_TRACKED = 10_000;

    private final Clock clock;
    private final int maxFailures;
    private final Duration window;
    private final Map<String, Deque<Instant>> byClient = new HashMap<>();
    private final Map<String, Deque<Instant>> byUser = new HashMap<>();

    LoginThrottle(Clock clock, int maxFailures, Duration window) {
        this.clock = clock;
        this.maxFailures = maxFailures;
        this.window = window;
    }

    /** How long this client, or this user name, must wait before its next attempt; empty when it may try now. */
    synchronized Optional<Duration> refusedFor(String client, String user) {
        Instant now = clock.instant();
        Duration byAddress = wait(byClient.get(client), now);
        Duration byName = user == null ? Duration.ZERO : wait(byUser.get(user), now);
        Duration wait = byAddress.compareTo(byName) >= 0 ? byAddress : byName;
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    private Duration wait(Deque<Instant> failures, Instant now) {
        if (failures == null) {
            return Duration.ZERO;
        }
        expire(failures, now);
        return failures.size() < maxFailures ? Duration.ZERO : Duration.between(now, failures.peekFirst().plus(window));
    }

    /**
     * Counts a failed login; returns what it locked, for the log (once): {@code address 10.0.0.1}, {@code user anna}
     * (the name as it may be shown), or both; empty when it locked nothing.
     */
    synchronized Optional<String> failed(String client, String user) {
        Instant now = clock.instant();
        List<String> locked = new ArrayList<>();
        if (record(byClient, client, now)) {
            locked.add("address " + client);
        }
        if (user != null && record(byUser, user, now)) {
            locked.add("user " + Access.printable(user));
        }
        return locked.isEmpty() ? Optional.empty() : Optional.of(String.join(" and ", locked));
    }

    Duration window() {
        return window;
    }

    int maxFailures() {
        return maxFailures;
    }

    /** A successful login forgives the name's failures (a typo before the right password), not the address's. */
    synchronized void succeeded(String user) {
        byUser.remove(user);
    }

    private boolean record(Map<String, Deque<Instant>> failures, String key, Instant now) {
        if (failures.size() >= MAX_TRACKED && !failures.containsKey(key)) {
            forgetQuiet(failures, now);
        }
        Deque<Instant> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        expire(times, now);
        times.addLast(now);
        boolean locks = times.size() == maxFailures;
        while (times.size() > maxFailures) {
            times.removeFirst();
        }
        return locks;
    }

    private void forgetQuiet(Map<String, Deque<Instant>> failures, Instant now) {
        for (Iterator<Deque<Instant>> it = failures.values().iterator(); it.hasNext(); ) {
            Deque<Instant> times = it.next();
            expire(times, now);
            if (times.isEmpty()) {
                it.remove();
            }
        }
    }

    private void expire(Deque<Instant> times, Instant now) {
        while (!times.isEmpty() && !times.peekFirst().plus(window).isAfter(now)) {
            times.removeFirst();
        }
    }
}
