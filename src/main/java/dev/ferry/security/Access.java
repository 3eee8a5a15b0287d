package dev.ferry.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import org.apache.camel.CamelContext;

import dev.ferry.Settings;

/**
 * Who may call Ferry's HTTP servers (the operations API and the management server), and what they may do.
 *
 * <p>Users log in with a name and a hashed password ({@link Users}) or a bearer token ({@link BearerTokens}).
 * Two roles: {@code reader} reads everything, {@code operator} also acts (run, preview, submit, delete, enable,
 * disable, move positions, re-queue, park, housekeep). With no users and no token keys, Ferry serves only on
 * loopback and every caller acts as an operator; bound to any other address it refuses to start. Failed logins
 * are throttled per client and per user name ({@link LoginThrottle}).
 *
 * <p>One instance per Ferry, in the registry as {@value #BEAN}: both servers and Jolokia share its users and its
 * throttle. Problems name the file and key, never a password.
 */
public final class Access {

    public static final String READER = "reader";
    public static final String OPERATOR = "operator";
    static final Set<String> ROLES = Set.of(READER, OPERATOR);
    /** Registry name of the one instance. */
    public static final String BEAN = "ferryAccess";
    /** The principal Ferry gives an authenticated caller: its name, and its roles. */
    static final String NAME_CLAIM = "ferryName";
    static final String ROLES_CLAIM = "roles";
    private static final int MAX_NAME_LENGTH = 128;
    private static final Pattern CONTROL = Pattern.compile("\\p{Cc}");

    private final Users users;
    private final BearerTokens tokens;
    private final LoginThrottle throttle;
    private final CrossSite crossSite;

    private Access(Users users, BearerTokens tokens, LoginThrottle throttle, CrossSite crossSite) {
        this.users = users;
        this.tokens = tokens;
        this.throttle = throttle;
        this.crossSite = crossSite;
    }

    /** Ferry's one instance: from the registry, or read from the settings and bound there. */
    public static Access of(CamelContext camel) {
        synchronized (camel) {
            Access access = camel.getRegistry().lookupByNameAndType(BEAN, Access.class);
            if (access == null) {
                Clock clock = camel.getRegistry().lookupByNameAndType("clock", Clock.class);
                access = from(new Settings(camel.getPropertiesComponent()), clock == null ? Clock.systemUTC() : clock);
                camel.getRegistry().bind(BEAN, Access.class, access);
            }
            return access;
        }
    }

    /** Reads the access settings; every problem names the file or key, and all are reported at once. */
    public static Access from(Settings settings, Clock clock) {
        List<String> problems = new ArrayList<>();
        Users users = Users.read(settings, clock, problems);
        BearerTokens tokens = BearerTokens.read(settings, problems);
        int maxFailures = settings.positiveInt(Settings.SECURITY_LOGIN_MAX_FAILURES);
        Duration window = settings.duration(Settings.SECURITY_LOGIN_WINDOW);
        CrossSite crossSite = CrossSite.read(settings, problems);
        try {
            settings.validate();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Ferry's access settings are invalid:\n  " + String.join("\n  ", problems));
        }
        return new Access(users, tokens, new LoginThrottle(clock, maxFailures, window), crossSite);
    }

    /** Whether callers must authenticate. */
    public boolean enabled() {
        return users.any() || tokens != null;
    }

    Users users() {
        return users;
    }

    /** The token keys, or null. */
    BearerTokens tokens() {
        return tokens;
    }

    LoginThrottle throttle() {
        return throttle;
    }

    CrossSite crossSite() {
        return crossSite;
    }

    /** How callers authenticate, for the start-up log. */
    public String methods() {
        List<String> methods = new ArrayList<>();
        if (users.any()) {
            methods.add("HTTP Basic");
        }
        if (tokens != null) {
            methods.add("bearer token (" + String.join(", ", new TreeSet<>(tokens.algorithms())) + ")");
        }
        return String.join(" or ", methods);
    }

    /**
     * Refuses a server bound beyond loopback without Ferry's authentication. (Camel's own
     * {@code camel.server.authentication-*} settings do not count: Ferry's roles need Ferry's users.)
     *
     * @param what the server, for the message
     */
    public void checkBinding(String what, String hostKey, String host) {
        if (enabled() || isLoopback(host)) {
            return;
        }
        throw new IllegalStateException("Refusing to start: " + what + " would listen on " + host + " (" + hostKey
                + ") without authentication, so anyone who can reach it could run and change connectors. Bind it to"
                + " 127.0.0.1, or configure users (" + Settings.SECURITY_USERS_FILE.key() + " or the environment variable"
                + " FERRY_SECURITY_USERS) or bearer tokens (" + Settings.SECURITY_JWT_KEYSTORE_TYPE.key() + ")");
    }

    static boolean isLoopback(String host) {
        if (host == null || host.isBlank() || "0.0.0.0".equals(host) || "::".equals(host)) {
            return false;
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** What is wrong with a caller's name (empty, too long, control characters such as a forged log line), or empty. */
    static Optional<String> nameProblem(String name) {
        if (name == null || name.isBlank()) {
            return Optional.of("is empty");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            return Optional.of("is longer than " + MAX_NAME_LENGTH + " characters");
        }
        if (CONTROL.matcher(name).find()) {
            return Optional.of("contains control characters (" + printable(name) + ")");
        }
        return Optional.empty();
    }

    /** A text from a caller as it may be shown: control characters escaped, at most 128 characters. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(MAX_NAME_LENGTH).forEach(c -> {
            if (Character.getType(c) == Character.CONTROL) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /** The caller as a request handler sees it: a name and roles. */
    public record Caller(String name, Set<String> roles) {
        /** Everyone, when Ferry serves on loopback with no users configured. */
        static final Caller LOCAL = new Caller("local", ROLES);

        public boolean may(String role) {
            return roles.contains(OPERATOR) || roles.contains(role);
        }
    }

    /**
     * The caller of a request: the user Ferry authenticated, or {@link Caller#LOCAL} when authentication is
     * off; null when it is on and the request did not authenticate.
     */
    public Caller caller(Object authenticatedUser) {
        if (!(authenticatedUser instanceof User user) || !user.principal().containsKey(NAME_CLAIM)) {
            return enabled() ? null : Caller.LOCAL;
        }
        JsonObject principal = user.principal();
        Set<String> roles = new LinkedHashSet<>();
        Object claimed = principal.getValue(ROLES_CLAIM);
        if (claimed instanceof JsonArray array) {
            array.forEach(role -> roles.add(String.valueOf(role).toLowerCase(Locale.ROOT)));
        }
        roles.retainAll(ROLES);
        return new Caller(principal.getString(NAME_CLAIM), Set.copyOf(roles));
    }

    /** The Vert.x user of an account that logged in. */
    static User user(String name, Set<String> roles) {
        return User.create(new JsonObject().put(NAME_CLAIM, name).put(ROLES_CLAIM, new JsonArray(List.copyOf(roles))));
    }
}
