package dev.ferry.ops;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.KeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.AuthenticationProvider;
import io.vertx.ext.auth.authentication.Credentials;
import io.vertx.ext.auth.authentication.UsernamePasswordCredentials;

import dev.ferry.Settings;

/**
 * Who may call Ferry's HTTP endpoints, and what they may do.
 *
 * <p>Users come from a file ({@code ferry.security.users-file}), from {@code ferry.security.users}
 * (for the environment), and from bearer tokens verified with a keystore ({@code ferry.security.jwt.*}).
 * Two roles: {@code reader} reads everything, {@code operator} also acts (run, preview, submit, delete,
 * enable, disable, move positions, re-queue, park, housekeep). With no users configured, Ferry serves
 * only on loopback and every caller acts as an operator; bound to any other address it refuses to start.
 *
 * <p>Passwords are never logged or returned: problems name the file, the line's user and the key only.
 */
public final class Access {

    public static final String READER = "reader";
    public static final String OPERATOR = "operator";
    private static final Set<String> ROLES = Set.of(READER, OPERATOR);
    private static final String HASH_PREFIX = "{pbkdf2-sha256}";
    private static final int HASH_ITERATIONS = 210_000;

    /** A configured user: name, the stored password (plain or hashed) and roles. */
    record Account(String name, String password, Set<String> roles) {
        @Override
        public String toString() {
            return "Account[" + name + ", roles=" + roles + "]";
        }
    }

    private final Map<String, Account> accounts;
    private final JwtKeys jwt;

    /** Keystore settings for bearer tokens; null when not configured. */
    record JwtKeys(String type, String path, String password) {
        @Override
        public String toString() {
            return "JwtKeys[" + type + ", " + path + "]";
        }
    }

    Access(Map<String, Account> accounts, JwtKeys jwt) {
        this.accounts = accounts;
        this.jwt = jwt;
    }

    /** Reads the access settings; every problem names the file or key. */
    public static Access from(Settings settings) {
        Map<String, Account> accounts = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        String file = settings.string(Settings.SECURITY_USERS_FILE).trim();
        if (!file.isEmpty()) {
            readFile(Path.of(file), accounts, problems);
        }
        String inline = settings.string(Settings.SECURITY_USERS).trim();
        if (!inline.isEmpty()) {
            readInline(inline, accounts, problems);
        }
        JwtKeys jwt = null;
        String type = settings.string(Settings.SECURITY_JWT_KEYSTORE_TYPE).trim();
        if (!type.isEmpty()) {
            String path = settings.string(Settings.SECURITY_JWT_KEYSTORE_PATH).trim();
            if (path.isEmpty() || !Files.isReadable(Path.of(path))) {
                problems.add(Settings.SECURITY_JWT_KEYSTORE_PATH.key() + ": names no readable keystore ('" + path + "')");
            }
            jwt = new JwtKeys(type, path, settings.string(Settings.SECURITY_JWT_KEYSTORE_PASSWORD));
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Ferry's access settings are invalid:\n  " + String.join("\n  ", problems));
        }
        return new Access(accounts, jwt);
    }

    private static void readFile(Path file, Map<String, Account> accounts, List<String> problems) {
        Properties lines = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            lines.load(in);
        } catch (IOException e) {
            problems.add(Settings.SECURITY_USERS_FILE.key() + ": cannot read " + file.toAbsolutePath() + " (" + e.getMessage() + ")");
            return;
        }
        for (String key : lines.stringPropertyNames()) {
            if (!key.startsWith("user.")) {
                // role.<name> = permissions lines of the Vert.x format: Ferry's roles are fixed, so they are ignored
                continue;
            }
            String name = key.substring("user.".length());
            String[] parts = lines.getProperty(key).split(",");
            Set<String> roles = new LinkedHashSet<>();
            for (int i = 1; i < parts.length; i++) {
                roles.add(parts[i].trim().toLowerCase(Locale.ROOT));
            }
            add(file + ": " + key, name, parts[0].trim(), roles, accounts, problems);
        }
    }

    private static void readInline(String inline, Map<String, Account> accounts, List<String> problems) {
        for (String entry : inline.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            int first = entry.indexOf(':');
            int last = entry.lastIndexOf(':');
            String where = Settings.SECURITY_USERS.key();
            if (first <= 0 || last == first) {
                problems.add(where + ": an entry is not <name>:<password>:<role> (entry " + (accounts.size() + 1) + ")");
                continue;
            }
            Set<String> roles = new LinkedHashSet<>();
            for (String role : entry.substring(last + 1).split("\\+")) {
                roles.add(role.trim().toLowerCase(Locale.ROOT));
            }
            add(where, entry.substring(0, first).trim(), entry.substring(first + 1, last), roles, accounts, problems);
        }
    }

    private static void add(String where, String name, String password, Set<String> roles, Map<String, Account> accounts,
                            List<String> problems) {
        if (name.isEmpty() || password.isEmpty()) {
            problems.add(where + ": user '" + name + "' needs a name and a password");
        } else if (roles.isEmpty() || !ROLES.containsAll(roles)) {
            // The roles are not echoed: a plain password with a comma would show up among them.
            problems.add(where + ": user '" + name + "' needs roles reader or operator, and nothing else"
                    + " (a password that contains a comma must be hashed: hash-password)");
        } else if (password.startsWith(HASH_PREFIX) && !wellFormedHash(password)) {
            problems.add(where + ": user '" + name + "' has a malformed hashed password; hash it again with hash-password");
        } else {
            accounts.put(name, new Account(name, password, Set.copyOf(roles)));
        }
    }

    /** Whether callers must authenticate. */
    public boolean enabled() {
        return !accounts.isEmpty() || jwt != null;
    }

    boolean basic() {
        return !accounts.isEmpty();
    }

    JwtKeys jwt() {
        return jwt;
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

    /**
     * Checks user names and passwords of HTTP Basic authentication against the configured users. Hashing
     * runs on a worker thread, never on the event loop; a name that does not exist costs as much as one that
     * does; a password verified in the last minutes is recognised without hashing again.
     */
    AuthenticationProvider basicProvider(io.vertx.core.Vertx vertx) {
        String dummy = accounts.values().stream().anyMatch(a -> a.password().startsWith(HASH_PREFIX))
                ? hash(Long.toHexString(new SecureRandom().nextLong())) : "{none}";
        return new AuthenticationProvider() {
            @Override
            public void authenticate(JsonObject credentials, Handler<AsyncResult<User>> resultHandler) {
                authenticate(new UsernamePasswordCredentials(credentials)).onComplete(resultHandler);
            }

            @Override
            public Future<User> authenticate(Credentials credentials) {
                if (!(credentials instanceof UsernamePasswordCredentials basic)) {
                    return Future.failedFuture("user name and password required");
                }
                String name = basic.getUsername() == null ? "" : basic.getUsername();
                String password = basic.getPassword() == null ? "" : basic.getPassword();
                Account account = accounts.get(name);
                if (account != null && verified.recognises(name, password)) {
                    return Future.succeededFuture(user(account));
                }
                return vertx.executeBlocking(() -> {
                    boolean matches = matches(account == null ? dummy : account.password(), password);
                    if (account == null || !matches) {
                        throw new IllegalArgumentException("invalid user name or password");
                    }
                    verified.remember(name, password);
                    return user(account);
                }, false);
            }
        };
    }

    private static User user(Account account) {
        return User.create(new JsonObject()
                .put("username", account.name())
                .put("roles", new JsonArray(List.copyOf(account.roles()))));
    }

    /** Passwords verified recently, as keyed digests (never the passwords), for a few minutes. */
    private final Verified verified = new Verified();

    private static final class Verified {
        private static final long TTL_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(5);
        private final byte[] key = new byte[32];
        private final Map<String, Entry> entries = new java.util.concurrent.ConcurrentHashMap<>();

        private record Entry(byte[] digest, long until) {
        }

        Verified() {
            new SecureRandom().nextBytes(key);
        }

        boolean recognises(String name, String password) {
            Entry e = entries.get(name);
            return e != null && System.nanoTime() - e.until() < 0 && MessageDigest.isEqual(e.digest(), digest(password));
        }

        void remember(String name, String password) {
            entries.put(name, new Entry(digest(password), System.nanoTime() + TTL_NANOS));
        }

        private byte[] digest(String password) {
            try {
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
                mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
                return mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static boolean wellFormedHash(String stored) {
        String[] parts = stored.substring(HASH_PREFIX.length()).split("\\$");
        try {
            return parts.length == 3 && Integer.parseInt(parts[0]) > 0 && Base64.getDecoder().decode(parts[1]).length > 0
                    && Base64.getDecoder().decode(parts[2]).length > 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static boolean matches(String stored, String given) {
        byte[] expected;
        byte[] actual;
        if (stored.startsWith(HASH_PREFIX)) {
            String[] parts = stored.substring(HASH_PREFIX.length()).split("\\$");
            if (parts.length != 3) {
                return false;
            }
            expected = Base64.getDecoder().decode(parts[2]);
            actual = pbkdf2(given, Base64.getDecoder().decode(parts[1]), Integer.parseInt(parts[0]), expected.length * 8);
        } else {
            expected = stored.getBytes(StandardCharsets.UTF_8);
            actual = given.getBytes(StandardCharsets.UTF_8);
        }
        return MessageDigest.isEqual(expected, actual);
    }

    /** A password as the users file stores it: {@code {pbkdf2-sha256}<iterations>$<salt>$<hash>}. */
    public static String hash(String password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        byte[] hash = pbkdf2(password, salt, HASH_ITERATIONS, 256);
        Base64.Encoder b64 = Base64.getEncoder();
        return HASH_PREFIX + HASH_ITERATIONS + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    private static byte[] pbkdf2(String password, byte[] salt, int iterations, int bits) {
        try {
            KeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, bits);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JVM", e);
        }
    }

    /** The caller as the request handler sees it: a name and roles. */
    public record Caller(String name, Set<String> roles) {
        /** Everyone, when Ferry serves on loopback with no users configured. */
        static final Caller LOCAL = new Caller("local", ROLES);

        public boolean may(String role) {
            return roles.contains(OPERATOR) || roles.contains(role);
        }
    }

    /** The caller of a request: the authenticated user, or {@link Caller#LOCAL} when authentication is off. */
    public Caller caller(Object authenticatedUser) {
        if (!(authenticatedUser instanceof User user)) {
            return enabled() ? null : Caller.LOCAL;
        }
        JsonObject principal = user.principal();
        String name = principal.getString("username", principal.getString("sub", "unknown"));
        Set<String> roles = new LinkedHashSet<>();
        Object claimed = principal.getValue("roles");
        if (claimed instanceof JsonArray array) {
            array.forEach(role -> roles.add(String.valueOf(role).toLowerCase(Locale.ROOT)));
        } else if (claimed instanceof String text) {
            roles.add(text.toLowerCase(Locale.ROOT));
        }
        roles.retainAll(ROLES);
        return new Caller(name, roles);
    }
}
