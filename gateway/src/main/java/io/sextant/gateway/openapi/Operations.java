package io.sextant.gateway.openapi;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.FieldBehavior;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;

import io.sextant.api.v1.HttpBytes;
import io.sextant.api.v1.HttpBytesParam;
import io.sextant.api.v1.HttpBytesProto;
import io.sextant.gateway.backends.StreamKind;

/**
 * The OpenAPI operation of one HTTP binding of an RPC: path parameters from the template, query
 * parameters for the request fields neither in the path nor in the body (by proto field name, nested
 * ones dotted, as the HttpRule spec and the gateway's transcoder take them), the request body per
 * {@code body}, the response per {@code response_body}, and the error responses.
 *
 * <p>Server streams of messages are event streams (SSE, or NDJSON when asked: the gateway's
 * {@code streaming} package); {@code google.api.HttpBody} streams and the other byte streams (storage's
 * uploads and downloads, whose REST form is their service's) are described as raw bytes.
 */
final class Operations {

    /** How deep nested message fields become dotted query parameters; contracts keep requests flat. */
    private static final int MAX_QUERY_DEPTH = 3;

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final JsonSchemas schemas;
    private final ProtoComments comments;

    Operations(JsonSchemas schemas, ProtoComments comments) {
        this.schemas = schemas;
        this.comments = comments;
    }

    /** An HTTP binding: method (lower case) and path template. */
    record Binding(String method, String template) {

        static Binding of(HttpRule rule) {
            return switch (rule.getPatternCase()) {
                case GET -> new Binding("get", rule.getGet());
                case PUT -> new Binding("put", rule.getPut());
                case POST -> new Binding("post", rule.getPost());
                case DELETE -> new Binding("delete", rule.getDelete());
                case PATCH -> new Binding("patch", rule.getPatch());
                case CUSTOM -> new Binding(rule.getCustom().getKind().toLowerCase(Locale.ROOT),
                                           rule.getCustom().getPath());
                case PATTERN_NOT_SET -> throw new IllegalArgumentException("an HTTP rule without a pattern");
            };
        }
    }

    ObjectNode operation(MethodDescriptor method, HttpRule rule, PathTemplate path) {
        final ObjectNode operation = JSON.objectNode();
        operation.putArray("tags").add(method.getService().getName());
        final String comment = comments.of(method);
        if (comment != null) {
            operation.put("summary", summary(comment));
            operation.put("description", comment);
        }
        final ArrayNode parameters = JSON.arrayNode();
        pathParameters(method.getInputType(), path, parameters);
        final boolean clientStreams = method.isClientStreaming();
        final boolean serverStreams = method.isServerStreaming();
        if (!clientStreams && !rule.getBody().equals("*")) {
            queryParameters(method.getInputType(), path.boundFieldPaths(), rule.getBody(), "", 0, parameters);
        }
        if (!parameters.isEmpty()) {
            operation.set("parameters", parameters);
        }
        final HttpBytes bytes = method.getOptions().hasExtension(HttpBytesProto.httpBytes)
                                ? method.getOptions().getExtension(HttpBytesProto.httpBytes) : null;
        if (clientStreams && bytes != null && !bytes.getHeadField().isEmpty()) {
            byteParameters(method, bytes, parameters);
            if (!parameters.isEmpty()) {
                operation.set("parameters", parameters);
            }
            operation.set("requestBody", bytesRequest(bytes));
        } else if (clientStreams) {
            operation.set("requestBody", bytesRequest(null));
        } else if (!rule.getBody().isEmpty()) {
            final ObjectNode body = jsonBody(requestSchema(method.getInputType(), rule.getBody(), path));
            describe(body, rule.getBody().equals("*") ? null : comments.of(find(method.getInputType(), rule.getBody())));
            operation.set("requestBody", body);
        }
        final ObjectNode responses = operation.putObject("responses");
        if (serverStreams && StreamKind.of(method) == StreamKind.MESSAGES) {
            final ObjectNode ok = responses.putObject("200").put("description", "A stream of "
                    + method.getOutputType().getName() + " messages as they come. Server-Sent Events: one `data:` "
                    + "event per message (its JSON, `id:` its number from 1), `: keepalive` comments while idle, "
                    + "then an `end` event (`{\"reason\": \"COMPLETED\"}`, or `\"MAX_LIFETIME\"`: reconnect) or an "
                    + "`error` event (the error body). With `Accept: application/x-ndjson`, one message per line, "
                    + "empty lines while idle, and an error as a last line `{\"error\": <the error body>}`. An error "
                    + "before the first message is an ordinary error response.");
            final ObjectNode content = ok.putObject("content");
            content.putObject("text/event-stream").set("schema", JsonSchemas.string());
            content.putObject("application/x-ndjson").set("schema", responseSchema(method.getOutputType(), ""));
        } else if (serverStreams) {
            final ObjectNode ok = responses.putObject("200").put("description", "The bytes.");
            ok.putObject("content").putObject("application/octet-stream")
              .set("schema", JsonSchemas.string().put("format", "binary"));
            if (bytes != null && !bytes.getInfoField().isEmpty()) {
                ok.put("description", "The bytes, as an attachment of their own content type, with their `ETag`, "
                                      + "`Last-Modified` and `Content-Length`. A failure after the headers breaks the "
                                      + "response off.");
                responses.putObject("304").put("description", "Unchanged: `If-None-Match` names the `ETag`.");
                if (!bytes.getOffsetField().isEmpty()) {
                    final ObjectNode range = parameters.addObject().put("name", "Range").put("in", "header")
                            .put("description", "One range, `bytes=a-b`, `bytes=a-` or `bytes=-n` (the last n); "
                                                + "several ranges, or with `If-Range`, the whole is served.");
                    range.set("schema", JsonSchemas.string());
                    operation.set("parameters", parameters);
                    responses.putObject("206").put("description", "The range asked for, with `Content-Range`.")
                             .set("content", ok.get("content").deepCopy());
                    responses.putObject("416").put("description", "The file has no such range; `Content-Range: "
                                                                  + "bytes */<size>` says its size.");
                }
            }
        } else {
            final String field = rule.getResponseBody();
            final String description = field.isEmpty() ? null : comments.of(find(method.getOutputType(), field));
            final ObjectNode ok = responses.putObject("200").put("description", description == null ? "OK" : description);
            ok.set("content", jsonBody(responseSchema(method.getOutputType(), rule.getResponseBody())).get("content"));
        }
        ErrorResponses.addTo(responses);
        return operation;
    }

    /** An upload's declared parameters, as query parameters of the raw body (a form has them as parts). */
    private void byteParameters(MethodDescriptor method, HttpBytes bytes, ArrayNode parameters) {
        final FieldDescriptor headField = method.getInputType().findFieldByName(bytes.getHeadField());
        for (HttpBytesParam param : bytes.getParamsList()) {
            FieldDescriptor field = null;
            Descriptor message = headField == null ? null : headField.getMessageType();
            for (String name : param.getField().split("\\.")) {
                field = message == null ? null : message.findFieldByName(name);
                message = field != null && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                          ? field.getMessageType() : null;
            }
            final ObjectNode parameter = parameters.addObject().put("name", param.getName()).put("in", "query");
            if (field != null && comments.of(field) != null) {
                parameter.put("description", comments.of(field));
            }
            final ObjectNode single = field == null ? JsonSchemas.string() : schemas.single(field);
            parameter.set("schema", field != null && field.isRepeated() ? JsonSchemas.array(single) : single);
        }
    }

    private void pathParameters(Descriptor request, PathTemplate path, ArrayNode parameters) {
        for (PathTemplate.Parameter parameter : path.parameters()) {
            final ObjectNode node = parameters.addObject().put("name", parameter.name()).put("in", "path")
                                              .put("required", true);
            final FieldDescriptor field = parameter.fieldPath().isEmpty() ? null
                                                                           : find(request, parameter.fieldPath());
            final StringBuilder description = new StringBuilder();
            if (parameter.fieldPattern() != null) {
                description.append("The field `").append(parameter.fieldPath()).append("` is `")
                           .append(parameter.fieldPattern()).append("`.");
            }
            if (field != null && comments.of(field) != null) {
                description.append(description.length() == 0 ? "" : "\n\n").append(comments.of(field));
            }
            if (description.length() > 0) {
                node.put("description", description.toString());
            }
            node.set("schema", JsonSchemas.string());
        }
    }

    /**
     * The leaf fields of the request that are neither bound in the path nor the body, as query
     * parameters; a message field is spread into its own fields ({@code page.size}).
     */
    private void queryParameters(Descriptor message, Set<String> bound, String body, String prefix, int depth,
                                 ArrayNode parameters) {
        for (FieldDescriptor field : message.getFields()) {
            final String name = prefix + field.getName();
            if (bound.contains(name) || (depth == 0 && field.getName().equals(body)) || field.isMapField()) {
                continue;
            }
            final ObjectNode single = schemas.single(field);
            final boolean leaf = field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || !single.has("$ref");
            if (!leaf) {
                if (!field.isRepeated() && depth + 1 < MAX_QUERY_DEPTH) {
                    queryParameters(field.getMessageType(), bound, body, name + ".", depth + 1, parameters);
                }
                continue;
            }
            final ObjectNode parameter = parameters.addObject().put("name", name).put("in", "query");
            final StringBuilder description = new StringBuilder();
            if (comments.of(field) != null) {
                description.append(comments.of(field));
            }
            final String camel = lowerCamel(name);
            if (!camel.equals(name)) {
                description.append(description.length() == 0 ? "" : "\n\n")
                           .append("Also accepted as `").append(camel).append("`.");
            }
            if (description.length() > 0) {
                parameter.put("description", description.toString());
            }
            if (JsonSchemas.behaviors(field).contains(FieldBehavior.REQUIRED)) {
                parameter.put("required", true);
            }
            parameter.set("schema", field.isRepeated() ? JsonSchemas.array(single) : single);
        }
    }

    private ObjectNode requestSchema(Descriptor request, String body, PathTemplate path) {
        if (body.equals("*")) {
            // the path's fields are taken from the path; the body is the rest of the request
            final Set<String> inPath = path.boundFieldPaths().stream()
                                           .filter(fieldPath -> !fieldPath.contains("."))
                                           .collect(Collectors.toSet());
            return inPath.isEmpty() ? schemas.message(request) : schemas.object(request, inPath);
        }
        return fieldSchema(request, body);
    }

    private ObjectNode responseSchema(Descriptor response, String responseBody) {
        return responseBody.isEmpty() ? schemas.message(response) : fieldSchema(response, responseBody);
    }

    private ObjectNode fieldSchema(Descriptor message, String fieldName) {
        final FieldDescriptor field = find(message, fieldName);
        if (field == null) {
            throw new IllegalArgumentException(message.getFullName() + " has no field " + fieldName
                                               + " named in an HTTP rule");
        }
        return schemas.value(field);
    }

    private static void describe(ObjectNode node, String description) {
        if (description != null) {
            node.put("description", description);
        }
    }

    private static FieldDescriptor find(Descriptor message, String fieldPath) {
        Descriptor current = message;
        FieldDescriptor field = null;
        for (String name : fieldPath.split("\\.")) {
            if (current == null) {
                return null;
            }
            field = current.findFieldByName(name);
            if (field == null) {
                return null;
            }
            current = field.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? field.getMessageType() : null;
        }
        return field;
    }

    private static ObjectNode jsonBody(ObjectNode schema) {
        final ObjectNode body = JSON.objectNode();
        body.putObject("content").putObject("application/json").set("schema", schema);
        return body;
    }

    /**
     * The body of an upload: the bytes, or a form whose text parts (its declared parameters) come before
     * its file part, when its {@code (sextant.api.v1.http_bytes)} names one (without a declaration: both,
     * the file part named {@code file}).
     */
    private static ObjectNode bytesRequest(HttpBytes bytes) {
        final ObjectNode body = JSON.objectNode().put("required", true);
        final ObjectNode content = body.putObject("content");
        content.putObject("application/octet-stream").set("schema", JsonSchemas.string().put("format", "binary"));
        if (bytes != null && bytes.getFilePart().isEmpty()) {
            return body;
        }
        final String filePart = bytes == null ? "file" : bytes.getFilePart();
        final ObjectNode form = JsonSchemas.object();
        final ObjectNode properties = form.putObject("properties");
        if (bytes != null) {
            bytes.getParamsList().forEach(param -> properties.set(param.getName(), JsonSchemas.string()));
        }
        properties.set(filePart, JsonSchemas.string().put("format", "binary"));
        form.putArray("required").add(filePart);
        content.putObject("multipart/form-data").set("schema", form);
        return body;
    }

    /** The first sentence of a comment, on one line. */
    static String summary(String comment) {
        final String paragraph = comment.split("\n\n", 2)[0].replace('\n', ' ');
        final int end = paragraph.indexOf(". ");
        return end < 0 ? (paragraph.endsWith(".") ? paragraph.substring(0, paragraph.length() - 1) : paragraph)
                       : paragraph.substring(0, end);
    }

    static String lowerCamel(String fieldPath) {
        final List<String> parts = new ArrayList<>();
        for (String part : fieldPath.split("\\.")) {
            final StringBuilder camel = new StringBuilder();
            boolean upper = false;
            for (char c : part.toCharArray()) {
                if (c == '_') {
                    upper = true;
                } else {
                    camel.append(upper ? Character.toUpperCase(c) : c);
                    upper = false;
                }
            }
            parts.add(camel.toString());
        }
        return String.join(".", parts);
    }
}
