package io.sextant.gateway.errors;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.google.protobuf.InvalidProtocolBufferException;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.UnframedGrpcErrorHandler;

import io.grpc.Status;

/**
 * gRPC level: turns the gRPC error of a transcoded REST call (the backend's, or the gateway's own) into the
 * REST error body, with the {@code google.rpc} details of its {@code grpc-status-details-bin}.
 */
public final class GrpcStatusToRest implements UnframedGrpcErrorHandler {

    @Override
    public HttpResponse handle(ServiceRequestContext ctx, Status status, AggregatedHttpResponse response) {
        final HttpHeaders trailers = response.trailers().isEmpty() ? response.headers() : response.trailers();
        return RestErrorBody.ofGrpcStatus(ctx, status.getCode(), message(status),
                                details(trailers.get(GrpcHeaderNames.GRPC_STATUS_DETAILS_BIN)))
                        .toHttpResponse();
    }

    /** The status's description, which Armeria hands over still percent-encoded as in {@code grpc-message}. */
    private static String message(Status status) {
        final String description = status.getDescription();
        if (description == null || description.isEmpty()) {
            return "the call failed with " + status.getCode();
        }
        try {
            // grpc-message percent-encodes only; a '+' in it is a plus, not a space
            return URLDecoder.decode(description.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return description;
        }
    }

    private static com.google.rpc.Status details(String base64) {
        if (base64 == null || base64.isEmpty()) {
            return null;
        }
        try {
            return com.google.rpc.Status.parseFrom(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
            return null; // corrupt details: the code and message still make a proper error
        }
    }
}
