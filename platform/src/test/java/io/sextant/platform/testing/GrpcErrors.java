package io.sextant.platform.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/** Reads the {@code google.rpc.Status} a client receives, as a client in any language would. */
public final class GrpcErrors {

    private GrpcErrors() {}

    /** Runs a call that must fail, and returns the error the client got. */
    public static StatusRuntimeException failure(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("the call succeeded, but it should have failed");
    }

    public static Status.Code code(StatusRuntimeException e) {
        return e.getStatus().getCode();
    }

    /** The rich status from the {@code grpc-status-details-bin} trailer. */
    public static com.google.rpc.Status details(StatusRuntimeException e) {
        final com.google.rpc.Status status = StatusProto.fromThrowable(e);
        assertThat(status).as("google.rpc.Status details of %s", e.getStatus()).isNotNull();
        return status;
    }

    public static ErrorInfo errorInfo(StatusRuntimeException e) {
        return unpack(details(e), ErrorInfo.class);
    }

    public static BadRequest badRequest(StatusRuntimeException e) {
        return unpack(details(e), BadRequest.class);
    }

    private static <T extends com.google.protobuf.Message> T unpack(com.google.rpc.Status status, Class<T> type) {
        for (Any detail : status.getDetailsList()) {
            if (detail.is(type)) {
                try {
                    return detail.unpack(type);
                } catch (InvalidProtocolBufferException e) {
                    throw new AssertionError(e);
                }
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + status);
    }
}
