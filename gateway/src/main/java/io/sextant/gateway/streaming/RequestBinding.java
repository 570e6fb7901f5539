package io.sextant.gateway.streaming;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

import com.linecorp.armeria.common.QueryParams;

import io.sextant.platform.error.Errors;

/**
 * Binds an HTTP request to the JSON form of an RPC's request message as the HttpRule spec says and the
 * gateway's unary transcoder does: the body (the whole message for {@code body: "*"}, one field for
 * {@code body: "field"}, none for {@code ""}), then each path variable into its field (a dotted path for
 * a nested one), then each query parameter into the field it names, by proto name or lowerCamel JSON name,
 * dotted for nested fields, repeated for repeated ones; parameters that name no field are ignored, like
 * the transcoder does. The result is parsed by the gateway's strict JSON marshaller, so a value of the
 * wrong type is the same 400 naming the field as on every route.
 */
final class RequestBinding {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Descriptor request;
    private final String bodyField;
    private final List<String> pathFields;
    private final Set<String> bound = new HashSet<>();

    /**
     * @param bodyField the rule's {@code body}: {@code "*"}, a field name, or empty
     */
    RequestBinding(Descriptor request, String bodyField, List<String> pathFields) {
        this.request = request;
        this.bodyField = bodyField;
        this.pathFields = List.copyOf(pathFields);
        for (String field : pathFields) {
            bound.add(field);
            check(request, field);
        }
        if (!bodyField.isEmpty() && !bodyField.equals("*")) {
            bound.add(bodyField);
        }
    }

    /** A rule that binds a field the message does not have is the contract's mistake: the gateway does not start. */
    private static void check(Descriptor message, String fieldPath) {
        Descriptor current = message;
        final String[] path = fieldPath.split("\\.");
        for (int i = 0; i < path.length; i++) {
            final FieldDescriptor field = current == null ? null : find(current, path[i]);
            if (field == null) {
                throw new IllegalStateException("the HTTP rule binds " + fieldPath + ", which " + message.getFullName()
                                                + " does not have");
            }
            current = field.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? field.getMessageType() : null;
        }
    }

    boolean hasBody() {
        return !bodyField.isEmpty();
    }

    /**
     * The request message as JSON.
     *
     * @param body        the request body (JSON), or null when the rule takes none
     * @param pathValues  the value of each path variable, in the order of {@code pathFields}
     * @throws io.sextant.platform.error.ServiceException INVALID_ARGUMENT when the body is not JSON of the right shape
     */
    byte[] bind(byte[] body, List<String> pathValues, QueryParams query) {
        final ObjectNode message = JSON.objectNode();
        if (body != null && body.length > 0) {
            final JsonNode parsed;
            try {
                parsed = MAPPER.readTree(body);
            } catch (JsonProcessingException e) {
                throw Errors.invalidField(bodyField.equals("*") ? "body" : bodyField,
                                          "the request body is not valid JSON: " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new IllegalStateException("reading bytes in memory cannot fail", e);
            }
            if (bodyField.equals("*")) {
                if (parsed != null && !parsed.isNull()) {
                    if (!parsed.isObject()) {
                        throw Errors.invalidField("body", "the request body must be a JSON object");
                    }
                    message.setAll((ObjectNode) parsed);
                }
            } else if (parsed != null) {
                message.set(jsonName(request, bodyField), parsed);
            }
        }
        for (int i = 0; i < pathFields.size(); i++) {
            set(message, request, pathFields.get(i).split("\\."), 0, pathValues.get(i), false);
        }
        if (!bodyField.equals("*")) {
            for (Map.Entry<String, String> parameter : query) {
                final String name = parameter.getKey();
                if (bound.contains(name) || bound.stream().anyMatch(field -> name.startsWith(field + "."))) {
                    continue;
                }
                set(message, request, name.split("\\."), 0, parameter.getValue(), true);
            }
        }
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree cannot fail to serialize", e);
        }
    }

    /** Sets the value at the field path (ignored when it names no field and comes from the query). */
    private static void set(ObjectNode node, Descriptor message, String[] path, int index, String value,
                            boolean fromQuery) {
        final FieldDescriptor field = find(message, path[index]);
        if (field == null) {
            if (fromQuery) {
                return;
            }
            throw new IllegalStateException("the HTTP rule binds " + String.join(".", path) + ", which "
                                            + message.getFullName() + " does not have");
        }
        final String name = field.getJsonName();
        if (index < path.length - 1) {
            if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || field.isRepeated()) {
                return; // a.b where a is no message: nothing to bind; the parser would refuse it the same
            }
            final JsonNode child = node.get(name);
            final ObjectNode object = child instanceof ObjectNode existing ? existing : node.putObject(name);
            set(object, field.getMessageType(), path, index + 1, value, fromQuery);
            return;
        }
        final JsonNode scalar = scalar(field, value);
        if (field.isRepeated() && !field.isMapField()) {
            final JsonNode existing = node.get(name);
            final ArrayNode array = existing instanceof ArrayNode a ? a : node.putArray(name);
            array.add(scalar);
        } else {
            node.set(name, scalar);
        }
    }

    /**
     * The JSON value of a text for the field: a boolean for bool fields (and BoolValue), a string for the
     * rest, which ProtoJSON reads for numbers, enums, bytes and the well-known types alike.
     */
    private static JsonNode scalar(FieldDescriptor field, String value) {
        final boolean bool = field.getJavaType() == FieldDescriptor.JavaType.BOOLEAN
                             || field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                                && field.getMessageType().getFullName().equals("google.protobuf.BoolValue");
        if (bool && (value.equals("true") || value.equals("false"))) {
            return JSON.booleanNode(Boolean.parseBoolean(value));
        }
        return JSON.textNode(value);
    }

    private static FieldDescriptor find(Descriptor message, String name) {
        final FieldDescriptor byName = message.findFieldByName(name);
        if (byName != null) {
            return byName;
        }
        for (FieldDescriptor field : message.getFields()) {
            if (field.getJsonName().equals(name)) {
                return field;
            }
        }
        return null;
    }

    private static String jsonName(Descriptor message, String fieldName) {
        final FieldDescriptor field = find(message, fieldName);
        if (field == null) {
            throw new IllegalStateException("the HTTP rule's body is " + fieldName + ", which "
                                            + message.getFullName() + " does not have");
        }
        return field.getJsonName();
    }
}
