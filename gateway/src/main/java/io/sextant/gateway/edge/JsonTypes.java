package io.sextant.gateway.edge;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;

/**
 * Checks that each value of a JSON request body has the JSON type that the ProtoJSON mapping gives its
 * field, before the parser, which would quietly turn {@code 123} or {@code true} into the string
 * {@code "123"} or {@code "true"}. What ProtoJSON accepts passes: {@code null} for any field (its
 * default), numbers as JSON numbers or strings (int64 is a string on output), enums as names or
 * numbers, and the well-known types in their own forms (Timestamp, Duration and FieldMask as strings,
 * wrappers as their value, Struct and Value as any JSON). Strings and bytes must be strings, booleans
 * {@code true} or {@code false}, messages and maps objects, repeated fields arrays. Unknown fields are
 * left to the parser, which refuses them.
 */
final class JsonTypes {

    private static final Map<String, String> STRING_TYPES = Map.of(
            "google.protobuf.Timestamp", "an RFC 3339 time as a JSON string",
            "google.protobuf.Duration", "a duration such as \"1.5s\" as a JSON string",
            "google.protobuf.FieldMask", "a JSON string of comma-separated field paths");

    private JsonTypes() {}

    /**
     * Checks the body against its message.
     *
     * @throws ServiceException INVALID_ARGUMENT with a field violation naming the first field whose value
     *                          has the wrong JSON type
     */
    static void check(JsonNode body, Descriptor message) {
        if (body.isObject()) {
            checkFields(body, message, "");
        }
        // a body that is not an object at all is refused by the transcoder and the parser, in their words
    }

    private static void checkFields(JsonNode object, Descriptor message, String prefix) {
        final Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            final Map.Entry<String, JsonNode> entry = fields.next();
            FieldDescriptor field = message.findFieldByName(entry.getKey());
            if (field == null) {
                field = findByJsonName(message, entry.getKey());
            }
            if (field != null) {
                checkField(entry.getValue(), field, prefix + field.getName());
            }
        }
    }

    private static FieldDescriptor findByJsonName(Descriptor message, String jsonName) {
        for (FieldDescriptor field : message.getFields()) {
            if (field.getJsonName().equals(jsonName)) {
                return field;
            }
        }
        return null;
    }

    private static void checkField(JsonNode value, FieldDescriptor field, String path) {
        if (value.isNull()) {
            return; // the field's default
        }
        if (field.isMapField()) {
            require(value.isObject(), path, "a JSON object", value);
            final FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
            final Iterator<Map.Entry<String, JsonNode>> entries = value.fields();
            while (entries.hasNext()) {
                final Map.Entry<String, JsonNode> entry = entries.next();
                checkSingle(entry.getValue(), valueField, path + "[" + entry.getKey() + "]");
            }
            return;
        }
        if (field.isRepeated()) {
            require(value.isArray(), path, "a JSON array", value);
            for (int i = 0; i < value.size(); i++) {
                checkSingle(value.get(i), field, path + "[" + i + "]");
            }
            return;
        }
        checkSingle(value, field, path);
    }

    /** One value of the field's type (an element, if the field is repeated). */
    private static void checkSingle(JsonNode value, FieldDescriptor field, String path) {
        if (value.isNull()) {
            return;
        }
        switch (field.getJavaType()) {
            case STRING, BYTE_STRING -> require(value.isTextual(), path, "a JSON string", value);
            case BOOLEAN -> require(value.isBoolean(), path, "true or false", value);
            case INT, LONG, FLOAT, DOUBLE -> require(value.isNumber() || value.isTextual(), path,
                                                     "a number (or a number in a JSON string)", value);
            case ENUM -> require(value.isTextual() || value.isIntegralNumber(), path,
                                 "one of the enum's names as a JSON string (or its number)", value);
            case MESSAGE -> checkMessage(value, field.getMessageType(), path);
        }
    }

    private static void checkMessage(JsonNode value, Descriptor message, String path) {
        final String name = message.getFullName();
        if (!name.startsWith("google.protobuf.")) {
            require(value.isObject(), path, "a JSON object", value);
            checkFields(value, message, path + ".");
            return;
        }
        final String stringForm = STRING_TYPES.get(name);
        if (stringForm != null) {
            require(value.isTextual(), path, stringForm, value);
            return;
        }
        switch (name) {
            case "google.protobuf.Struct", "google.protobuf.Empty", "google.protobuf.Any" ->
                    require(value.isObject(), path, "a JSON object", value);
            case "google.protobuf.ListValue" -> require(value.isArray(), path, "a JSON array", value);
            case "google.protobuf.Value" -> { } // any JSON value
            default -> {
                // the wrappers (StringValue, Int64Value, ...) are their value
                final FieldDescriptor wrapped = message.findFieldByName("value");
                if (wrapped != null && message.getFields().size() == 1) {
                    checkSingle(value, wrapped, path);
                }
            }
        }
    }

    private static void require(boolean ok, String path, String expected, JsonNode value) {
        if (!ok) {
            throw Errors.invalidField(path, "must be " + expected + ", not " + describe(value));
        }
    }

    private static String describe(JsonNode value) {
        return switch (value.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> "a " + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
