package io.sextant.gateway.streaming;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor.JavaType;
import com.google.protobuf.Message;

/**
 * A dotted path to a scalar field of a message ({@code file.filename}), resolved against the descriptors
 * when the gateway starts, and the setting of its value from text: a string as it is, an integer in
 * decimal, a bool as {@code true}/{@code false}, an enum by its value's name ({@code VISIBILITY_PUBLIC}) or
 * that name without the enum's prefix ({@code PUBLIC}); a repeated field takes every value given.
 */
record FieldPath(String dotted, List<FieldDescriptor> fields) {

    FieldPath {
        fields = List.copyOf(fields);
    }

    /**
     * The path in the message; a path that names no field, or a leaf that is a message or a map, is the
     * contract's mistake, and the gateway does not start.
     *
     * @param what what declares the path, for the message
     */
    static FieldPath of(Descriptor message, String dotted, String what) {
        final List<FieldDescriptor> fields = new ArrayList<>();
        Descriptor current = message;
        final String[] names = dotted.split("\\.", -1);
        for (int i = 0; i < names.length; i++) {
            final FieldDescriptor field = current == null ? null : current.findFieldByName(names[i]);
            if (field == null) {
                throw new IllegalStateException(what + " names " + dotted + ", which " + message.getFullName()
                                                + " does not have");
            }
            final boolean last = i == names.length - 1;
            if (!last && (field.getJavaType() != JavaType.MESSAGE || field.isRepeated())) {
                throw new IllegalStateException(what + " names " + dotted + ", but " + field.getFullName()
                                                + " is no single message");
            }
            if (last && (field.getJavaType() == JavaType.MESSAGE || field.getJavaType() == JavaType.BYTE_STRING)) {
                throw new IllegalStateException(what + " names " + dotted + ", but " + field.getFullName()
                                                + " is no text, number, bool or enum field");
            }
            fields.add(field);
            current = field.getJavaType() == JavaType.MESSAGE ? field.getMessageType() : null;
        }
        return new FieldPath(dotted, fields);
    }

    /** The path, which must lead to a field of the given kind, else the gateway does not start. */
    static FieldPath of(Descriptor message, String dotted, String what, JavaType... kinds) {
        final FieldPath path = of(message, dotted, what);
        for (JavaType kind : kinds) {
            if (path.leaf().getJavaType() == kind && !path.leaf().isRepeated()) {
                return path;
            }
        }
        throw new IllegalStateException(what + " names " + dotted + ", but " + path.leaf().getFullName()
                                        + " is no single " + List.of(kinds).toString().toLowerCase(Locale.ROOT)
                                        + " field");
    }

    FieldDescriptor leaf() {
        return fields.get(fields.size() - 1);
    }

    /**
     * Sets (or adds, for a repeated field) the value read from the text.
     *
     * @throws IllegalArgumentException when the text is no value of the field's type, saying why
     */
    void set(Message.Builder message, String text) {
        set(message, 0, value(leaf(), text));
    }

    /** Sets a value of the leaf's own Java type (a long for an int64 field). */
    void setValue(Message.Builder message, Object value) {
        set(message, 0, value);
    }

    private void set(Message.Builder message, int index, Object value) {
        final FieldDescriptor field = fields.get(index);
        if (index == fields.size() - 1) {
            if (field.isRepeated()) {
                message.addRepeatedField(field, value);
            } else {
                message.setField(field, value);
            }
            return;
        }
        final Message.Builder child = ((Message) message.getField(field)).toBuilder();
        set(child, index + 1, value);
        message.setField(field, child.build());
    }

    private static Object value(FieldDescriptor field, String text) {
        try {
            return switch (field.getJavaType()) {
                case STRING -> text;
                case INT -> field.getType() == FieldDescriptor.Type.UINT32 || field.getType() == FieldDescriptor.Type.FIXED32
                            ? Integer.parseUnsignedInt(text) : Integer.parseInt(text);
                case LONG -> field.getType() == FieldDescriptor.Type.UINT64 || field.getType() == FieldDescriptor.Type.FIXED64
                             ? Long.parseUnsignedLong(text) : Long.parseLong(text);
                case FLOAT -> Float.parseFloat(text);
                case DOUBLE -> Double.parseDouble(text);
                case BOOLEAN -> bool(text);
                case ENUM -> enumValue(field.getEnumType(), text);
                case BYTE_STRING, MESSAGE -> throw new IllegalStateException("checked at start: " + field.getFullName());
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a number");
        }
    }

    private static boolean bool(String text) {
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException("'" + text + "' is neither true nor false");
    }

    private static EnumValueDescriptor enumValue(EnumDescriptor type, String text) {
        final EnumValueDescriptor byName = type.findValueByName(text);
        if (byName != null) {
            return byName;
        }
        final EnumValueDescriptor byShortName = type.findValueByName(prefix(type) + text.toUpperCase(Locale.ROOT));
        if (byShortName != null) {
            return byShortName;
        }
        final List<String> names = type.getValues().stream().map(EnumValueDescriptor::getName)
                                       .filter(name -> !name.endsWith("_UNSPECIFIED")).toList();
        throw new IllegalArgumentException("'" + text + "' is none of " + String.join(", ", names));
    }

    /** The prefix of the enum's value names (AIP-126: {@code VISIBILITY_} of {@code VISIBILITY_UNSPECIFIED}). */
    private static String prefix(EnumDescriptor type) {
        final String first = type.getValues().get(0).getName();
        if (first.endsWith("_UNSPECIFIED")) {
            return first.substring(0, first.length() - "UNSPECIFIED".length());
        }
        return type.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT) + "_";
    }
}
