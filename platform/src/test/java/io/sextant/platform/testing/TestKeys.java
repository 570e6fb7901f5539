package io.sextant.platform.testing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;

import io.sextant.auth.v1.JsonWebKey;
import io.sextant.platform.identity.TokenVerifier;

/**
 * An RSA 2048 signing key with a {@code kid}, as auth has one, and the access tokens it signs
 * (RS256, with the claims auth puts in them), for tests of everything that verifies tokens.
 */
public final class TestKeys {

    private final String kid;
    private final RSAPublicKey publicKey;
    private final RSAPrivateKey privateKey;

    private TestKeys(String kid, KeyPair pair) {
        this.kid = kid;
        this.publicKey = (RSAPublicKey) pair.getPublic();
        this.privateKey = (RSAPrivateKey) pair.getPrivate();
    }

    /** A fresh RSA 2048 key pair. */
    public static TestKeys generate(String kid) {
        try {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return new TestKeys(kid, generator.generateKeyPair());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String kid() {
        return kid;
    }

    public RSAPublicKey publicKey() {
        return publicKey;
    }

    public RSAPrivateKey privateKey() {
        return privateKey;
    }

    public Algorithm algorithm() {
        return Algorithm.RSA256(publicKey, privateKey);
    }

    /** The public key as auth publishes it in its JWKS. */
    public JsonWebKey jwk() {
        return JsonWebKey.newBuilder()
                         .setKty("RSA")
                         .setKid(kid)
                         .setUse("sig")
                         .setAlg("RS256")
                         .setN(base64Url(publicKey.getModulus()))
                         .setE(base64Url(publicKey.getPublicExponent()))
                         .build();
    }

    /** A token builder pre-filled like a user's access token from auth, valid for 15 minutes from now. */
    public JWTCreator.Builder userToken(String subject) {
        final Instant now = Instant.now();
        return JWT.create()
                  .withKeyId(kid)
                  .withIssuer(TokenVerifier.ISSUER)
                  .withSubject(subject)
                  .withJWTId(UUID.randomUUID().toString())
                  .withIssuedAt(now)
                  .withExpiresAt(now.plus(Duration.ofMinutes(15)))
                  .withClaim(TokenVerifier.CLAIM_USERNAME, "alice")
                  .withClaim(TokenVerifier.CLAIM_SESSION, "session-" + UUID.randomUUID())
                  .withClaim(TokenVerifier.CLAIM_KIND, "user")
                  .withClaim(TokenVerifier.CLAIM_ROLES, List.of("user"))
                  .withClaim(TokenVerifier.CLAIM_PERMISSIONS, List.of("files.read"));
    }

    /** Signs a token with this key. */
    public String sign(JWTCreator.Builder token) {
        return token.sign(algorithm());
    }

    /** A valid user access token for the subject. */
    public String token(String subject) {
        return sign(userToken(subject));
    }

    /** base64url without padding, as JWTs and JWKs use it. */
    public static String base64Url(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String base64Url(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            // unsigned big-endian, as RFC 7518 wants it
            final byte[] trimmed = new byte[bytes.length - 1];
            System.arraycopy(bytes, 1, trimmed, 0, trimmed.length);
            bytes = trimmed;
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
