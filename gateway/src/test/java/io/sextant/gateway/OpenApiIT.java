package io.sextant.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;

import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.sextant.gateway.backends.Backend;
import io.sextant.platform.policy.RpcPolicy;
import io.sextant.platform.server.SextantServer;

/**
 * The OpenAPI document a started gateway serves at /openapi.json: valid against the published OpenAPI
 * 3.0 schema, one operation per HTTP binding of every public RPC of every backend, with the security,
 * parameters and ProtoJSON schemas the gateway actually applies.
 */
class OpenApiIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static SextantServer gateway;
    private static WebClient http;
    private static AggregatedHttpResponse served;
    private static JsonNode document;

    @BeforeAll
    static void start() throws IOException {
        // the document needs no backend: every service is down
        gateway = TestMesh.startGateway(Map.of(), Map.of());
        http = WebClient.builder("http://127.0.0.1:" + gateway.port()).responseTimeout(Duration.ofSeconds(10)).build();
        served = http.get("/openapi.json").aggregate().join();
        document = JSON.readTree(served.contentUtf8());
    }

    @AfterAll
    static void stop() {
        TestMesh.closeAll(gateway);
    }

    @Test
    void isServedAsJsonWithAnEntityTag() {
        assertThat(served.status().code()).isEqualTo(200);
        assertThat(served.contentType().isJson()).isTrue();
        final String etag = served.headers().get(HttpHeaderNames.ETAG);
        assertThat(etag).isNotBlank();
        assertThat(served.headers().get(HttpHeaderNames.CACHE_CONTROL)).contains("no-cache");

        final AggregatedHttpResponse again = http.execute(
                RequestHeaders.builder(HttpMethod.GET, "/openapi.json").add(HttpHeaderNames.IF_NONE_MATCH, etag).build())
                                                 .aggregate().join();
        assertThat(again.status().code()).isEqualTo(304);
    }

    @Test
    void isValidAgainstTheOpenApi30Schema() throws IOException {
        assertThat(document.get("openapi").asText()).startsWith("3.0.");
        assertThat(errors(document)).isEmpty();
    }

    @Test
    void theValidatorCatchesAnInvalidDocument() throws IOException {
        final ObjectNode withoutInfo = document.deepCopy();
        withoutInfo.remove("info");
        assertThat(errors(withoutInfo)).isNotEmpty();

        // deeper: a parameter with no location
        final ObjectNode badParameter = document.deepCopy();
        ((ObjectNode) badParameter.at("/paths/~1v1~1users~1{users_id}/get/parameters/0")).remove("in");
        assertThat(errors(badParameter)).isNotEmpty();
    }

    @Test
    void everyPublicRpcOfEveryBackendIsOneOperationPerBinding() {
        final Map<String, Integer> expected = new HashMap<>();
        for (Backend backend : Backend.ALL) {
            for (ServiceDescriptor api : backend.apis()) {
                final var service = ((ProtoServiceDescriptorSupplier) api.getSchemaDescriptor()).getServiceDescriptor();
                for (MethodDescriptor method : service.getMethods()) {
                    if (method.getOptions().hasExtension(AnnotationsProto.http)) {
                        final HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
                        expected.put(service.getFullName() + "/" + method.getName(),
                                     1 + rule.getAdditionalBindingsCount());
                    }
                }
            }
        }
        assertThat(expected).isNotEmpty();

        final Map<String, Integer> actual = new HashMap<>();
        final List<String> operationIds = new ArrayList<>();
        for (JsonNode operation : operations()) {
            operationIds.add(operation.get("operationId").asText());
            if (operation.has("x-grpc-method")) {
                actual.merge(operation.get("x-grpc-method").asText(), 1, Integer::sum);
            }
        }
        assertThat(actual).isEqualTo(expected);
        assertThat(operationIds).doesNotHaveDuplicates();
        // internal RPCs (no HTTP rule) are not in the document
        assertThat(actual).doesNotContainKey("sextant.auth.v1.AuthService/WatchRevocations");
        assertThat(operationIds).contains("Login", "ListUsers", "GetGatewayHealth");
    }

    @Test
    void publicRoutesNeedNoTokenAndEveryOtherOperationTheBearerToken() {
        assertThat(document.at("/components/securitySchemes/bearerAuth/scheme").asText()).isEqualTo("bearer");
        assertThat(document.at("/security/0/bearerAuth").isArray()).isTrue();
        // the public methods, as their contracts declare them
        final Set<String> publicMethods = new HashSet<>();
        for (Backend backend : Backend.ALL) {
            for (ServiceDescriptor api : backend.apis()) {
                api.getMethods().stream().filter(m -> RpcPolicy.of(m).isPublic())
                   .forEach(m -> publicMethods.add(m.getFullMethodName()));
            }
        }
        int publicOperations = 0;
        for (JsonNode operation : operations()) {
            final String method = operation.path("x-grpc-method").asText();
            if (publicMethods.contains(method)) {
                publicOperations++;
                assertThat(operation.get("security")).as(method).isEmpty();
            } else if (!method.isEmpty()) {
                assertThat(operation.has("security")).as(method + " inherits the bearer token").isFalse();
            }
        }
        assertThat(publicOperations).isEqualTo(publicMethods.size());
        assertThat(document.at("/paths/~1health/get/security")).isEmpty();
    }

    @Test
    void pathAndQueryParametersFollowTheHttpRules() {
        final JsonNode getUser = document.at("/paths/~1v1~1users~1{users_id}/get");
        assertThat(getUser.get("operationId").asText()).isEqualTo("GetUser");
        final JsonNode usersId = getUser.at("/parameters/0");
        assertThat(usersId.get("name").asText()).isEqualTo("users_id");
        assertThat(usersId.get("in").asText()).isEqualTo("path");
        assertThat(usersId.get("required").asBoolean()).isTrue();
        assertThat(usersId.get("description").asText()).contains("`name` is `users/{users_id}`");
        // response_body: "user"
        assertThat(getUser.at("/responses/200/content/application~1json/schema/$ref").asText())
                .isEqualTo("#/components/schemas/sextant.users.v1.User");

        final List<String> listUsers = names(document.at("/paths/~1v1~1users/get/parameters"));
        assertThat(listUsers).contains("page_size", "page_token", "filter", "order_by");

        // body "*" with a path field: the body is the request without it
        final JsonNode share = document.at("/paths/~1v1~1files~1{files_id}:share/post");
        assertThat(names(share.get("parameters"))).containsExactly("files_id");
        final JsonNode shareBody = share.at("/requestBody/content/application~1json/schema");
        assertThat(shareBody.get("properties").has("name")).isFalse();
        assertThat(shareBody.get("properties")).isNotEmpty();

        // every operation has the error responses
        for (JsonNode operation : operations()) {
            assertThat(operation.at("/responses/default/$ref").asText()).isEqualTo("#/components/responses/Error");
        }
        assertThat(document.at("/paths/~1v1~1users/get/responses/503/$ref").asText())
                .isEqualTo("#/components/responses/Unavailable");
    }

    @Test
    void schemasAreTheProtoJsonMapping() {
        final JsonNode file = document.at("/components/schemas/sextant.storage.v1.File/properties");
        assertThat(file.at("/sizeBytes/type").asText()).isEqualTo("string");
        assertThat(file.at("/sizeBytes/format").asText()).isEqualTo("int64");
        assertThat(file.at("/sizeBytes/readOnly").asBoolean()).isTrue();
        assertThat(file.at("/createTime/type").asText()).isEqualTo("string");
        assertThat(file.at("/createTime/format").asText()).isEqualTo("date-time");
        assertThat(file.has("size_bytes")).isFalse();
        // comments of the contracts are the descriptions
        assertThat(document.at("/paths/~1v1~1auth~1login/post/description").asText()).isNotBlank();
        assertThat(file.at("/sizeBytes/description").asText()).isNotBlank();
    }

    @Test
    void theErrorSchemaDescribesTheGatewaysErrors() throws IOException {
        final AggregatedHttpResponse notFound = http.get("/v1/no-such-route").aggregate().join();
        assertThat(notFound.status().code()).isEqualTo(404);
        final JsonNode body = JSON.readTree(notFound.contentUtf8());
        final JsonNode schema = document.at("/components/schemas/Error");
        final List<String> properties = new ArrayList<>();
        schema.get("properties").fieldNames().forEachRemaining(properties::add);
        final List<String> fields = new ArrayList<>();
        body.fieldNames().forEachRemaining(fields::add);
        assertThat(properties).containsExactlyInAnyOrderElementsOf(fields);
        for (JsonNode required : schema.get("required")) {
            assertThat(body.has(required.asText())).as(required.asText()).isTrue();
        }
    }

    /** The violations of the OpenAPI 3.0 schema in a document (none: valid). */
    static Set<ValidationMessage> errors(JsonNode candidate) throws IOException {
        try (InputStream in = OpenApiIT.class.getResourceAsStream("/openapi/openapi-3.0-schema.json")) {
            final JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(in);
            return schema.validate(candidate);
        }
    }

    private static List<JsonNode> operations() {
        final List<JsonNode> operations = new ArrayList<>();
        for (Iterator<JsonNode> items = document.get("paths").elements(); items.hasNext(); ) {
            items.next().elements().forEachRemaining(operations::add);
        }
        return operations;
    }

    private static List<String> names(JsonNode parameters) {
        final List<String> names = new ArrayList<>();
        parameters.forEach(parameter -> names.add(parameter.get("name").asText()));
        return names;
    }
}
