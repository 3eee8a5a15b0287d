package dev.ferry.security;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.KeyStoreOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.impl.jose.JWK;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import dev.ferry.Settings;

/**
 * Bearer tokens (JWT) verified with the keys of a keystore ({@code ferry.security.jwt.keystore-*}).
 *
 * <p>Vert.x, which checks the signatures, takes a key only from an alias named after its algorithm
 * ({@code HS256}, {@code RS256}, ...); a keystore with none of those would leave it with no key at all, and
 * without keys it accepts unsigned tokens. So start-up loads the keystore as Vert.x will and refuses one that
 * yields no key, and a token must name an algorithm of a loaded key ({@code none} never is one). On top of the
 * signature, Ferry requires an expiry ({@code exp}: a token without one would never expire), checks
 * {@code iss} and {@code aud} when they are configured, and takes the caller's name from {@code sub} alone — a
 * name with control characters (a forged log line) is refused.
 */
final class BearerTokens {

    /** Clock difference allowed between the token's issuer and Ferry, for exp, nbf and iat. */
    static final int LEEWAY_SECONDS = 30;

    private final String type;
    private final String path;
    private final String password;
    private final Set<String> algorithms;
    private final String issuer;
    private final List<String> audience;

    private BearerTokens(String type, String path, String password, Set<String> algorithms, String issuer,
                         List<String> audience) {
        this.type = type;
        this.path = path;
        this.password = password;
        this.algorithms = algorithms;
        this.issuer = issuer;
        this.audience = audience;
    }

    /** The configured token keys, or null when none are; each problem is added with its key. */
    static BearerTokens read(Settings settings, List<String> problems) {
        String type = settings.string(Settings.SECURITY_JWT_KEYSTORE_TYPE).trim();
        if (type.isEmpty()) {
            return null;
        }
        String path = settings.string(Settings.SECURITY_JWT_KEYSTORE_PATH).trim();
        String password = settings.string(Settings.SECURITY_JWT_KEYSTORE_PASSWORD);
        String where = Settings.SECURITY_JWT_KEYSTORE_PATH.key();
        if (path.isEmpty() || !Files.isReadable(Path.of(path))) {
            problems.add(where + ": names no readable keystore ('" + path + "')");
            return null;
        }
        Set<String> aliases = new TreeSet<>();
        Set<String> algorithms = new LinkedHashSet<>();
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            KeyStore keys = KeyStore.getInstance(type);
            keys.load(in, password.toCharArray());
            aliases.addAll(Collections.list(keys.aliases()));
            // exactly the keys Vert.x will verify with
            for (JWK key : JWK.load(keys, password, null)) {
                algorithms.add(key.getAlgorithm());
            }
        } catch (Exception e) {
            problems.add(where + ": cannot read the " + type + " keystore " + path + " (" + e.getMessage() + "; is "
                    + Settings.SECURITY_JWT_KEYSTORE_PASSWORD.key() + " its password?)");
            return null;
        }
        if (algorithms.isEmpty()) {
            problems.add(where + ": no key in " + path + " can verify tokens, so every token would be refused — or, worse,"
                    + " an unsigned one accepted. Store each key under the name of its algorithm: HS256, HS384 or HS512 for a"
                    + " shared secret (at least as many bytes as the algorithm's bits / 8), RS256..RS512 or ES256..ES512 for a"
                    + " certificate whose signature algorithm matches and that has not expired. Aliases found: "
                    + (aliases.isEmpty() ? "none" : String.join(", ", aliases)));
            return null;
        }
        String issuer = settings.string(Settings.SECURITY_JWT_ISSUER).trim();
        List<String> audience = List.of(settings.string(Settings.SECURITY_JWT_AUDIENCE).trim().split("\\s*,\\s*")).stream()
                .filter(a -> !a.isEmpty()).toList();
        return new BearerTokens(type, path, password, Set.copyOf(algorithms), issuer.isEmpty() ? null : issuer, audience);
    }

    /** The algorithms of the loaded keys: the only ones a token may be signed with. */
    Set<String> algorithms() {
        return algorithms;
    }

    /** Verifies tokens for one Vert.x instance (the keystore is read once, here). */
    Verifier verifier(Vertx vertx) {
        JWTOptions options = new JWTOptions().setLeeway(LEEWAY_SECONDS).setIgnoreExpiration(false);
        if (issuer != null) {
            options.setIssuer(issuer);
        }
        if (!audience.isEmpty()) {
            options.setAudience(audience);
        }
        JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions().setJWTOptions(options)
                .setKeyStore(new KeyStoreOptions().setType(type).setPath(path).setPassword(password)));
        return new Verifier(jwt);
    }

    /** Refused tokens: why, in words for the caller (nothing about the keys). */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    final class Verifier {
        private final JWTAuth jwt;

        private Verifier(JWTAuth jwt) {
            this.jwt = jwt;
        }

        /** The caller a token stands for: {@code sub} and the roles of its {@code roles} claim. */
        Future<User> verify(String token) {
            String alg;
            try {
                alg = algorithm(token);
            } catch (RuntimeException e) {
                return Future.failedFuture(new Refused("the bearer token is not a JWT"));
            }
            if (!algorithms.contains(alg)) {
                return Future.failedFuture(new Refused("the bearer token is signed with " + Access.printable(alg)
                        + "; Ferry accepts " + String.join(", ", new TreeSet<>(algorithms))));
            }
            return jwt.authenticate(new TokenCredentials(token))
                    .recover(e -> Future.failedFuture(new Refused("the bearer token's signature, expiry, issuer or"
                            + " audience did not verify")))
                    .compose(verified -> {
                        try {
                            // the claims Vert.x verified, as the token carries them
                            return Future.succeededFuture(caller(segment(token, 1)));
                        } catch (Refused e) {
                            return Future.failedFuture(e);
                        }
                    });
        }
    }

    private static String algorithm(String token) {
        return String.valueOf(segment(token, 0).getValue("alg"));
    }

    /** The JSON of a token's header (0) or claims (1). */
    private static JsonObject segment(String token, int index) {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.", -1)[index]), StandardCharsets.UTF_8));
    }

    /** Ferry's user for verified claims; the token's own "username" or other name claims are not used. */
    private static User caller(JsonObject claims) throws Refused {
        if (!(claims.getValue("exp") instanceof Number)) {
            throw new Refused("the bearer token has no expiry (exp); Ferry accepts only tokens that expire");
        }
        Object sub = claims.getValue("sub");
        if (!(sub instanceof String name)) {
            throw new Refused("the bearer token has no subject (sub) to name its caller");
        }
        Optional<String> bad = Access.nameProblem(name);
        if (bad.isPresent()) {
            throw new Refused("the bearer token's subject " + bad.get());
        }
        JsonArray roles = new JsonArray();
        Object claimed = claims.getValue("roles");
        if (claimed instanceof JsonArray array) {
            array.forEach(role -> roles.add(String.valueOf(role).toLowerCase(Locale.ROOT)));
        } else if (claimed instanceof String text) {
            roles.add(text.toLowerCase(Locale.ROOT));
        }
        return User.create(new JsonObject().put(Access.NAME_CLAIM, name).put(Access.ROLES_CLAIM, roles));
    }
}
