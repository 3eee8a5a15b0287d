package dev.ferry.gather;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The key a target uses to drop duplicates: the same for every delivery of one version of one record
 * of one connector (retries, re-runs after a crash), different for every other.
 */
public final class IdempotencyKey {

    /** One digest per thread: looking the algorithm up for every record cost more than hashing it. */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    });

    private IdempotencyKey() {
    }

    /** 32 hex characters of SHA-256 over connector, key and version; safe in any HTTP header. */
    public static String of(String connector, String key, String version) {
        byte[] digest = SHA_256.get().digest((connector + '\u0000' + key + '\u0000' + version).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 16);
    }
}
