package dev.ferry.support;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Bearer tokens for tests, written byte by byte so that a test controls every header and claim (an
 * {@code alg} of {@code none}, a missing {@code exp}, a forged subject), and the keystore Ferry verifies them with.
 */
public final class Tokens {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final byte[] secret;

    public Tokens(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** A PKCS12 keystore with the secret under {@code alias} (Ferry takes keys whose alias is an algorithm). */
    public Path keystore(Path file, String alias, String password) throws IOException, GeneralSecurityException {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setEntry(alias, new KeyStore.SecretKeyEntry(new SecretKeySpec(secret, "HmacSHA256")),
                new KeyStore.PasswordProtection(password.toCharArray()));
        try (OutputStream out = Files.newOutputStream(file)) {
            keys.store(out, password.toCharArray());
        }
        return file;
    }

    /** A token with this header and these claims (JSON), signed with HMAC-SHA of the header's algorithm. */
    public String signed(String headerJson, String claimsJson) throws GeneralSecurityException {
        String alg = headerJson.replaceAll(".*\"alg\"\\s*:\\s*\"HS(\\d+)\".*", "$1");
        String input = encode(headerJson) + "." + encode(claimsJson);
        Mac mac = Mac.getInstance("HmacSHA" + alg);
        mac.init(new SecretKeySpec(secret, "HmacSHA" + alg));
        return input + "." + B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    }

    /** An HS256 token with these claims. */
    public String hs256(String claimsJson) throws GeneralSecurityException {
        return signed("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claimsJson);
    }

    /** An unsigned token: {@code {"alg":"none"}}, the claims, and an empty signature. */
    public static String unsigned(String claimsJson) {
        return encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + encode(claimsJson) + ".";
    }

    private static String encode(String json) {
        return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
