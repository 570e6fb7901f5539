package io.sextant.platform.grpc;

import java.util.ArrayList;
import java.util.List;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest.FieldViolation;

/**
 * Finds the strings of a message that PostgreSQL cannot store, in every field at any depth (nested
 * messages, repeated fields, map keys and values, oneofs, well-known types): a NUL (U+0000), which
 * {@code text} and {@code jsonb} refuse, and half of a UTF-16 surrogate pair, which is no character
 * (protobuf's binary form cannot carry one, but JSON can: {@code "\ud800"}; encoding it silently
 * turns it into {@code ?}).
 *
 * <p>Binary protobuf input never has invalid UTF-8 here: protobuf-java refuses it when it parses a
 * proto3 string. The common case, a message with nothing to report, costs one pass over its
 * characters and allocates nothing; the field paths are built only when something is wrong.
 *
 * <p>{@link ValidationInterceptor} applies it on every service; the gateway applies it to what it
 * forwards too, as it is where JSON becomes protobuf, which would carry a lone surrogate as {@code ?}.
 */
public final class StorableText {

    static final String NUL = "string.no_nul";
    static final String VALID_UNICODE = "string.valid_unicode";

    /** Enough to show a client what is wrong without a response as large as its request. */
    private static final int MAX_VIOLATIONS = 50;

    private StorableText() {}

    /**
     * A violation for each string of the message that cannot be stored (at most
     * {@value #MAX_VIOLATIONS}); an empty list, allocating nothing, when there is none.
     */
    public static List<FieldViolation> violations(Message message) {
        if (storable(message)) {
            return List.of();
        }
        final List<FieldViolation> out = new ArrayList<>();
        collect(message, new StringBuilder(), out);
        return out;
    }

    /** Whether every string of the message can be stored; allocates nothing. */
    private static boolean storable(Message message) {
        final List<FieldDescriptor> fields = message.getDescriptorForType().getFields();
        for (int i = 0, n = fields.size(); i < n; i++) {
            final FieldDescriptor field = fields.get(i);
            final FieldDescriptor.JavaType type = field.getJavaType();
            if (type != FieldDescriptor.JavaType.STRING && type != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            if (field.isRepeated()) { // map entries too: messages of a key and a value
                for (int j = 0, count = message.getRepeatedFieldCount(field); j < count; j++) {
                    if (!storable(message.getRepeatedField(field, j))) {
                        return false;
                    }
                }
            } else if (type == FieldDescriptor.JavaType.STRING || message.hasField(field)) {
                if (!storable(message.getField(field))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean storable(Object value) {
        return value instanceof String text ? problem(text) == null : storable((Message) value);
    }

    /** The reason a string cannot be stored, or null when it can. */
    private static String problem(String text) {
        for (int i = 0, n = text.length(); i < n; i++) {
            final char c = text.charAt(i);
            if (c != 0 && c < Character.MIN_SURROGATE) {
                continue;
            }
            if (c == 0) {
                return NUL;
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a pair: one character beyond the BMP
            } else if (Character.isSurrogate(c)) {
                return VALID_UNICODE;
            }
        }
        return null;
    }

    /** The slow path: walks the message again, building each field's path. */
    private static void collect(Message message, StringBuilder path, List<FieldViolation> out) {
        final List<FieldDescriptor> fields = message.getDescriptorForType().getFields();
        for (int i = 0, n = fields.size(); i < n; i++) {
            final FieldDescriptor field = fields.get(i);
            final FieldDescriptor.JavaType type = field.getJavaType();
            if (type != FieldDescriptor.JavaType.STRING && type != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            final int parent = path.length();
            if (parent > 0) {
                path.append('.');
            }
            path.append(field.getName());
            final int named = path.length();
            if (field.isMapField()) {
                for (int j = 0, count = message.getRepeatedFieldCount(field); j < count; j++) {
                    entry((Message) message.getRepeatedField(field, j), path, out);
                    path.setLength(named);
                }
            } else if (field.isRepeated()) {
                for (int j = 0, count = message.getRepeatedFieldCount(field); j < count; j++) {
                    value(message.getRepeatedField(field, j), path.append('[').append(j).append(']'), false, out);
                    path.setLength(named);
                }
            } else if (type == FieldDescriptor.JavaType.STRING || message.hasField(field)) {
                value(message.getField(field), path, false, out);
            }
            path.setLength(parent);
        }
    }

    /** A map entry: its key, then its value, under {@code field["key"]}. */
    private static void entry(Message entry, StringBuilder path, List<FieldViolation> out) {
        final FieldDescriptor keyField = entry.getDescriptorForType().findFieldByNumber(1);
        final FieldDescriptor valueField = entry.getDescriptorForType().findFieldByNumber(2);
        final Object key = entry.getField(keyField);
        path.append('[');
        if (key instanceof String text) {
            appendQuoted(path, text);
        } else {
            path.append(key);
        }
        path.append(']');
        if (key instanceof String text) {
            value(text, path, true, out);
        }
        final Object value = entry.getField(valueField);
        if (value instanceof String || value instanceof Message) {
            value(value, path, false, out);
        }
    }

    private static void value(Object value, StringBuilder path, boolean isKey, List<FieldViolation> out) {
        if (out.size() >= MAX_VIOLATIONS) {
            return;
        }
        if (value instanceof Message nested) {
            collect(nested, path, out);
            return;
        }
        final String reason = problem((String) value);
        if (reason == null) {
            return;
        }
        final String what = isKey ? "this map key" : "this text";
        out.add(FieldViolation.newBuilder()
                              .setField(path.toString())
                              .setReason(reason)
                              .setDescription(NUL.equals(reason)
                                      ? what + " contains the character U+0000 (NUL), which cannot be stored;"
                                        + " send it without that character"
                                      : what + " contains half of a UTF-16 surrogate pair (such as \\ud800 in"
                                        + " JSON), which is no Unicode character; send valid Unicode text")
                              .build());
    }

    /**
     * Appends {@code "text"}, with quotes, backslashes, control characters and unpaired surrogates
     * escaped as {@code \\uXXXX}, so that a field path never carries what it reports.
     */
    static void appendQuoted(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0, n = text.length(); i < n; i++) {
            final char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
