package io.sextant.platform.error;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.google.rpc.BadRequest.FieldViolation;

import io.grpc.Status.Code;

/** Factory of the errors services throw. Reasons are UPPER_SNAKE and stable: clients switch on them. */
public final class Errors {

    private Errors() {}

    public static ServiceException of(Code code, String reason, String message) {
        return new ServiceException(code, reason, message, Map.of(), List.of());
    }

    public static ServiceException of(Code code, String reason, String message, Map<String, String> metadata) {
        return new ServiceException(code, reason, message, metadata, List.of());
    }

    /** One field is wrong: INVALID_ARGUMENT with a BadRequest field violation. */
    public static ServiceException invalidField(String field, String description) {
        return invalidFields(List.of(FieldViolation.newBuilder().setField(field).setDescription(description).build()));
    }

    /** Several fields are wrong. */
    public static ServiceException invalidFields(List<FieldViolation> violations) {
        final String message = violations.size() == 1
                               ? violations.get(0).getField() + ": " + violations.get(0).getDescription()
                               : "invalid fields: " + String.join(", ", violations.stream().map(FieldViolation::getField).toList());
        return new ServiceException(Code.INVALID_ARGUMENT, "INVALID_ARGUMENT", message, Map.of(), violations);
    }

    public static ServiceException notFound(String resource, String name) {
        return new ServiceException(Code.NOT_FOUND, "NOT_FOUND", resource + " '" + name + "' does not exist",
                                    Map.of("resource", resource, "name", name), List.of());
    }

    public static ServiceException alreadyExists(String reason, String message) {
        return of(Code.ALREADY_EXISTS, reason, message);
    }

    public static ServiceException unauthenticated(String reason, String message) {
        return of(Code.UNAUTHENTICATED, reason, message);
    }

    public static ServiceException permissionDenied(String reason, String message) {
        return of(Code.PERMISSION_DENIED, reason, message);
    }

    public static ServiceException failedPrecondition(String reason, String message) {
        return of(Code.FAILED_PRECONDITION, reason, message);
    }

    public static ServiceException resourceExhausted(String reason, String message, Map<String, String> metadata) {
        return of(Code.RESOURCE_EXHAUSTED, reason, message, metadata);
    }

    /**
     * A limit refused the call until {@code retryDelay} has passed: RESOURCE_EXHAUSTED with a
     * {@code google.rpc.RetryInfo} (the gateway's 429 carries it as Retry-After).
     */
    public static ServiceException resourceExhausted(String reason, String message, Map<String, String> metadata,
                                                     Duration retryDelay) {
        return new ServiceException(Code.RESOURCE_EXHAUSTED, reason, message, metadata, List.of(), retryDelay);
    }

    public static ServiceException unavailable(String reason, String message) {
        return of(Code.UNAVAILABLE, reason, message);
    }
}
