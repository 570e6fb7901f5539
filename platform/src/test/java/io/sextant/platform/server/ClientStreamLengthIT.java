package io.sextant.platform.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.sextant.platform.grpc.GrpcLimits;
import io.sextant.platform.testing.TestServers;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.GetFileRequest;
import io.sextant.storage.v1.GetFileResponse;
import io.sextant.storage.v1.StorageServiceGrpc;
import io.sextant.storage.v1.UploadFileRequest;
import io.sextant.storage.v1.UploadFileResponse;
import io.sextant.storage.v1.UploadMetadata;

/**
 * The server's request length limit against a client stream, over real gRPC: an upload stream larger
 * than one message's worth (16 MiB) in total reaches the service whole (armeria#3803 would refuse it
 * with the server-wide limit), while a unary call stays bounded.
 */
class ClientStreamLengthIT {

    private static final int CHUNK = 1024 * 1024;
    private static final int CHUNKS = GrpcLimits.MAX_MESSAGE_BYTES / CHUNK + 4; // 20 MiB

    /** A storage stand-in that counts the bytes an upload brings and answers with the count. */
    static final class CountingStorage extends StorageServiceGrpc.StorageServiceImplBase {
        @Override
        public StreamObserver<UploadFileRequest> uploadFile(StreamObserver<UploadFileResponse> response) {
            final AtomicLong bytes = new AtomicLong();
            return new StreamObserver<>() {
                @Override
                public void onNext(UploadFileRequest request) {
                    bytes.addAndGet(request.getData().size());
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    response.onNext(UploadFileResponse.newBuilder()
                                                      .setFile(File.newBuilder().setSizeBytes(bytes.get())).build());
                    response.onCompleted();
                }
            };
        }

        /** The unary calls that reached the service. */
        final AtomicLong unaryCalls = new AtomicLong();

        @Override
        public void getFile(GetFileRequest request, StreamObserver<GetFileResponse> response) {
            unaryCalls.incrementAndGet();
            response.onNext(GetFileResponse.newBuilder().build());
            response.onCompleted();
        }
    }

    private static final CountingStorage STORAGE = new CountingStorage();
    private static SextantServer server;

    @BeforeAll
    static void start() {
        server = SextantServer.builder(TestServers.config("storage")).grpcService(STORAGE).build().start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anUploadStreamMayBeLargerThanTheRequestLengthLimit() throws Exception {
        final StorageServiceGrpc.StorageServiceStub storage =
                TestServers.grpc(server.port()).build(StorageServiceGrpc.StorageServiceStub.class);
        final CompletableFuture<UploadFileResponse> answer = new CompletableFuture<>();
        final StreamObserver<UploadFileRequest> upload = storage.uploadFile(new StreamObserver<>() {
            @Override
            public void onNext(UploadFileResponse value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
        });
        upload.onNext(UploadFileRequest.newBuilder().setMetadata(UploadMetadata.newBuilder().setFile(
                File.newBuilder().setFilename("big.bin"))).build());
        final ByteString chunk = ByteString.copyFrom(new byte[CHUNK]);
        for (int i = 0; i < CHUNKS; i++) {
            upload.onNext(UploadFileRequest.newBuilder().setData(chunk).build());
        }
        upload.onCompleted();
        assertThat(answer.get(60, TimeUnit.SECONDS).getFile().getSizeBytes())
                .isEqualTo((long) CHUNKS * CHUNK)
                .isGreaterThan(GrpcLimits.MAX_MESSAGE_BYTES);
    }

    @Test
    void aUnaryCallStaysBounded() {
        final StorageServiceGrpc.StorageServiceBlockingStub storage =
                TestServers.grpc(server.port()).build(StorageServiceGrpc.StorageServiceBlockingStub.class);
        final StatusRuntimeException refused = catchThrowableOfType(
                () -> storage.getFile(GetFileRequest.newBuilder().setName("x".repeat(GrpcLimits.MAX_MESSAGE_BYTES + 1))
                                                    .build()),
                StatusRuntimeException.class);
        // refused by the server's request length limit as its headers arrive (an HTTP 413, which a gRPC
        // client reads as UNKNOWN), before the service runs
        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).isNotEqualTo(Status.Code.OK);
        assertThat(STORAGE.unaryCalls).hasValue(0);
    }
}
