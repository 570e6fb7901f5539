package io.sextant.gateway.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import com.google.rpc.BadRequest;
import com.google.rpc.DebugInfo;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;

class ErrorDetailsTest {

    @Test
    void standardDetailsBecomeSnakeCaseJson() {
        final ObjectNode json = ErrorDetails.toJson(List.of(
                Any.pack(ErrorInfo.newBuilder().setReason("RATE_LIMITED").setDomain("auth.sextant.io")
                                  .putMetadata("limit", "10").build()),
                Any.pack(BadRequest.newBuilder()
                                   .addFieldViolations(BadRequest.FieldViolation.newBuilder().setField("email")
                                                                                .setDescription("not an e-mail address"))
                                   .build()),
                Any.pack(RetryInfo.newBuilder().setRetryDelay(Durations.fromMillis(1500)).build())));

        assertThat(json.toString()).isEqualTo(
                "{\"domain\":\"auth.sextant.io\",\"metadata\":{\"limit\":\"10\"},"
                + "\"field_violations\":[{\"field\":\"email\",\"description\":\"not an e-mail address\"}],"
                + "\"retry_delay\":\"1.500s\"}");
        assertThat(ErrorDetails.errorInfo(List.of(Any.pack(ErrorInfo.newBuilder().setReason("X").build())))
                               .getReason()).isEqualTo("X");
    }

    @Test
    void debugInfoNeverReachesTheClient() {
        final ObjectNode json = ErrorDetails.toJson(List.of(
                Any.pack(DebugInfo.newBuilder().addStackEntries("at io.sextant.Secret.method(Secret.java:1)")
                                  .setDetail("NullPointerException").build())));

        assertThat(json.isEmpty()).isTrue();
    }
}
