package io.sextant.gateway;

import java.util.Arrays;

import com.google.protobuf.ByteString;

import io.grpc.stub.StreamObserver;
import io.sextant.storage.v1.ContentInfo;
import io.sextant.storage.v1.DownloadFileRequest;
import io.sextant.storage.v1.DownloadFileResponse;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.StorageServiceGrpc;
import io.sextant.storage.v1.UploadFileRequest;
import io.sextant.storage.v1.UploadFileResponse;

/** A stand-in for the storage service: its two streaming RPCs, to check that streams are forwarded as streams. */
final class TestStorageService extends StorageServiceGrpc.StorageServiceImplBase {

    static final int CHUNKS = 5;

    /**
     * Answers the file's info, then CHUNKS chunks of 1 KiB each filled with its index, or, when the
     * request has a {@code read_limit}, that many bytes in chunks of 1 MiB.
     */
    @Override
    public void downloadFile(DownloadFileRequest request, StreamObserver<DownloadFileResponse> response) {
        final int chunkSize = request.getReadLimit() > 0 ? 1024 * 1024 : 1024;
        final long chunks = request.getReadLimit() > 0 ? request.getReadLimit() / chunkSize : CHUNKS;
        response.onNext(DownloadFileResponse.newBuilder()
                                            .setInfo(ContentInfo.newBuilder().setFilename("report.pdf")
                                                                .setSizeBytes(chunks * chunkSize))
                                            .build());
        for (int i = 0; i < chunks; i++) {
            final byte[] chunk = new byte[chunkSize];
            Arrays.fill(chunk, (byte) i);
            response.onNext(DownloadFileResponse.newBuilder().setData(ByteString.copyFrom(chunk)).build());
        }
        response.onCompleted();
    }

    /** Counts the bytes of the chunks that follow the metadata. */
    @Override
    public StreamObserver<UploadFileRequest> uploadFile(StreamObserver<UploadFileResponse> response) {
        return new StreamObserver<>() {
            private String filename = "";
            private long size;

            @Override
            public void onNext(UploadFileRequest part) {
                if (part.hasMetadata()) {
                    filename = part.getMetadata().getFile().getFilename();
                } else {
                    size += part.getData().size();
                }
            }

            @Override
            public void onError(Throwable t) {
                // the caller went away: nothing to answer
            }

            @Override
            public void onCompleted() {
                response.onNext(UploadFileResponse.newBuilder()
                                                  .setFile(File.newBuilder().setFilename(filename).setSizeBytes(size))
                                                  .build());
                response.onCompleted();
            }
        };
    }
}
