package io.sextant.gateway.errors;

import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.grpc.GoogleGrpcExceptionHandlerFunction;
import com.linecorp.armeria.common.util.Exceptions;

import io.grpc.Metadata;
import io.grpc.Status.Code;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.GrpcErrorMapper;

/**
 * gRPC level: an exception inside the gateway's gRPC services becomes a gRPC status (which
 * {@link GrpcStatusToRest} turns into the REST body of a transcoded call). A request message that cannot be decoded
 * (malformed JSON, an unknown field, a value of the wrong type, broken protobuf) is the caller's
 * mistake: INVALID_ARGUMENT saying what is wrong. Everything else is handled like on every service.
 * Statuses forwarded from a backend never come here: they are final.
 */
public final class ExceptionToGrpcStatus implements GoogleGrpcExceptionHandlerFunction {

    private final GrpcErrorMapper platform = new GrpcErrorMapper("gateway");

    @Override
    public com.google.rpc.Status applyStatusProto(RequestContext ctx, Throwable throwable, Metadata metadata) {
        final Throwable cause = Exceptions.peel(throwable);
        if (DecodingFailures.isDecodingFailure(cause)) {
            return GrpcErrorMapper.toStatusProto(
                    Errors.of(Code.INVALID_ARGUMENT, Code.INVALID_ARGUMENT.name(), DecodingFailures.describe(cause)),
                    RestErrorBody.DOMAIN);
        }
        return platform.applyStatusProto(ctx, cause, metadata);
    }
}
