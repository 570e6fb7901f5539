package io.sextant.gateway.openapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;

import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.sextant.gateway.backends.Backend;
import io.sextant.platform.policy.RpcPolicy;

/**
 * The OpenAPI 3.0 document of the gateway's REST API, generated from the contracts: one operation per
 * HTTP binding of every method with a {@code google.api.http} rule of every backend's services (the
 * methods the gateway forwards; those without a rule are internal to the mesh), plus the gateway's own
 * routes. Each operation has {@code operationId} = the RPC name ({@code Service_Method} if two services
 * share it, {@code _2}... for additional bindings), the service as tag, and {@code x-grpc-method} = the
 * full gRPC method name. Every operation needs the bearer token, except the public ones
 * (their contract's {@code sextant.api.v1.policy}, read through {@link RpcPolicy}).
 */
public final class OpenApiDocument {

    static final String OPENAPI_VERSION = "3.0.3";
    static final String SECURITY_SCHEME = "bearerAuth";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private OpenApiDocument() {}

    /** The document as JSON bytes, with the comments of the descriptor set on the class path if there is one. */
    public static byte[] generate(List<Backend> backends) {
        final ObjectNode document = generate(backends, ProtoComments.load(OpenApiDocument.class.getClassLoader()),
                                             projectVersion());
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree cannot fail to serialize", e);
        }
    }

    static ObjectNode generate(List<Backend> backends, ProtoComments comments, String version) {
        final ObjectNode document = JSON.objectNode().put("openapi", OPENAPI_VERSION);
        document.putObject("info")
                .put("title", "Sextant API")
                .put("version", version)
                .put("description", "The REST/JSON API of every Sextant service, as the gateway serves it "
                                    + "(transcoded to gRPC). JSON is ProtoJSON: lowerCamel names, 64-bit integers "
                                    + "as strings, enums by name; unknown fields are refused. Query parameters "
                                    + "are by proto field name; lowerCamel names are accepted too.");
        document.putArray("servers").addObject().put("url", "/");
        final ArrayNode tags = document.putArray("tags");
        final ObjectNode paths = document.putObject("paths");
        final ObjectNode components = document.putObject("components");
        final ObjectNode schemas = components.putObject("schemas");
        final ObjectNode responses = components.putObject("responses");
        components.putObject("securitySchemes").putObject(SECURITY_SCHEME)
                  .put("type", "http").put("scheme", "bearer").put("bearerFormat", "JWT")
                  .put("description", "An access token from /v1/auth/login, /v1/auth/refresh or /v1/auth/token.");
        document.putArray("security").addObject().putArray(SECURITY_SCHEME);

        ErrorResponses.addComponents(schemas, responses);
        final JsonSchemas jsonSchemas = new JsonSchemas(schemas, comments);
        final Operations operations = new Operations(jsonSchemas, comments);
        final List<ServiceDescriptor> services = services(backends);
        final Map<String, Integer> rpcNames = new HashMap<>();
        for (ServiceDescriptor service : services) {
            for (MethodDescriptor method : service.getMethods()) {
                rpcNames.merge(method.getName(), 1, Integer::sum);
            }
        }
        for (ServiceDescriptor service : services) {
            final ObjectNode tag = tags.addObject().put("name", service.getName());
            if (comments.of(service) != null) {
                tag.put("description", comments.of(service));
            }
            for (MethodDescriptor method : service.getMethods()) {
                if (!method.getOptions().hasExtension(AnnotationsProto.http)) {
                    continue;
                }
                final String id = rpcNames.get(method.getName()) > 1 ? service.getName() + "_" + method.getName()
                                                                      : method.getName();
                final HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
                final List<HttpRule> bindings = new ArrayList<>();
                bindings.add(rule);
                bindings.addAll(rule.getAdditionalBindingsList());
                for (int i = 0; i < bindings.size(); i++) {
                    add(paths, operations, method, bindings.get(i), i == 0 ? id : id + "_" + (i + 1));
                }
            }
        }
        tags.add(GatewayRoutes.tag());
        GatewayRoutes.addTo(paths, schemas);
        return document;
    }

    private static void add(ObjectNode paths, Operations operations, MethodDescriptor method, HttpRule rule,
                            String operationId) {
        final Operations.Binding binding = Operations.Binding.of(rule);
        final PathTemplate path = PathTemplate.parse(binding.template());
        final ObjectNode operation = operations.operation(method, rule, path);
        operation.put("operationId", operationId);
        final String fullMethodName = method.getService().getFullName() + "/" + method.getName();
        operation.put("x-grpc-method", fullMethodName);
        if (RpcPolicy.of(method).isPublic()) {
            operation.putArray("security"); // reached without a token
        }
        final ObjectNode item = paths.has(path.path()) ? (ObjectNode) paths.get(path.path())
                                                       : paths.putObject(path.path());
        if (item.has(binding.method())) {
            throw new IllegalStateException("two operations on " + binding.method().toUpperCase(Locale.ROOT)
                                            + " " + path.path() + ": " + item.get(binding.method()).get("operationId")
                                            + " and " + operationId);
        }
        item.set(binding.method(), operation);
    }

    private static List<ServiceDescriptor> services(List<Backend> backends) {
        final List<ServiceDescriptor> services = new ArrayList<>();
        for (Backend backend : backends) {
            for (io.grpc.ServiceDescriptor api : backend.apis()) {
                if (api.getSchemaDescriptor() instanceof ProtoServiceDescriptorSupplier supplier) {
                    services.add(supplier.getServiceDescriptor());
                }
            }
        }
        return services;
    }

    /** The project's version, written into the jar by the build; "unknown" when run from elsewhere. */
    static String projectVersion() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream("openapi.properties")) {
            if (in == null) {
                return "unknown";
            }
            final Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
