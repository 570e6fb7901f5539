package io.sextant.gateway.errors;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.ResponseHeaders;

import io.grpc.Status.Code;
import io.sextant.platform.telemetry.Tracing;

/**
 * The REST error body of every failed request on the gateway:
 * {@code {"error": "<ErrorInfo.reason or gRPC code name>", "message": "...", "details": {...},
 * "timestamp": "<RFC 3339>", "trace_id": "..."}}, with the HTTP status that
 * {@code google/rpc/code.proto} gives the gRPC code.
 */
public final class RestErrorBody {

    /** The ErrorInfo domain of the errors the gateway answers itself. */
    public static final String DOMAIN = "gateway.sextant.io";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RestErrorBody() {}

    /** A gRPC failure, with the {@code google.rpc} details of its {@code grpc-status-details-bin} when it has them. */
    public static AggregatedHttpResponse ofGrpcStatus(RequestContext ctx, Code code, String message, com.google.rpc.Status status) {
        final List<Any> details = status == null ? List.of() : status.getDetailsList();
        final ErrorInfo info = ErrorDetails.errorInfo(details);
        final String error = info != null && !info.getReason().isEmpty() ? info.getReason() : code.name();
        final String text = status != null && !status.getMessage().isEmpty() ? status.getMessage() : message;
        final AggregatedHttpResponse response = of(ctx, HttpStatuses.of(code, error), error, text,
                                                   ErrorDetails.toJson(details));
        final long retryAfter = ErrorDetails.retryAfterSeconds(details);
        if (retryAfter < 0) {
            return response;
        }
        // the RetryInfo's delay, also as the header HTTP clients and proxies know
        return AggregatedHttpResponse.of(response.headers().toBuilder().setLong(HttpHeaderNames.RETRY_AFTER, retryAfter)
                                                 .build(),
                                         response.content());
    }

    /** The value of the key in the metadata of the status's ErrorInfo, or null. */
    public static String errorMetadata(com.google.rpc.Status status, String key) {
        final ErrorInfo info = status == null ? null : ErrorDetails.errorInfo(status.getDetailsList());
        return info == null ? null : info.getMetadataMap().get(key);
    }

    /** A failure the gateway answers itself, before or without a backend: unknown route, malformed body... */
    public static AggregatedHttpResponse ofHttpStatus(RequestContext ctx, HttpStatus status, String message) {
        return of(ctx, status, HttpStatuses.errorName(status), message,
                  JsonNodeFactory.instance.objectNode().put("domain", DOMAIN));
    }

    private static AggregatedHttpResponse of(RequestContext ctx, HttpStatus status, String error, String message,
                                             ObjectNode details) {
        final ObjectNode body = JsonNodeFactory.instance.objectNode()
                                                        .put("error", error)
                                                        .put("message", message);
        body.set("details", details);
        body.put("timestamp", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        // null only for a request so broken that Armeria made no context for it
        body.put("trace_id", ctx == null ? null : Tracing.traceId(ctx));
        final byte[] json;
        try {
            json = MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree of strings cannot fail to serialize", e);
        }
        return AggregatedHttpResponse.of(ResponseHeaders.builder(status).contentType(MediaType.JSON_UTF_8).build(),
                                         HttpData.wrap(json));
    }
}
