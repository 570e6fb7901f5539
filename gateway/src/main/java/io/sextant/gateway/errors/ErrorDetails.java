package io.sextant.gateway.errors;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Durations;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Help;
import com.google.rpc.LocalizedMessage;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.QuotaFailure;
import com.google.rpc.ResourceInfo;
import com.google.rpc.RetryInfo;

/**
 * The {@code details} object of a REST error body, from the {@code google.rpc} details of a
 * {@code google.rpc.Status}: the ErrorInfo's {@code domain} and {@code metadata}, BadRequest's
 * {@code field_violations}, and the other standard details under snake_case names. DebugInfo is never
 * rendered (it carries stack entries), nor RequestInfo; unknown detail types are left out.
 */
final class ErrorDetails {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private ErrorDetails() {}

    /** The ErrorInfo among the details, if any. */
    static ErrorInfo errorInfo(List<Any> details) {
        for (Any detail : details) {
            if (detail.is(ErrorInfo.class)) {
                final ErrorInfo info = unpack(detail, ErrorInfo.class);
                if (info != null) {
                    return info;
                }
            }
        }
        return null;
    }

    /** The whole seconds of the RetryInfo's delay among the details, rounded up, or -1 when there is none. */
    static long retryAfterSeconds(List<Any> details) {
        for (Any detail : details) {
            if (detail.is(RetryInfo.class)) {
                final RetryInfo retry = unpack(detail, RetryInfo.class);
                if (retry != null && retry.hasRetryDelay()) {
                    final long millis = Durations.toMillis(retry.getRetryDelay());
                    return millis <= 0 ? 0 : (millis + 999) / 1000;
                }
            }
        }
        return -1;
    }

    static ObjectNode toJson(List<Any> details) {
        final ObjectNode out = JSON.objectNode();
        for (Any detail : details) {
            if (detail.is(ErrorInfo.class)) {
                errorInfo(out, unpack(detail, ErrorInfo.class));
            } else if (detail.is(BadRequest.class)) {
                badRequest(out, unpack(detail, BadRequest.class));
            } else if (detail.is(RetryInfo.class)) {
                retryInfo(out, unpack(detail, RetryInfo.class));
            } else if (detail.is(PreconditionFailure.class)) {
                preconditionFailure(out, unpack(detail, PreconditionFailure.class));
            } else if (detail.is(QuotaFailure.class)) {
                quotaFailure(out, unpack(detail, QuotaFailure.class));
            } else if (detail.is(ResourceInfo.class)) {
                resourceInfo(out, unpack(detail, ResourceInfo.class));
            } else if (detail.is(Help.class)) {
                help(out, unpack(detail, Help.class));
            } else if (detail.is(LocalizedMessage.class)) {
                localizedMessage(out, unpack(detail, LocalizedMessage.class));
            }
        }
        return out;
    }

    private static void errorInfo(ObjectNode out, ErrorInfo info) {
        if (info == null) {
            return;
        }
        if (!info.getDomain().isEmpty()) {
            out.put("domain", info.getDomain());
        }
        if (info.getMetadataCount() > 0) {
            final ObjectNode metadata = out.putObject("metadata");
            info.getMetadataMap().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> metadata.put(e.getKey(), e.getValue()));
        }
    }

    private static void badRequest(ObjectNode out, BadRequest badRequest) {
        if (badRequest == null) {
            return;
        }
        final ArrayNode violations = array(out, "field_violations");
        for (BadRequest.FieldViolation violation : badRequest.getFieldViolationsList()) {
            final ObjectNode item = violations.addObject()
                                              .put("field", violation.getField())
                                              .put("description", violation.getDescription());
            if (!violation.getReason().isEmpty()) {
                item.put("reason", violation.getReason());
            }
        }
    }

    private static void retryInfo(ObjectNode out, RetryInfo retry) {
        if (retry != null && retry.hasRetryDelay()) {
            out.put("retry_delay", Durations.toString(retry.getRetryDelay()));
        }
    }

    private static void preconditionFailure(ObjectNode out, PreconditionFailure failure) {
        if (failure == null) {
            return;
        }
        final ArrayNode violations = array(out, "precondition_violations");
        for (PreconditionFailure.Violation violation : failure.getViolationsList()) {
            violations.addObject()
                      .put("type", violation.getType())
                      .put("subject", violation.getSubject())
                      .put("description", violation.getDescription());
        }
    }

    private static void quotaFailure(ObjectNode out, QuotaFailure failure) {
        if (failure == null) {
            return;
        }
        final ArrayNode violations = array(out, "quota_violations");
        for (QuotaFailure.Violation violation : failure.getViolationsList()) {
            violations.addObject()
                      .put("subject", violation.getSubject())
                      .put("description", violation.getDescription());
        }
    }

    private static void resourceInfo(ObjectNode out, ResourceInfo info) {
        if (info != null) {
            out.putObject("resource")
               .put("type", info.getResourceType())
               .put("name", info.getResourceName())
               .put("owner", info.getOwner())
               .put("description", info.getDescription());
        }
    }

    private static void help(ObjectNode out, Help help) {
        if (help == null) {
            return;
        }
        final ArrayNode links = array(out, "links");
        for (Help.Link link : help.getLinksList()) {
            links.addObject().put("description", link.getDescription()).put("url", link.getUrl());
        }
    }

    private static void localizedMessage(ObjectNode out, LocalizedMessage message) {
        if (message != null) {
            out.putObject("localized_message")
               .put("locale", message.getLocale())
               .put("message", message.getMessage());
        }
    }

    /** The array under the name, created on first use so that two details of one type share it. */
    private static ArrayNode array(ObjectNode out, String name) {
        return out.has(name) ? (ArrayNode) out.get(name) : out.putArray(name);
    }

    private static <T extends com.google.protobuf.Message> T unpack(Any detail, Class<T> type) {
        try {
            return detail.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            return null; // a corrupt detail is left out rather than failing the whole error
        }
    }
}
