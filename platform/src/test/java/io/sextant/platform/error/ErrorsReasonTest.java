package io.sextant.platform.error;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;

import io.grpc.Status;
import io.grpc.protobuf.StatusProto;

/** Reading the reason of another service's error, as a client receives it. */
class ErrorsReasonTest {

    @Test
    void theReasonOfAnErrorInfoDetailIsReadAndItsAbsenceIsEmpty() {
        final com.google.rpc.Status limited = com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
                .setMessage("too many")
                .addDetails(Any.pack(BadRequest.getDefaultInstance()))
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("RECIPIENT_RATE_LIMITED")
                                              .setDomain("notification.sextant.io").build()))
                .build();
        assertThat(Errors.reasonOf(StatusProto.toStatusRuntimeException(limited))).contains("RECIPIENT_RATE_LIMITED");
        assertThat(Errors.reasonOf(Status.UNAVAILABLE.withDescription("down").asRuntimeException())).isEmpty();
    }
}
