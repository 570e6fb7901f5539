package io.sextant.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class TokenIssuerTest {

    @Test
    void aTokenIssuedInTheSecondOfARevocationOfItsSubjectGetsTheNextWholeSecond() {
        final Instant revoked = Instant.parse("2026-12-01T10:00:00.400Z");
        // verifiers refuse iat <= revocation; iat has whole seconds: 10:00:00 would be refused
        assertThat(TokenIssuer.issuedAt(Instant.parse("2026-12-01T10:00:00.700Z"), revoked))
                .isEqualTo(Instant.parse("2026-12-01T10:00:01Z"));
        assertThat(TokenIssuer.issuedAt(Instant.parse("2026-12-01T10:00:00.400Z"), revoked))
                .isEqualTo(Instant.parse("2026-12-01T10:00:01Z"));
        // a revocation exactly on a whole second: that second is taken by it too
        assertThat(TokenIssuer.issuedAt(Instant.parse("2026-12-01T10:00:00.300Z"), Instant.parse("2026-12-01T10:00:00Z")))
                .isEqualTo(Instant.parse("2026-12-01T10:00:01Z"));
    }

    @Test
    void otherwiseNow() {
        final Instant now = Instant.parse("2026-12-01T10:00:01.200Z");
        assertThat(TokenIssuer.issuedAt(now, null)).isEqualTo(now);
        assertThat(TokenIssuer.issuedAt(now, Instant.parse("2026-12-01T10:00:00.900Z"))).isEqualTo(now);
    }
}
