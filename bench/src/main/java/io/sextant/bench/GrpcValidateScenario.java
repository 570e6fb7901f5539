package io.sextant.bench;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;

import io.grpc.stub.StreamObserver;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.auth.v1.ValidateTokenResponse;

/** {@code sextant.auth.v1.AuthService/ValidateToken} over gRPC, to the auth service or through the gateway. */
final class GrpcValidateScenario implements Scenario {

    private static final ValidateTokenRequest REQUEST = ValidateTokenRequest.getDefaultInstance();

    private final RoundRobin<AuthServiceGrpc.AuthServiceStub> stubs;

    GrpcValidateScenario(Connections connections, URI target, Duration timeout, String accessToken) {
        this.stubs = new RoundRobin<>(connections.factories().stream()
                .map(factory -> GrpcClients.builder(target)
                                           .factory(factory)
                                           .responseTimeout(timeout)
                                           .addHeader(HttpHeaderNames.AUTHORIZATION, "Bearer " + accessToken)
                                           .build(AuthServiceGrpc.AuthServiceStub.class))
                .toList());
    }

    @Override
    public CompletableFuture<Outcome> send() {
        final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        stubs.next().validateToken(REQUEST, new StreamObserver<>() {
            @Override
            public void onNext(ValidateTokenResponse response) {
                // the answer's content is the auth service's business; success is the OK status
            }

            @Override
            public void onError(Throwable failure) {
                outcome.complete(Outcome.failure(failure));
            }

            @Override
            public void onCompleted() {
                outcome.complete(Outcome.OK);
            }
        });
        return outcome;
    }
}
