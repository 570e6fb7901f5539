package io.sextant.gateway.openapi;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.FieldBehavior;
import com.google.api.FieldBehaviorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;

/**
 * OpenAPI 3.0 schemas of protobuf messages in the ProtoJSON mapping, which is what the gateway reads
 * and writes: lowerCamel property names, 64-bit integers as strings, enums by name, bytes as base64,
 * maps as objects, and the well-known types in their JSON forms. Every message and enum becomes a
 * component named by its full proto name; field comments become descriptions, {@code
 * google.api.field_behavior} REQUIRED a required property, OUTPUT_ONLY readOnly, INPUT_ONLY writeOnly.
 */
final class JsonSchemas {

    static final String REF_PREFIX = "#/components/schemas/";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The JSON forms of the well-known types (https://protobuf.dev/programming-guides/json/). */
    private static final Map<String, ObjectNode> WELL_KNOWN = Map.ofEntries(
            Map.entry("google.protobuf.Timestamp", string().put("format", "date-time")
                                                           .put("example", "2026-11-24T03:55:45.635Z")),
            Map.entry("google.protobuf.Duration", string().put("pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$")
                                                          .put("example", "900s")),
            // comma-separated paths: lowerCamel in a JSON body, proto names in a query parameter
            Map.entry("google.protobuf.FieldMask", string()),
            Map.entry("google.protobuf.Struct", object().put("additionalProperties", true)),
            Map.entry("google.protobuf.Value", JSON.objectNode().put("description", "Any JSON value.")),
            Map.entry("google.protobuf.ListValue", array(JSON.objectNode())),
            Map.entry("google.protobuf.Empty", object()),
            Map.entry("google.protobuf.Any", any()),
            Map.entry("google.protobuf.DoubleValue", nullable(number("double"))),
            Map.entry("google.protobuf.FloatValue", nullable(number("float"))),
            Map.entry("google.protobuf.Int64Value", nullable(string().put("format", "int64"))),
            Map.entry("google.protobuf.UInt64Value", nullable(string().put("format", "uint64"))),
            Map.entry("google.protobuf.Int32Value", nullable(integer("int32"))),
            Map.entry("google.protobuf.UInt32Value", nullable(integer("int64").put("minimum", 0))),
            Map.entry("google.protobuf.BoolValue", nullable(JSON.objectNode().put("type", "boolean"))),
            Map.entry("google.protobuf.StringValue", nullable(string())),
            Map.entry("google.protobuf.BytesValue", nullable(string().put("format", "byte"))));

    private final ObjectNode components;
    private final ProtoComments comments;

    /** @param components the document's {@code components.schemas}, filled as messages are met */
    JsonSchemas(ObjectNode components, ProtoComments comments) {
        this.components = components;
        this.comments = comments;
    }

    /** A reference to the message's schema (or the inline JSON form of a well-known type). */
    ObjectNode message(Descriptor message) {
        final ObjectNode wellKnown = WELL_KNOWN.get(message.getFullName());
        if (wellKnown != null) {
            return wellKnown.deepCopy();
        }
        if (!components.has(message.getFullName())) {
            components.putObject(message.getFullName()); // a placeholder first: messages may be recursive
            components.set(message.getFullName(), object(message, Set.of()));
        }
        return ref(message.getFullName());
    }

    /** The message's schema inline, without the given top-level fields (those a path already carries). */
    ObjectNode object(Descriptor message, Set<String> without) {
        final ObjectNode schema = object();
        describe(schema, description(message));
        final ObjectNode properties = JSON.objectNode();
        final ArrayNode required = JSON.arrayNode();
        for (FieldDescriptor field : message.getFields()) {
            if (without.contains(field.getName())) {
                continue;
            }
            properties.set(field.getJsonName(), field(field));
            if (behaviors(field).contains(FieldBehavior.REQUIRED)) {
                required.add(field.getJsonName());
            }
        }
        if (!properties.isEmpty()) {
            schema.set("properties", properties);
        }
        if (!required.isEmpty()) {
            schema.set("required", required);
        }
        return schema;
    }

    /** The schema of a field's value as it appears in JSON, with its comment and behavior. */
    ObjectNode field(FieldDescriptor field) {
        ObjectNode schema = value(field);
        final List<FieldBehavior> behaviors = behaviors(field);
        final boolean annotated = comments.of(field) != null || field.getOptions().getDeprecated()
                                  || behaviors.contains(FieldBehavior.OUTPUT_ONLY)
                                  || behaviors.contains(FieldBehavior.INPUT_ONLY);
        if (annotated && schema.has("$ref")) {
            // OpenAPI 3.0 ignores the siblings of a $ref: wrap it to keep the field's own description
            schema = JSON.objectNode().set("allOf", JSON.arrayNode().add(schema));
        }
        describe(schema, comments.of(field));
        if (field.getOptions().getDeprecated()) {
            schema.put("deprecated", true);
        }
        if (behaviors.contains(FieldBehavior.OUTPUT_ONLY)) {
            schema.put("readOnly", true);
        }
        if (behaviors.contains(FieldBehavior.INPUT_ONLY)) {
            schema.put("writeOnly", true);
        }
        return schema;
    }

    /** The schema of the field's value, without the field's own description: a map, an array or one value. */
    ObjectNode value(FieldDescriptor field) {
        if (field.isMapField()) {
            final FieldDescriptor value = field.getMessageType().findFieldByName("value");
            return object().set("additionalProperties", single(value));
        }
        return field.isRepeated() ? array(single(field)) : single(field);
    }

    /** The schema of one value of the field (an element, for a repeated field). */
    ObjectNode single(FieldDescriptor field) {
        return switch (field.getType()) {
            case MESSAGE, GROUP -> message(field.getMessageType());
            case ENUM -> enumeration(field.getEnumType());
            case INT32, SINT32, SFIXED32 -> integer("int32");
            // unsigned 32-bit values exceed int32; JSON numbers still hold them exactly
            case UINT32, FIXED32 -> integer("int64").put("minimum", 0);
            case INT64, SINT64, SFIXED64 -> string().put("format", "int64");
            case UINT64, FIXED64 -> string().put("format", "uint64");
            case FLOAT -> number("float");
            case DOUBLE -> number("double");
            case BOOL -> JSON.objectNode().put("type", "boolean");
            case STRING -> string();
            case BYTES -> string().put("format", "byte");
        };
    }

    private ObjectNode enumeration(EnumDescriptor enumeration) {
        if (!components.has(enumeration.getFullName())) {
            final ObjectNode schema = string();
            final ArrayNode names = schema.putArray("enum");
            final StringBuilder description = new StringBuilder();
            if (comments.of(enumeration) != null) {
                description.append(comments.of(enumeration));
            }
            for (EnumValueDescriptor value : enumeration.getValues()) {
                names.add(value.getName());
                if (comments.of(value) != null) {
                    description.append(description.length() == 0 ? "" : "\n\n")
                               .append("- `").append(value.getName()).append("`: ")
                               .append(comments.of(value).replace("\n", " "));
                }
            }
            describe(schema, description.toString());
            components.set(enumeration.getFullName(), schema);
        }
        return ref(enumeration.getFullName());
    }

    private String description(Descriptor message) {
        final String comment = comments.of(message);
        final String oneofs = message.getRealOneofs().stream()
                                     .map(JsonSchemas::oneofSentence)
                                     .collect(Collectors.joining(" "));
        if (oneofs.isEmpty()) {
            return comment;
        }
        return comment == null ? oneofs : comment + "\n\n" + oneofs;
    }

    private static String oneofSentence(OneofDescriptor oneof) {
        return oneof.getFields().stream().map(field -> "`" + field.getJsonName() + "`")
                    .collect(Collectors.joining(", ", "At most one of ", " is set."));
    }

    static List<FieldBehavior> behaviors(FieldDescriptor field) {
        return field.getOptions().getExtension(FieldBehaviorProto.fieldBehavior);
    }

    static ObjectNode ref(String component) {
        return JSON.objectNode().put("$ref", REF_PREFIX + component);
    }

    private static void describe(ObjectNode schema, String description) {
        if (description != null && !description.isBlank()) {
            schema.put("description", description);
        }
    }

    private static ObjectNode any() {
        final ObjectNode schema = object().put("additionalProperties", true);
        schema.putObject("properties").set("@type", string());
        schema.putArray("required").add("@type");
        return schema;
    }

    static ObjectNode string() {
        return JSON.objectNode().put("type", "string");
    }

    static ObjectNode object() {
        return JSON.objectNode().put("type", "object");
    }

    static ObjectNode array(ObjectNode items) {
        final ObjectNode schema = JSON.objectNode().put("type", "array");
        schema.set("items", items);
        return schema;
    }

    private static ObjectNode integer(String format) {
        return JSON.objectNode().put("type", "integer").put("format", format);
    }

    private static ObjectNode number(String format) {
        return JSON.objectNode().put("type", "number").put("format", format);
    }

    private static ObjectNode nullable(ObjectNode schema) {
        return schema.put("nullable", true);
    }
}
