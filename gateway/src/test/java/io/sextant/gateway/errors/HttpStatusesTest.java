package io.sextant.gateway.errors;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpStatus;

import io.grpc.Status.Code;

class HttpStatusesTest {

    @Test
    void grpcCodesMapAsCodeProtoSays() {
        assertThat(HttpStatuses.of(Code.OK).code()).isEqualTo(200);
        assertThat(HttpStatuses.of(Code.INVALID_ARGUMENT).code()).isEqualTo(400);
        assertThat(HttpStatuses.of(Code.FAILED_PRECONDITION).code()).isEqualTo(400);
        assertThat(HttpStatuses.of(Code.OUT_OF_RANGE).code()).isEqualTo(400);
        assertThat(HttpStatuses.of(Code.UNAUTHENTICATED).code()).isEqualTo(401);
        assertThat(HttpStatuses.of(Code.PERMISSION_DENIED).code()).isEqualTo(403);
        assertThat(HttpStatuses.of(Code.NOT_FOUND).code()).isEqualTo(404);
        assertThat(HttpStatuses.of(Code.ALREADY_EXISTS).code()).isEqualTo(409);
        assertThat(HttpStatuses.of(Code.ABORTED).code()).isEqualTo(409);
        assertThat(HttpStatuses.of(Code.RESOURCE_EXHAUSTED).code()).isEqualTo(429);
        assertThat(HttpStatuses.of(Code.CANCELLED).code()).isEqualTo(499);
        assertThat(HttpStatuses.of(Code.UNIMPLEMENTED).code()).isEqualTo(501);
        assertThat(HttpStatuses.of(Code.UNAVAILABLE).code()).isEqualTo(503);
        assertThat(HttpStatuses.of(Code.DEADLINE_EXCEEDED).code()).isEqualTo(504);
        assertThat(HttpStatuses.of(Code.INTERNAL).code()).isEqualTo(500);
        assertThat(HttpStatuses.of(Code.UNKNOWN).code()).isEqualTo(500);
        assertThat(HttpStatuses.of(Code.DATA_LOSS).code()).isEqualTo(500);
    }

    @Test
    void httpErrorsAreNamedByTheirGrpcCodeOrReasonPhrase() {
        assertThat(HttpStatuses.errorName(HttpStatus.NOT_FOUND)).isEqualTo("NOT_FOUND");
        assertThat(HttpStatuses.errorName(HttpStatus.BAD_REQUEST)).isEqualTo("INVALID_ARGUMENT");
        assertThat(HttpStatuses.errorName(HttpStatus.SERVICE_UNAVAILABLE)).isEqualTo("UNAVAILABLE");
        assertThat(HttpStatuses.errorName(HttpStatus.METHOD_NOT_ALLOWED)).isEqualTo("METHOD_NOT_ALLOWED");
        assertThat(HttpStatuses.errorName(HttpStatus.UNSUPPORTED_MEDIA_TYPE)).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
        assertThat(HttpStatuses.errorName(HttpStatus.REQUEST_ENTITY_TOO_LARGE)).isEqualTo("REQUEST_ENTITY_TOO_LARGE");
    }
}
