package io.sextant.platform.server;

import static io.sextant.platform.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.auth.v1.ValidateTokenResponse;
import io.sextant.auth.v1.WatchRevocationsRequest;
import io.sextant.auth.v1.WatchRevocationsResponse;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestServers;

/**
 * What operators find in the logs: a bug is logged once, with its stack trace, under the request id
 * the client was given; a client that goes away is not an error of the service.
 */
class ErrorLoggingIT {

    private static final CountDownLatch STREAM_CANCELLED = new CountDownLatch(1);

    static final class StreamingService extends AuthServiceGrpc.AuthServiceImplBase {
        @Override
        public void validateToken(ValidateTokenRequest request, StreamObserver<ValidateTokenResponse> response) {
            throw new IllegalStateException("a bug with a secret: hunter2");
        }

        @Override
        public void watchRevocations(WatchRevocationsRequest request, StreamObserver<WatchRevocationsResponse> response) {
            final var observer = (ServerCallStreamObserver<WatchRevocationsResponse>) response;
            observer.setOnCancelHandler(STREAM_CANCELLED::countDown);
            observer.onNext(WatchRevocationsResponse.newBuilder().setSnapshotComplete(true).build());
            // and the stream stays open until the client leaves
        }
    }

    private static SextantServer server;
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeAll
    static void start() {
        server = SextantServer.builder(TestServers.config("auth")).grpcService(new StreamingService()).build().start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void capture() {
        logged.start();
        root.addAppender(logged);
    }

    @AfterEach
    void release() {
        root.detachAppender(logged);
    }

    private List<ILoggingEvent> errors() {
        return logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR)).toList();
    }

    @Test
    void a_bug_is_logged_with_its_stack_trace_under_the_request_id_the_client_got() {
        final StatusRuntimeException e = failure(
                () -> TestServers.grpc(server.port()).addHeader("x-request-id", "find-me-42")
                                 .build(AuthServiceGrpc.AuthServiceBlockingStub.class)
                                 .validateToken(ValidateTokenRequest.getDefaultInstance()));
        assertThat(e.getStatus().getDescription()).contains("find-me-42");

        Poll.until(() -> assertThat(errors()).hasSize(1));
        final ILoggingEvent event = errors().get(0);
        assertThat(event.getMDCPropertyMap()).containsEntry("request_id", "find-me-42");
        assertThat(event.getThrowableProxy()).isNotNull();
        assertThat(event.getThrowableProxy().getMessage()).contains("hunter2");
    }

    @Test
    void a_client_cancelling_a_stream_is_not_an_error() throws Exception {
        final CountDownLatch firstMessage = new CountDownLatch(1);
        final ClientCallStreamObserver<?>[] call = new ClientCallStreamObserver<?>[1];
        TestServers.grpc(server.port()).responseTimeout(java.time.Duration.ZERO)
                   .build(AuthServiceGrpc.AuthServiceStub.class)
                   .watchRevocations(WatchRevocationsRequest.getDefaultInstance(),
                                     new ClientResponseObserver<WatchRevocationsRequest, WatchRevocationsResponse>() {
                                         @Override
                                         public void beforeStart(ClientCallStreamObserver<WatchRevocationsRequest> c) {
                                             call[0] = c;
                                         }

                                         @Override
                                         public void onNext(WatchRevocationsResponse value) {
                                             firstMessage.countDown();
                                         }

                                         @Override
                                         public void onError(Throwable t) {}

                                         @Override
                                         public void onCompleted() {}
                                     });
        assertThat(firstMessage.await(30, TimeUnit.SECONDS)).isTrue();

        call[0].cancel("the client is done", null);

        assertThat(STREAM_CANCELLED.await(30, TimeUnit.SECONDS)).isTrue();
        // once the call is fully accounted for, the server has said all it will say about it
        Poll.until(() -> assertThat(TestServers.get(server.port(), "/metrics").body())
                .containsPattern("(?m)^grpc_server_handled_total\\{[^}]*grpc_method=\"WatchRevocations\""
                                 + "[^}]*grpc_code=\"CANCELLED\"[^}]*\\} 1"));
        assertThat(errors()).isEmpty();
    }
}
