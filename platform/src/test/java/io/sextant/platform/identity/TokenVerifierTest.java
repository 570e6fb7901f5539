package io.sextant.platform.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.google.protobuf.Timestamp;

import io.grpc.Status;
import io.sextant.auth.v1.Revocation;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.testing.TestKeys;

class TokenVerifierTest {

    private static final TestKeys KEY = TestKeys.generate("key-1");
    private static final TestKeys OTHER_KEY = TestKeys.generate("key-1");

    /** The keys auth publishes: a real, in-memory key source. */
    private final Map<String, RSAPublicKey> published = new ConcurrentHashMap<>();
    private RevocationSet revocations;
    private TokenVerifier verifier;

    @BeforeEach
    void setUp() {
        published.put(KEY.kid(), KEY.publicKey());
        revocations = new RevocationSet(Clock.systemUTC());
        verifier = new TokenVerifier(published::get, revocations, Clock.systemUTC());
    }

    private ServiceException refusal(String token) {
        try {
            verifier.verify(token);
        } catch (ServiceException e) {
            assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
            if (token.length() > 10) {
                assertThat(e.getMessage()).doesNotContain(token);
            }
            return e;
        }
        throw new AssertionError("the token was accepted");
    }

    private static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    private static Timestamp inAnHour() {
        return timestamp(Instant.now().plus(Duration.ofHours(1)));
    }

    @Test
    void a_valid_token_gives_the_principal_it_describes() {
        final Instant issued = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        final String token = KEY.sign(JWT.create()
                                         .withKeyId(KEY.kid())
                                         .withIssuer("sextant-auth")
                                         .withSubject("8d0f6c1e-2f0b-4d84-9f3b-0d6a2c5b7e41")
                                         .withJWTId("jti-1")
                                         .withIssuedAt(issued)
                                         .withExpiresAt(issued.plus(Duration.ofMinutes(15)))
                                         .withClaim("username", "alice")
                                         .withClaim("sid", "session-1")
                                         .withClaim("kind", "user")
                                         .withClaim("roles", List.of("user", "editor"))
                                         .withClaim("permissions", List.of("files.*", "users.read")));

        final Principal principal = verifier.verify(token);

        assertThat(principal.subject()).isEqualTo("8d0f6c1e-2f0b-4d84-9f3b-0d6a2c5b7e41");
        assertThat(principal.username()).isEqualTo("alice");
        assertThat(principal.kind()).isEqualTo(Principal.Kind.USER);
        assertThat(principal.roles()).containsExactlyInAnyOrder("user", "editor");
        assertThat(principal.permissions()).containsExactlyInAnyOrder("files.*", "users.read");
        assertThat(principal.sessionId()).isEqualTo("session-1");
        assertThat(principal.tokenId()).isEqualTo("jti-1");
        assertThat(principal.issuedAt()).isEqualTo(issued);
        assertThat(principal.expiresAt()).isEqualTo(issued.plus(Duration.ofMinutes(15)));
        assertThat(principal.token()).isEqualTo(token);
        assertThat(principal.hasPermission("files.delete")).isTrue();
        assertThat(principal.toString()).contains("alice").doesNotContain(token);
    }

    @Test
    void a_service_token_gives_a_service_principal() {
        final String token = KEY.sign(KEY.userToken("api-keys/0b8e2f4c-1111-4a2b-9c3d-5e6f7a8b9c0d")
                                         .withClaim("kind", "service")
                                         .withClaim("username", (String) null)
                                         .withClaim("sid", (String) null)
                                         .withClaim("roles", List.of())
                                         .withClaim("permissions", List.of("users.read")));

        final Principal principal = verifier.verify(token);

        assertThat(principal.kind()).isEqualTo(Principal.Kind.SERVICE);
        assertThat(principal.subject()).isEqualTo("api-keys/0b8e2f4c-1111-4a2b-9c3d-5e6f7a8b9c0d");
        assertThat(principal.username()).isEmpty();
        assertThat(principal.sessionId()).isEmpty();
        assertThat(principal.roles()).isEmpty();
        assertThat(principal.permissions()).containsExactly("users.read");
    }

    @Test
    void an_expired_token_is_token_expired() {
        final Instant longAgo = Instant.now().minus(Duration.ofHours(2));
        final String token = KEY.sign(KEY.userToken("u1").withIssuedAt(longAgo).withExpiresAt(longAgo.plus(Duration.ofMinutes(15))));

        assertThat(refusal(token).reason()).isEqualTo("TOKEN_EXPIRED");
    }

    @Test
    void a_token_signed_by_another_key_with_the_same_kid_is_invalid() {
        final String forged = OTHER_KEY.token("u1");

        assertThat(refusal(forged).reason()).isEqualTo("TOKEN_INVALID");
    }

    @Test
    void a_token_whose_payload_was_changed_is_invalid() {
        final String[] parts = KEY.token("u1").split("\\.");
        final String admin = TestKeys.base64Url("{\"iss\":\"sextant-auth\",\"sub\":\"u1\",\"jti\":\"x\",\"iat\":"
                                                + Instant.now().getEpochSecond() + ",\"exp\":"
                                                + Instant.now().plusSeconds(900).getEpochSecond()
                                                + ",\"permissions\":[\"*\"]}");
        final String tampered = parts[0] + "." + admin + "." + parts[2];

        assertThat(refusal(tampered).reason()).isEqualTo("TOKEN_INVALID");
    }

    @Test
    void an_unsigned_alg_none_token_is_invalid() {
        final Instant now = Instant.now();
        final String header = TestKeys.base64Url("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"key-1\"}");
        final String payload = TestKeys.base64Url("{\"iss\":\"sextant-auth\",\"sub\":\"u1\",\"jti\":\"j\",\"iat\":"
                                                  + now.getEpochSecond() + ",\"exp\":"
                                                  + now.plusSeconds(900).getEpochSecond()
                                                  + ",\"permissions\":[\"*\"]}");

        assertThat(refusal(header + "." + payload + ".").reason()).isEqualTo("TOKEN_INVALID");
        assertThat(refusal(header + "." + payload).reason()).isEqualTo("TOKEN_INVALID");
    }

    @Test
    void an_hs256_token_keyed_with_the_public_key_is_invalid() {
        // the classic algorithm-confusion attack: the public key is public, so anyone can do this
        final String confused = KEY.userToken("u1").sign(Algorithm.HMAC256(KEY.publicKey().getEncoded()));

        assertThat(refusal(confused).reason()).isEqualTo("TOKEN_INVALID");
    }

    @Test
    void a_token_with_an_unknown_kid_is_invalid() {
        final TestKeys unknown = TestKeys.generate("key-unknown");

        assertThat(refusal(unknown.token("u1")).reason()).isEqualTo("TOKEN_INVALID");
    }

    @Test
    void a_token_without_kid_is_invalid() {
        final String token = KEY.userToken("u1").withKeyId(null).sign(KEY.algorithm());

        assertThat(refusal(token).reason()).isEqualTo("TOKEN_INVALID");
    }

    @Test
    void a_token_from_another_issuer_is_invalid() {
        final String token = KEY.sign(KEY.userToken("u1").withIssuer("someone-else"));

        assertThat(refusal(token).reason()).isEqualTo("TOKEN_INVALID");
    }

    @Test
    void a_token_without_jti_or_sub_is_invalid() {
        // java-jwt writes "jti": null here, which its claim-presence check lets through
        assertThat(refusal(KEY.sign(KEY.userToken("u1").withJWTId(null))).reason()).isEqualTo("TOKEN_INVALID");
        assertThat(refusal(KEY.sign(KEY.userToken(null))).reason()).isEqualTo("TOKEN_INVALID");
        assertThat(refusal(KEY.sign(KEY.userToken("u1").withIssuedAt((Instant) null))).reason())
                .isEqualTo("TOKEN_INVALID");
    }

    @Test
    void garbage_is_invalid() {
        assertThat(refusal("not-a-jwt").reason()).isEqualTo("TOKEN_INVALID");
        assertThat(refusal("").reason()).isEqualTo("TOKEN_INVALID");
        assertThat(refusal("a.b.c").reason()).isEqualTo("TOKEN_INVALID");
    }

    @Test
    void a_revoked_token_id_is_token_revoked() {
        final String token = KEY.sign(KEY.userToken("u1").withJWTId("jti-revoked"));
        final String other = KEY.sign(KEY.userToken("u1").withJWTId("jti-fine"));
        assertThat(verifier.verify(token).subject()).isEqualTo("u1");

        revocations.add(Revocation.newBuilder().setTokenId("jti-revoked").setExpireTime(inAnHour()).build());

        assertThat(refusal(token).reason()).isEqualTo("TOKEN_REVOKED");
        assertThat(verifier.verify(other).subject()).isEqualTo("u1");
    }

    @Test
    void revocations_named_by_their_hashes_refuse_the_tokens_they_name() {
        final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        final String byToken = KEY.sign(KEY.userToken("u1").withJWTId("jti-hashed"));
        final String bySession = KEY.sign(KEY.userToken("u1").withClaim("sid", "session-hashed"));
        final String bySubject = KEY.sign(KEY.userToken("u2").withIssuedAt(now.minus(Duration.ofMinutes(5))));
        final String fine = KEY.sign(KEY.userToken("u1").withClaim("sid", "session-fine"));

        revocations.add(Revocation.newBuilder().setTokenIdSha256(RevocationSet.sha256("jti-hashed"))
                                  .setExpireTime(inAnHour()).build());
        revocations.add(Revocation.newBuilder().setSessionIdSha256(RevocationSet.sha256("session-hashed"))
                                  .setExpireTime(inAnHour()).build());
        revocations.add(Revocation.newBuilder().setSubjectSha256(RevocationSet.sha256("u2"))
                                  .setRevokeTime(timestamp(now.minusSeconds(60))).setExpireTime(inAnHour()).build());

        assertThat(refusal(byToken).reason()).isEqualTo("TOKEN_REVOKED");
        assertThat(refusal(bySession).reason()).isEqualTo("TOKEN_REVOKED");
        assertThat(refusal(bySubject).reason()).isEqualTo("TOKEN_REVOKED");
        assertThat(verifier.verify(fine).sessionId()).isEqualTo("session-fine");
    }

    @Test
    void every_token_of_a_revoked_session_is_token_revoked() {
        final String first = KEY.sign(KEY.userToken("u1").withClaim("sid", "session-a"));
        final String second = KEY.sign(KEY.userToken("u1").withClaim("sid", "session-a"));
        final String otherSession = KEY.sign(KEY.userToken("u1").withClaim("sid", "session-b"));

        revocations.add(Revocation.newBuilder().setSessionId("session-a").setExpireTime(inAnHour()).build());

        assertThat(refusal(first).reason()).isEqualTo("TOKEN_REVOKED");
        assertThat(refusal(second).reason()).isEqualTo("TOKEN_REVOKED");
        assertThat(verifier.verify(otherSession).sessionId()).isEqualTo("session-b");
    }

    @Test
    void a_subject_revocation_refuses_older_tokens_and_accepts_newer_ones() {
        final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        final Instant revokedAt = now.minus(Duration.ofMinutes(1));
        final String before = KEY.sign(KEY.userToken("u1").withIssuedAt(now.minus(Duration.ofMinutes(5))));
        final String after = KEY.sign(KEY.userToken("u1").withIssuedAt(now));
        final String otherUser = KEY.sign(KEY.userToken("u2").withIssuedAt(now.minus(Duration.ofMinutes(5))));

        revocations.add(Revocation.newBuilder()
                                  .setSubject("u1")
                                  .setRevokeTime(timestamp(revokedAt))
                                  .setExpireTime(inAnHour())
                                  .build());

        assertThat(refusal(before).reason()).isEqualTo("TOKEN_REVOKED");
        assertThat(verifier.verify(after).subject()).isEqualTo("u1");
        assertThat(verifier.verify(otherUser).subject()).isEqualTo("u2");
    }

    @Test
    void grants_at_tells_apart_tokens_issued_in_the_same_second_before_and_after_a_subject_revocation() {
        // a role change at .500: the token whose grants were read at .400 goes, the refresh at .600
        // that read the new grants stays, though both have the same whole-second iat
        final Instant second = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(2);
        final Instant revokedAt = second.plusMillis(500);
        final String before = KEY.sign(KEY.userToken("u1").withIssuedAt(second)
                                          .withClaim(TokenVerifier.CLAIM_GRANTS_AT, second.plusMillis(400).toEpochMilli()));
        final String after = KEY.sign(KEY.userToken("u1").withIssuedAt(second)
                                         .withClaim(TokenVerifier.CLAIM_GRANTS_AT, second.plusMillis(600).toEpochMilli()));
        revocations.add(Revocation.newBuilder().setSubjectSha256(RevocationSet.sha256("u1"))
                                  .setRevokeTime(timestamp(revokedAt)).setExpireTime(inAnHour()).build());

        assertThat(refusal(before).reason()).isEqualTo("TOKEN_REVOKED");
        assertThat(verifier.verify(after).issuedAt()).isEqualTo(second.plusMillis(600));
    }

    @Test
    void an_earlier_subject_revocation_does_not_undo_a_later_one() {
        final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        final String token = KEY.sign(KEY.userToken("u1").withIssuedAt(now.minus(Duration.ofMinutes(5))));
        revocations.add(Revocation.newBuilder().setSubject("u1").setRevokeTime(timestamp(now.minusSeconds(60)))
                                  .setExpireTime(inAnHour()).build());
        revocations.add(Revocation.newBuilder().setSubject("u1").setRevokeTime(timestamp(now.minusSeconds(3600)))
                                  .setExpireTime(inAnHour()).build());

        assertThat(refusal(token).reason()).isEqualTo("TOKEN_REVOKED");
    }

    @Test
    void revocations_whose_tokens_have_all_expired_are_forgotten() {
        final Instant past = Instant.now().minus(Duration.ofMinutes(1));
        revocations.add(Revocation.newBuilder().setTokenId("old").setExpireTime(timestamp(past)).build());
        revocations.add(Revocation.newBuilder().setSessionId("old-session").setExpireTime(timestamp(past)).build());
        revocations.add(Revocation.newBuilder().setSubject("old-subject").setRevokeTime(timestamp(past))
                                  .setExpireTime(timestamp(past)).build());
        revocations.add(Revocation.newBuilder().setTokenId("current").setExpireTime(inAnHour()).build());

        revocations.prune();

        assertThat(revocations.size()).isEqualTo(1);
        assertThat(refusal(KEY.sign(KEY.userToken("u1").withJWTId("current"))).reason()).isEqualTo("TOKEN_REVOKED");
    }

    @Test
    void a_key_published_later_is_used_once_it_is_known() {
        final TestKeys rotated = TestKeys.generate("key-2");
        final String token = rotated.token("u1");
        assertThat(refusal(token).reason()).isEqualTo("TOKEN_INVALID");

        published.put(rotated.kid(), rotated.publicKey());

        assertThat(verifier.verify(token).subject()).isEqualTo("u1");
    }

    @Test
    void a_key_withdrawn_from_the_source_stops_verifying_at_once() {
        final String token = KEY.token("8d0f6c1e-2f0b-4d84-9f3b-0d6a2c5b7e41");
        assertThat(verifier.verify(token).subject()).isEqualTo("8d0f6c1e-2f0b-4d84-9f3b-0d6a2c5b7e41");
        published.remove(KEY.kid());
        assertThat(refusal(token).reason()).isEqualTo("TOKEN_INVALID");
        // a different key under the same kid does not inherit the old key's verifier either
        published.put(KEY.kid(), OTHER_KEY.publicKey());
        assertThat(refusal(token).reason()).isEqualTo("TOKEN_INVALID");
    }

    @Test
    void a_token_living_longer_than_auth_ever_issues_is_refused() {
        final Instant issued = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        final String token = KEY.sign(KEY.userToken("8d0f6c1e-2f0b-4d84-9f3b-0d6a2c5b7e41")
                                         .withIssuedAt(issued)
                                         .withExpiresAt(issued.plus(Duration.ofDays(3650))));
        assertThat(refusal(token).reason()).isEqualTo("TOKEN_INVALID");
    }

    /** A clock the test moves. */
    private static final class MovableClock extends Clock {
        private volatile Instant now = Instant.now();

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void a_token_seen_again_is_remembered_and_refused_at_once_when_revoked() {
        final String token = KEY.token("8d0f6c1e-2f0b-4d84-9f3b-0d6a2c5b7e41");
        final Principal first = verifier.verify(token);
        // a new String with the same text, as the next call brings it
        assertThat(verifier.verify(new String(token.toCharArray()))).isSameAs(first);
        assertThat(verifier.cachedTokens()).isEqualTo(1);

        revocations.add(Revocation.newBuilder().setTokenIdSha256(RevocationSet.sha256(first.tokenId()))
                                  .setExpireTime(inAnHour()).build());
        assertThat(refusal(token).reason()).isEqualTo("TOKEN_REVOKED");
    }

    @Test
    void a_remembered_token_expires_with_its_exp() {
        final MovableClock clock = new MovableClock();
        final TokenVerifier timed = new TokenVerifier(published::get, revocations, clock);
        final Instant issued = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        final String token = KEY.sign(KEY.userToken("u1").withIssuedAt(issued).withExpiresAt(issued.plusSeconds(60)));
        timed.verify(token);
        timed.verify(token);
        assertThat(timed.cachedTokens()).isEqualTo(1);

        clock.advance(Duration.ofMinutes(2));
        try {
            timed.verify(token);
            throw new AssertionError("an expired token was accepted");
        } catch (ServiceException e) {
            assertThat(e.reason()).isEqualTo("TOKEN_EXPIRED");
        }
        assertThat(timed.cachedTokens()).isZero();
    }

    @Test
    void the_remembered_tokens_are_bounded() {
        final TokenVerifier small = new TokenVerifier(published::get, revocations, Clock.systemUTC(), 3);
        for (int i = 0; i < 10; i++) {
            final String token = KEY.token("subject-" + i);
            assertThat(small.verify(token).subject()).isEqualTo("subject-" + i);
            assertThat(small.cachedTokens()).isBetween(1, 3);
        }
        final TokenVerifier none = new TokenVerifier(published::get, revocations, Clock.systemUTC(), 0);
        none.verify(KEY.token("u1"));
        assertThat(none.cachedTokens()).isZero();
    }
}
