package dev.ferry.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Passwords as the users file stores them: {@code {pbkdf2-sha256}<iterations>$<salt>$<hash>} (Base64), never in
 * clear. Ferry refuses a stored password that is not such a hash, or that has fewer iterations than
 * {@link #MIN_ITERATIONS}: a plain password would be read by anyone who reads the file, and it would answer
 * faster than a hashed one, telling an attacker which user names exist.
 */
public final class Passwords {

    static final String PREFIX = "{pbkdf2-sha256}";
    /**
     * OWASP's Password Storage Cheat Sheet (2023, current in 2026): PBKDF2 with HMAC-SHA-256 needs at least
     * 600,000 iterations. Ferry hashes with exactly this and accepts no fewer.
     */
    public static final int MIN_ITERATIONS = 600_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Passwords() {
    }

    /** A password hashed for the users file, with {@link #MIN_ITERATIONS}. */
    public static String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        Base64.Encoder b64 = Base64.getEncoder();
        return PREFIX + MIN_ITERATIONS + "$" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(pbkdf2(password, salt, MIN_ITERATIONS, HASH_BITS));
    }

    /** What is wrong with a stored password, or empty when it is a hash Ferry accepts. */
    static Optional<String> problem(String stored) {
        if (!stored.startsWith(PREFIX)) {
            return Optional.of("has a password in clear; store it hashed: put what hash-password prints in its place"
                    + " (README, Security)");
        }
        String[] parts = stored.substring(PREFIX.length()).split("\\$");
        try {
            if (parts.length != 3 || Base64.getDecoder().decode(parts[1]).length == 0
                    || Base64.getDecoder().decode(parts[2]).length == 0) {
                return Optional.of("has a malformed hashed password; hash it again with hash-password");
            }
            int iterations = Integer.parseInt(parts[0]);
            if (iterations < MIN_ITERATIONS) {
                return Optional.of("has a password hashed with " + iterations + " iterations, fewer than the "
                        + MIN_ITERATIONS + " Ferry requires (OWASP's figure for PBKDF2-SHA256); hash it again with hash-password");
            }
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of("has a malformed hashed password; hash it again with hash-password");
        }
    }

    /** The iteration count of a hash {@link #problem} accepted. */
    static int iterations(String stored) {
        return Integer.parseInt(stored.substring(PREFIX.length()).split("\\$")[0]);
    }

    /** Whether {@code given} is the password of a hash {@link #problem} accepted; costs one PBKDF2 either way. */
    static boolean matches(String stored, String given) {
        String[] parts = stored.substring(PREFIX.length()).split("\\$");
        byte[] expected = Base64.getDecoder().decode(parts[2]);
        byte[] actual = pbkdf2(given, Base64.getDecoder().decode(parts[1]), Integer.parseInt(parts[0]), expected.length * 8);
        return MessageDigest.isEqual(expected, actual);
    }

    /** A hash of a random password with this many iterations: what an unknown user's login is checked against. */
    static String decoy(int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] password = new byte[SALT_BYTES];
        RANDOM.nextBytes(password);
        Base64.Encoder b64 = Base64.getEncoder();
        return PREFIX + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(
                pbkdf2(new String(password, StandardCharsets.ISO_8859_1), salt, iterations, HASH_BITS));
    }

    private static byte[] pbkdf2(String password, byte[] salt, int iterations, int bits) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, bits);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JVM", e);
        }
    }
}
