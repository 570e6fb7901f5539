package io.sextant.platform.resource;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Message;

import io.sextant.platform.error.Errors;

/**
 * The fields of a resource message that one Update method may change (AIP-134), and what its
 * {@code update_mask} means: the paths it names, checked against those fields ({@code *} is all of
 * them), or without a mask the fields that the request sets. {@link #apply} then copies the named
 * fields from the request onto the stored resource. Paths are top-level field names.
 *
 * <pre>{@code
 * static final UpdateMask TEMPLATE = UpdateMask.of(Template.getDescriptor(), "subject", "body", "channel");
 * List<String> paths = TEMPLATE.paths(request.getUpdateMask(), request.getTemplate());
 * Template changed = UpdateMask.apply(stored, request.getTemplate(), paths);
 * }</pre>
 */
public final class UpdateMask {

    private final Descriptor type;
    private final List<String> fields;
    private final boolean starAllowed;

    private UpdateMask(Descriptor type, List<String> fields, boolean starAllowed) {
        this.type = type;
        this.fields = List.copyOf(fields);
        this.starAllowed = starAllowed;
        for (String field : this.fields) {
            if (type.findFieldByName(field) == null) {
                throw new IllegalArgumentException(type.getFullName() + " has no field " + field);
            }
        }
    }

    /** These fields of {@code type}, in the order the messages list them; {@code *} means all of them. */
    public static UpdateMask of(Descriptor type, String... fields) {
        return new UpdateMask(type, List.of(fields), true);
    }

    public static UpdateMask of(Descriptor type, List<String> fields) {
        return new UpdateMask(type, fields, true);
    }

    /** The same fields, but a mask may not say {@code *} (for a method whose fields may grow). */
    public UpdateMask withoutStar() {
        return new UpdateMask(type, fields, false);
    }

    /** The same, without these fields. */
    public UpdateMask without(String... excluded) {
        final List<String> kept = new ArrayList<>(fields);
        kept.removeAll(List.of(excluded));
        return new UpdateMask(type, kept, starAllowed);
    }

    public List<String> fields() {
        return fields;
    }

    /**
     * The fields to change: the mask's paths ({@code *} expanded), each one of the allowed fields,
     * without repeats; with no mask (or an empty one) the allowed fields that {@code request} sets
     * (a non-default value, a present optional field, a non-empty list or map). Anything else is
     * an INVALID_ARGUMENT on {@code update_mask}.
     */
    public List<String> paths(FieldMask mask, Message request) {
        if (mask == null || mask.getPathsCount() == 0) {
            final List<String> paths = new ArrayList<>();
            for (String field : fields) {
                if (isSet(request, field)) {
                    paths.add(field);
                }
            }
            return List.copyOf(paths);
        }
        if (!starAllowed && mask.getPathsList().contains("*")) {
            throw Errors.invalidField("update_mask", "may name only " + String.join(", ", fields));
        }
        final Set<String> paths = new LinkedHashSet<>();
        for (String path : mask.getPathsList()) {
            if (path.equals("*")) {
                paths.addAll(fields);
            } else if (fields.contains(path)) {
                paths.add(path);
            } else {
                throw Errors.invalidField("update_mask", "'" + path + "' cannot be changed; the mask may name only "
                                                         + String.join(", ", fields) + " or *");
            }
        }
        return List.copyOf(paths);
    }

    /** Whether {@code message} sets the field: a non-default value, a present optional, a non-empty list or map. */
    public static boolean isSet(Message message, String field) {
        final FieldDescriptor descriptor = field(message.getDescriptorForType(), field);
        return descriptor.isRepeated() ? message.getRepeatedFieldCount(descriptor) > 0 : message.hasField(descriptor);
    }

    /**
     * {@code base} with the named top-level fields as in {@code request}: an unset field in the
     * request clears the field (an optional one becomes absent), a list or map is replaced whole.
     * Every other field stays as in {@code base}.
     */
    @SuppressWarnings("unchecked")
    public static <M extends Message> M apply(M base, M request, Collection<String> paths) {
        final Message.Builder builder = base.toBuilder();
        for (String path : paths) {
            final FieldDescriptor descriptor = field(base.getDescriptorForType(), path);
            if (!descriptor.isRepeated() && !request.hasField(descriptor)) {
                builder.clearField(descriptor);
            } else {
                builder.setField(descriptor, request.getField(descriptor));
            }
        }
        return (M) builder.build();
    }

    private static FieldDescriptor field(Descriptor type, String name) {
        final FieldDescriptor descriptor = type.findFieldByName(name);
        if (descriptor == null) {
            throw new IllegalArgumentException(type.getFullName() + " has no field " + name);
        }
        return descriptor;
    }
}
