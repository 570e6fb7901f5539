package io.sextant.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.sextant.platform.identity.ServiceIdentity;

/**
 * Auth's own identity for its east-west calls: the platform's {@link ServiceIdentity} (cached, renewed
 * at half its life, one renewal at a time) with subject {@code services/auth}, whose tokens auth signs
 * itself (it holds the signing keys, so it exchanges no secret, and needs no service account).
 */
final class OwnIdentity {

    static final String NAME = "auth";
    static final String SUBJECT = ServiceIdentity.SUBJECT_PREFIX + NAME;
    /**
     * What auth does at other services: read grants (GetUserGrants) and provision profiles (ProvisionUser) at users;
     * send the password reset e-mails at notification.
     */
    static final List<String> PERMISSIONS = List.of("users.read", "users.write", "notifications.send");
    private static final Duration MAX_TTL = Duration.ofMinutes(5);

    private OwnIdentity() {}

    /** Auth's identity, with tokens living SERVICE_TOKEN_TTL, at most five minutes; close it with the server. */
    static ServiceIdentity of(TokenIssuer issuer, Clock clock, Duration serviceTokenTtl) {
        final Duration ttl = serviceTokenTtl.compareTo(MAX_TTL) < 0 ? serviceTokenTtl : MAX_TTL;
        return ServiceIdentity.of(NAME, () -> new ServiceIdentity.IssuedToken(
                issuer.serviceToken(SUBJECT, PERMISSIONS, ttl, clock.instant()).token(), ttl), clock);
    }
}
