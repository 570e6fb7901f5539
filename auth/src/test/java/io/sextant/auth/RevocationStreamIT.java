package io.sextant.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.auth0.jwt.JWT;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.google.protobuf.TextFormat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.auth.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import io.sextant.auth.v1.LoginRequest;
import io.sextant.auth.v1.LogoutRequest;
import io.sextant.auth.v1.RegisterRequest;
import io.sextant.auth.v1.Revocation;
import io.sextant.auth.v1.Token;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.auth.v1.WatchRevocationsRequest;
import io.sextant.auth.v1.WatchRevocationsResponse;
import io.sextant.platform.identity.RevocationSet;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestPostgres;

/** What auth's revocation stream tells whoever can open it, over real gRPC on a real PostgreSQL. */
class RevocationStreamIT {

    private static final String PASSWORD = "correct horse battery";
    private static final TestUsersServer USERS = new TestUsersServer();
    private static SextantServer server;

    @BeforeAll
    static void start() {
        USERS.start();
        server = AuthServer.newServer(AuthServiceIT.config(TestPostgres.newDatabase("auth"), USERS.target(), Map.of()))
                           .start();
    }

    @AfterAll
    static void stop() {
        server.close();
        USERS.close();
    }

    private static Token login(String username) {
        return AuthServiceIT.stub(server.port(), null)
                            .login(LoginRequest.newBuilder().setUsername(username).setPassword(PASSWORD).build())
                            .getToken();
    }

    /** The revocations in force, as an anonymous caller of WatchRevocations reads them. */
    private static List<Revocation> snapshot() {
        final AuthServiceBlockingStub anonymous = AuthServiceIT.stub(server.port(), null);
        final List<Revocation> seen = new ArrayList<>();
        final Iterator<WatchRevocationsResponse> stream = anonymous.withDeadlineAfter(10, TimeUnit.SECONDS)
                                                                   .watchRevocations(WatchRevocationsRequest.getDefaultInstance());
        while (true) {
            final WatchRevocationsResponse batch = stream.next();
            seen.addAll(batch.getRevocationsList());
            if (batch.getSnapshotComplete()) {
                return seen;
            }
        }
    }

    @Test
    void anAnonymousWatcherLearnsNoSessionSubjectOrTokenId() {
        final String username = "u" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        AuthServiceIT.stub(server.port(), null).register(RegisterRequest.newBuilder().setUsername(username)
                .setEmail(username + "@example.com").setPassword(PASSWORD).build());
        final Token ended = login(username);
        final Token other = login(username);
        // logging one session out with another session's access token ends that token too
        AuthServiceIT.stub(server.port(), other.getAccessToken())
                     .logout(LogoutRequest.newBuilder().setRefreshToken(ended.getRefreshToken()).build());
        Poll.until(() -> assertThat(refused(ended)).isTrue());
        final DecodedJWT endedToken = JWT.decode(ended.getAccessToken());
        final DecodedJWT otherToken = JWT.decode(other.getAccessToken());

        final List<Revocation> seen = snapshot();

        // what a verifier needs is there: the hashes it compares a token's values with
        assertThat(seen).extracting(Revocation::getSessionIdSha256)
                        .contains(RevocationSet.sha256(endedToken.getClaim("sid").asString()));
        assertThat(seen).extracting(Revocation::getTokenIdSha256).contains(RevocationSet.sha256(otherToken.getId()));
        final String printed = TextFormat.printer().printToString(WatchRevocationsResponse.newBuilder()
                                                                                          .addAllRevocations(seen).build());
        final String raw = new String(WatchRevocationsResponse.newBuilder().addAllRevocations(seen).build().toByteArray(),
                                      StandardCharsets.ISO_8859_1);
        for (String secret : List.of(endedToken.getClaim("sid").asString(), otherToken.getId(), endedToken.getSubject())) {
            assertThat(printed).doesNotContain(secret);
            assertThat(raw).doesNotContain(secret);
        }
    }

    private static boolean refused(Token token) {
        try {
            AuthServiceIT.stub(server.port(), token.getAccessToken()).validateToken(ValidateTokenRequest.getDefaultInstance());
            return false;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() == Status.Code.UNAUTHENTICATED;
        }
    }
}
