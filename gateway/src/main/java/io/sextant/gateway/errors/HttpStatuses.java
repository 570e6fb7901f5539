package io.sextant.gateway.errors;

import java.util.Locale;

import com.linecorp.armeria.common.HttpStatus;

import io.grpc.Status.Code;

/** The HTTP status of each gRPC code, as {@code google/rpc/code.proto} maps them, and back. */
final class HttpStatuses {

    private HttpStatuses() {}

    /**
     * The status of a code with the ErrorInfo reason of the failure: RESOURCE_EXHAUSTED is 429 (a quota,
     * a rate), but 413 when the reason says the request itself is too large ({@code FILE_TOO_LARGE}, any
     * {@code *_TOO_LARGE}): trying again will not help.
     */
    static HttpStatus of(Code code, String reason) {
        if (code == Code.RESOURCE_EXHAUSTED && reason != null && reason.endsWith("_TOO_LARGE")) {
            return HttpStatus.REQUEST_ENTITY_TOO_LARGE;
        }
        return of(code);
    }

    static HttpStatus of(Code code) {
        return switch (code) {
            case OK -> HttpStatus.OK;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> HttpStatus.BAD_REQUEST;
            case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
            case PERMISSION_DENIED -> HttpStatus.FORBIDDEN;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case ALREADY_EXISTS, ABORTED -> HttpStatus.CONFLICT;
            case RESOURCE_EXHAUSTED -> HttpStatus.TOO_MANY_REQUESTS;
            case CANCELLED -> HttpStatus.CLIENT_CLOSED_REQUEST;
            case UNIMPLEMENTED -> HttpStatus.NOT_IMPLEMENTED;
            case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
            case DEADLINE_EXCEEDED -> HttpStatus.GATEWAY_TIMEOUT;
            case INTERNAL, UNKNOWN, DATA_LOSS -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }

    /**
     * The {@code error} of a REST error body for an HTTP-level failure that no backend answered: the
     * gRPC code that maps to the status where there is one (404 is NOT_FOUND), otherwise the reason
     * phrase in UPPER_SNAKE (405 is METHOD_NOT_ALLOWED).
     */
    static String errorName(HttpStatus status) {
        return switch (status.code()) {
            case 400 -> Code.INVALID_ARGUMENT.name();
            case 401 -> Code.UNAUTHENTICATED.name();
            case 403 -> Code.PERMISSION_DENIED.name();
            case 404 -> Code.NOT_FOUND.name();
            case 429 -> Code.RESOURCE_EXHAUSTED.name();
            case 499 -> Code.CANCELLED.name();
            case 500 -> Code.INTERNAL.name();
            case 501 -> Code.UNIMPLEMENTED.name();
            case 503 -> Code.UNAVAILABLE.name();
            case 504 -> Code.DEADLINE_EXCEEDED.name();
            default -> status.reasonPhrase().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]+", "_");
        };
    }
}
