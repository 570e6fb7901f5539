package io.sextant.gateway.errors;

import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;

/**
 * Whether a request is a gRPC or gRPC-Web call (its answers and errors are gRPC statuses) rather than
 * REST/JSON (its errors are the REST error body), by its content type.
 */
public final class GrpcContent {

    private GrpcContent() {}

    public static boolean isGrpc(MediaType contentType) {
        // the cheap test first: REST requests (most) stop at it
        return contentType != null && contentType.subtype().startsWith("grpc")
               && GrpcSerializationFormats.values().stream().anyMatch(f -> f.isAccepted(contentType));
    }
}
