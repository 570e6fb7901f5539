package io.sextant.gateway.openapi;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The gateway's own routes, which forward nothing: {@code GET /health} and this document. */
final class GatewayRoutes {

    static final String TAG = "Gateway";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private GatewayRoutes() {}

    static ObjectNode tag() {
        return JSON.objectNode().put("name", TAG)
                   .put("description", "The gateway's own routes: they forward nothing and need no token.");
    }

    /** Adds the routes to {@code paths}, and the schema of /health to {@code schemas}. */
    static void addTo(ObjectNode paths, ObjectNode schemas) {
        schemas.set("GatewayHealth", healthSchema());
        final ObjectNode health = operation("GetGatewayHealth", "The health of every service behind the gateway",
                "Asks every service's gRPC health service in parallel, each within HEALTH_TIMEOUT. 200 while "
                + "at least one service is healthy (the gateway still serves its routes), 503 when none is. The "
                + "gateway's own liveness and readiness are `/health/ready`.");
        final ObjectNode responses = health.putObject("responses");
        responses.set("200", json("Every service or some are healthy.", JsonSchemas.ref("GatewayHealth")));
        responses.set("503", json("No service is healthy.", JsonSchemas.ref("GatewayHealth")));
        ErrorResponses.addDefaultTo(responses);
        paths.putObject("/health").set("get", health);

        final ObjectNode document = operation("GetOpenApiDocument", "This document",
                "The OpenAPI 3 description of the gateway's REST API, generated from the contracts when the "
                + "gateway starts.");
        final ObjectNode documentResponses = document.putObject("responses");
        documentResponses.set("200", json("The document.", JsonSchemas.object()));
        documentResponses.putObject("304").put("description", "Unchanged since the ETag in If-None-Match.");
        ErrorResponses.addDefaultTo(documentResponses);
        paths.putObject(OpenApiService.PATH).set("get", document);
    }

    private static ObjectNode operation(String id, String summary, String description) {
        final ObjectNode operation = JSON.objectNode();
        operation.putArray("tags").add(TAG);
        operation.put("summary", summary).put("description", description).put("operationId", id);
        operation.putArray("security");
        return operation;
    }

    private static ObjectNode json(String description, ObjectNode schema) {
        final ObjectNode response = JSON.objectNode().put("description", description);
        response.putObject("content").putObject("application/json").set("schema", schema);
        return response;
    }

    private static ObjectNode healthSchema() {
        final ObjectNode status = JsonSchemas.string();
        status.putArray("enum").add("healthy").add("unhealthy");
        final ObjectNode overall = JsonSchemas.string()
                .put("description", "healthy when every service is, unhealthy when none is, degraded otherwise");
        overall.putArray("enum").add("healthy").add("degraded").add("unhealthy");
        final ObjectNode gateway = JsonSchemas.string();
        gateway.putArray("enum").add("ok");
        final ObjectNode schema = JsonSchemas.object();
        schema.putArray("required").add("status").add("gateway").add("services");
        final ObjectNode properties = schema.putObject("properties");
        properties.set("status", overall);
        properties.set("gateway", gateway);
        properties.set("services", JsonSchemas.object().put("description", "Each service by name")
                                              .set("additionalProperties", status));
        return schema;
    }
}
