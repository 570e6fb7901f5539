package io.sextant.gateway.openapi;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The gateway's one REST error body (see {@code RestErrorBody} and {@code ErrorDetails}) as a schema, and
 * the responses every operation references: the common 4xx/5xx statuses and {@code default}.
 */
final class ErrorResponses {

    static final String SCHEMA = "Error";

    /** Status → component name and what it means on this gateway. */
    private static final Map<String, String[]> COMMON = new LinkedHashMap<>();

    static {
        COMMON.put("400", new String[] {"BadRequest", "The request is malformed or a field is invalid (INVALID_ARGUMENT, "
                                                      + "FAILED_PRECONDITION, OUT_OF_RANGE); `details.field_violations` names the fields."});
        COMMON.put("401", new String[] {"Unauthenticated", "No valid bearer token (UNAUTHENTICATED)."});
        COMMON.put("403", new String[] {"PermissionDenied", "The caller may not do this (PERMISSION_DENIED)."});
        COMMON.put("404", new String[] {"NotFound", "No such resource, or no such route (NOT_FOUND)."});
        COMMON.put("409", new String[] {"Conflict", "The resource exists already or changed meanwhile (ALREADY_EXISTS, ABORTED)."});
        COMMON.put("429", new String[] {"TooManyRequests", "A quota or rate limit is reached (RESOURCE_EXHAUSTED)."});
        COMMON.put("503", new String[] {"Unavailable", "The service behind the gateway is down (UNAVAILABLE, "
                                                       + "`BACKEND_UNAVAILABLE`)."});
        COMMON.put("504", new String[] {"Timeout", "The service did not answer within the deadline (DEADLINE_EXCEEDED, "
                                                   + "`BACKEND_TIMEOUT`)."});
    }

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private ErrorResponses() {}

    /** Adds the Error schema and the error responses to the document's components. */
    static void addComponents(ObjectNode schemas, ObjectNode responses) {
        schemas.set(SCHEMA, errorSchema());
        schemas.set("ErrorDetails", detailsSchema());
        for (String[] response : COMMON.values()) {
            responses.set(response[0], response(response[1]));
        }
        responses.set("Error", response("Any other error, in the same shape."));
    }

    /** References to the error responses, to add to an operation's responses. */
    static void addTo(ObjectNode operationResponses) {
        COMMON.forEach((status, response) -> operationResponses.set(status, ref(response[0])));
        addDefaultTo(operationResponses);
    }

    /** The error response of any status not listed: every failure on the gateway has the one shape. */
    static void addDefaultTo(ObjectNode operationResponses) {
        operationResponses.set("default", ref("Error"));
    }

    private static ObjectNode ref(String response) {
        return JSON.objectNode().put("$ref", "#/components/responses/" + response);
    }

    private static ObjectNode response(String description) {
        final ObjectNode response = JSON.objectNode().put("description", description);
        response.putObject("content").putObject("application/json").set("schema", JsonSchemas.ref(SCHEMA));
        return response;
    }

    private static ObjectNode errorSchema() {
        final ObjectNode schema = JsonSchemas.object()
                .put("description", "The one shape of every error the gateway answers, with the HTTP status that "
                                    + "google/rpc/code.proto gives the gRPC code.");
        schema.putArray("required").add("error").add("message").add("details").add("timestamp").add("trace_id");
        final ObjectNode properties = schema.putObject("properties");
        properties.set("error", described(JsonSchemas.string(),
                "The ErrorInfo reason (e.g. `INVALID_CREDENTIALS`, `TOKEN_EXPIRED`, `NOT_BUILT_YET`, "
                + "`BACKEND_UNAVAILABLE`) or the gRPC code name (`INVALID_ARGUMENT`, `NOT_FOUND`...)."));
        properties.set("message", described(JsonSchemas.string(), "What went wrong, for a person."));
        properties.set("details", JsonSchemas.ref("ErrorDetails"));
        properties.set("timestamp", described(JsonSchemas.string().put("format", "date-time"),
                                              "When the gateway answered (RFC 3339)."));
        properties.set("trace_id", described(JsonSchemas.string().put("nullable", true),
                                             "The trace of the request, to quote when reporting the error."));
        return schema;
    }

    private static ObjectNode detailsSchema() {
        final ObjectNode schema = JsonSchemas.object()
                .put("description", "The google.rpc details of the error under snake_case names; absent ones are left out.");
        final ObjectNode properties = schema.putObject("properties");
        properties.set("domain", described(JsonSchemas.string(), "The ErrorInfo domain: the service that raised it."));
        properties.set("metadata", JsonSchemas.object().set("additionalProperties", JsonSchemas.string()));
        properties.set("field_violations", JsonSchemas.array(object("field", "description", "reason")));
        properties.set("retry_delay", described(JsonSchemas.string(), "RetryInfo: how long to wait, e.g. `1.5s`."));
        properties.set("precondition_violations", JsonSchemas.array(object("type", "subject", "description")));
        properties.set("quota_violations", JsonSchemas.array(object("subject", "description")));
        properties.set("resource", object("type", "name", "owner", "description"));
        properties.set("links", JsonSchemas.array(object("description", "url")));
        properties.set("localized_message", object("locale", "message"));
        return schema;
    }

    private static ObjectNode object(String... stringProperties) {
        final ObjectNode schema = JsonSchemas.object();
        final ObjectNode properties = schema.putObject("properties");
        for (String name : stringProperties) {
            properties.set(name, JsonSchemas.string());
        }
        return schema;
    }

    private static ObjectNode described(ObjectNode schema, String description) {
        return schema.put("description", description);
    }
}
