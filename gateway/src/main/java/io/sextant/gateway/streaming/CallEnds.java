package io.sextant.gateway.streaming;

import com.google.protobuf.InvalidProtocolBufferException;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Metadata;
import io.grpc.Status;
import io.sextant.gateway.errors.ExceptionToGrpcStatus;
import io.sextant.gateway.errors.RestErrorBody;

/**
 * How a call that the gateway serves over HTTP ends, shared by its server calls (event streams, byte
 * uploads and downloads): the status and {@code google.rpc.Status} details of the backend's answer or of
 * the gateway's own refusal, as a REST error, and recorded in the request log as Armeria's gRPC calls do.
 */
final class CallEnds {

    private static final Metadata.Key<byte[]> STATUS_DETAILS =
            Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);
    private static final ExceptionToGrpcStatus EXCEPTIONS = new ExceptionToGrpcStatus();

    private CallEnds() {}

    /** How a call ended: its status and the {@code google.rpc.Status} details, if any. */
    record Failure(Status status, com.google.rpc.Status details) {

        static Failure of(Status status, Metadata trailers) {
            return new Failure(status, CallEnds.details(trailers));
        }

        /** A failure of the gateway's own (an unreadable request, a refusal), as the gRPC form of the call would see it. */
        static Failure of(ServiceRequestContext ctx, Throwable e) {
            final com.google.rpc.Status proto = EXCEPTIONS.applyStatusProto(ctx, e, new Metadata());
            return new Failure(Status.fromCodeValue(proto.getCode()).withDescription(proto.getMessage()), proto);
        }

        /** The REST error body, with its HTTP status. */
        AggregatedHttpResponse restError(ServiceRequestContext ctx) {
            final String message = status.getDescription() == null || status.getDescription().isEmpty()
                                   ? "the call failed with " + status.getCode() : status.getDescription();
            return RestErrorBody.ofGrpcStatus(ctx, status.getCode(), message, details);
        }
    }

    /**
     * Records the call's gRPC status in the request log, as Armeria's gRPC calls do (REST answers carry
     * none on the wire): the RPC metrics and the access log read it there.
     */
    static void recordStatus(ServiceRequestContext ctx, Status.Code code) {
        ctx.logBuilder().responseTrailers(HttpHeaders.of(GrpcHeaderNames.GRPC_STATUS, String.valueOf(code.value())));
    }

    private static com.google.rpc.Status details(Metadata trailers) {
        final byte[] bytes = trailers == null ? null : trailers.get(STATUS_DETAILS);
        if (bytes == null) {
            return null;
        }
        try {
            return com.google.rpc.Status.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }
}
