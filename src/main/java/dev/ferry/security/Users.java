package dev.ferry.security;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.ferry.Settings;

/**
 * The users who log in with a name and a password (HTTP Basic): from a file ({@code ferry.security.users-file})
 * and from {@code ferry.security.users} (for the environment). Every stored password is a PBKDF2 hash
 * ({@link Passwords}); a login for a name nobody has costs one PBKDF2 like any other, so the answer's time does
 * not tell which names exist. A password verified in the last minutes is recognised without hashing again, so a
 * client that sends its credentials with every request pays the hash once.
 */
final class Users {

    private static final Duration REMEMBERED = Duration.ofMinutes(5);

    /** A configured user: name, the stored hash and roles. */
    record Account(String name, String hash, Set<String> roles) {
        @Override
        public String toString() {
            return "Account[" + name + ", roles=" + roles + "]";
        }
    }

    private final Map<String, Account> accounts;
    private final String decoy;
    private final Clock clock;
    private final byte[] rememberKey = new byte[32];
    private final Map<String, Remembered> remembered = new ConcurrentHashMap<>();

    private record Remembered(byte[] digest, Instant until) {
    }

    private Users(Map<String, Account> accounts, Clock clock) {
        this.accounts = accounts;
        this.clock = clock;
        // as costly as the costliest real check, so that an unknown name takes no less time than a known one
        this.decoy = accounts.isEmpty() ? null : Passwords.decoy(accounts.values().stream()
                .mapToInt(a -> Passwords.iterations(a.hash())).max().orElse(Passwords.MIN_ITERATIONS));
        new SecureRandom().nextBytes(rememberKey);
    }

    /** Reads the users of both settings; each problem is added with the file or key, never with a password. */
    static Users read(Settings settings, Clock clock, List<String> problems) {
        Map<String, Account> accounts = new LinkedHashMap<>();
        String file = settings.string(Settings.SECURITY_USERS_FILE).trim();
        if (!file.isEmpty()) {
            readFile(Path.of(file), accounts, problems);
        }
        String inline = settings.string(Settings.SECURITY_USERS).trim();
        if (!inline.isEmpty()) {
            readInline(inline, accounts, problems);
        }
        return new Users(accounts, clock);
    }

    boolean any() {
        return !accounts.isEmpty();
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
            add(file + ": user." + Access.printable(name), name, parts[0].trim(), roles, accounts, problems);
        }
    }

    private static void readInline(String inline, Map<String, Account> accounts, List<String> problems) {
        int entry = 0;
        for (String text : inline.split(";")) {
            if (text.isBlank()) {
                continue;
            }
            entry++;
            int first = text.indexOf(':');
            int last = text.lastIndexOf(':');
            String where = Settings.SECURITY_USERS.key() + " (entry " + entry + ")";
            if (first <= 0 || last == first) {
                problems.add(where + ": not <name>:<hashed password>:<role>");
                continue;
            }
            Set<String> roles = new LinkedHashSet<>();
            for (String role : text.substring(last + 1).split("\\+")) {
                roles.add(role.trim().toLowerCase(Locale.ROOT));
            }
            String name = text.substring(0, first).trim();
            add(where, name, text.substring(first + 1, last), roles, accounts, problems);
        }
    }

    private static void add(String where, String name, String password, Set<String> roles, Map<String, Account> accounts,
                            List<String> problems) {
        Optional<String> badName = Access.nameProblem(name);
        if (badName.isPresent()) {
            problems.add(where + ": the user name " + badName.get());
            return;
        }
        if (password.isEmpty()) {
            problems.add(where + ": user '" + name + "' needs a hashed password");
            return;
        }
        if (roles.isEmpty() || !Access.ROLES.containsAll(roles)) {
            // The roles are not echoed: a password with a comma would show up among them.
            problems.add(where + ": user '" + name + "' needs roles reader or operator, and nothing else");
            return;
        }
        Optional<String> badPassword = Passwords.problem(password);
        if (badPassword.isPresent()) {
            problems.add(where + ": user '" + name + "' " + badPassword.get());
            return;
        }
        accounts.put(name, new Account(name, password, Set.copyOf(roles)));
    }

    /**
     * The account whose name and password these are. Blocking: one PBKDF2 (a few hundred milliseconds) unless the
     * same password was verified for the same name in the last minutes.
     */
    Optional<Account> verify(String name, String password) {
        Account account = accounts.get(name);
        if (account != null && recognised(name, password)) {
            return Optional.of(account);
        }
        boolean matches = Passwords.matches(account == null ? decoy : account.hash(), password);
        if (account == null || !matches) {
            return Optional.empty();
        }
        remembered.put(name, new Remembered(digest(password), clock.instant().plus(REMEMBERED)));
        return Optional.of(account);
    }

    /** PBKDF2 iterations a login for this name costs: an unknown name as much as the costliest known one. */
    int costOf(String name) {
        Account account = accounts.get(name);
        return Passwords.iterations(account == null ? decoy : account.hash());
    }

    private boolean recognised(String name, String password) {
        Remembered r = remembered.get(name);
        return r != null && clock.instant().isBefore(r.until()) && MessageDigest.isEqual(r.digest(), digest(password));
    }

    /** A keyed digest of a verified password, so that what is kept in memory is not the password. */
    private byte[] digest(String password) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(rememberKey, "HmacSHA256"));
            return mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
