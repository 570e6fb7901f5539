package io.sextant.gateway.openapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo.Location;
import com.google.protobuf.Descriptors;

/**
 * The comments of the contracts, by full name. The generated Java descriptors carry no source info;
 * the proto module writes a descriptor set with it into its jar ({@link #RESOURCE}, where Armeria's
 * DocService reads docstrings too). Without that file every description is simply absent.
 *
 * <p>Keys: {@code pkg.Message}, {@code pkg.Message.field}, {@code pkg.Enum}, {@code pkg.Enum.VALUE}
 * (the enum's name, not protobuf's sibling scope), {@code pkg.Service}, {@code pkg.Service.Method}.
 */
final class ProtoComments {

    static final String RESOURCE = "META-INF/armeria/grpc/sextant.dsc";

    // field numbers of descriptor.proto, as SourceCodeInfo paths use them
    private static final int FILE_MESSAGE = 4;
    private static final int FILE_ENUM = 5;
    private static final int FILE_SERVICE = 6;
    private static final int MESSAGE_FIELD = 2;
    private static final int MESSAGE_NESTED = 3;
    private static final int MESSAGE_ENUM = 4;
    private static final int ENUM_VALUE = 2;
    private static final int SERVICE_METHOD = 2;

    private final Map<String, String> comments;

    private ProtoComments(Map<String, String> comments) {
        this.comments = Map.copyOf(comments);
    }

    /** The comments of every descriptor set at {@link #RESOURCE} on the class path; none if there is none. */
    static ProtoComments load(ClassLoader classLoader) {
        final Map<String, String> comments = new HashMap<>();
        try {
            final Enumeration<URL> sets = classLoader.getResources(RESOURCE);
            while (sets.hasMoreElements()) {
                try (InputStream in = sets.nextElement().openStream()) {
                    for (FileDescriptorProto file : FileDescriptorSet.parseFrom(in).getFileList()) {
                        collect(file, comments);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the descriptor set " + RESOURCE, e);
        }
        return new ProtoComments(comments);
    }

    static ProtoComments none() {
        return new ProtoComments(Map.of());
    }

    String of(Descriptors.GenericDescriptor descriptor) {
        return comments.get(descriptor.getFullName());
    }

    String of(Descriptors.EnumValueDescriptor value) {
        return comments.get(value.getType().getFullName() + "." + value.getName());
    }

    int size() {
        return comments.size();
    }

    private static void collect(FileDescriptorProto file, Map<String, String> comments) {
        final String prefix = file.getPackage().isEmpty() ? "" : file.getPackage() + ".";
        for (Location location : file.getSourceCodeInfo().getLocationList()) {
            final String text = text(location);
            if (text != null) {
                final String name = name(file, prefix, location.getPathList());
                if (name != null) {
                    comments.put(name, text);
                }
            }
        }
    }

    /** The full name a location's path points at, or null for anything but a declaration we describe. */
    private static String name(FileDescriptorProto file, String prefix, List<Integer> path) {
        if (path.size() < 2 || path.size() % 2 != 0) {
            return null;
        }
        final int index = path.get(1);
        return switch (path.get(0)) {
            case FILE_MESSAGE -> message(file.getMessageType(index), prefix, path.subList(2, path.size()));
            case FILE_ENUM -> enumeration(file.getEnumType(index), prefix, path.subList(2, path.size()));
            case FILE_SERVICE -> service(file.getService(index), prefix, path.subList(2, path.size()));
            default -> null;
        };
    }

    private static String message(DescriptorProto message, String prefix, List<Integer> rest) {
        final String name = prefix + message.getName();
        if (rest.isEmpty()) {
            return name;
        }
        final int index = rest.get(1);
        return switch (rest.get(0)) {
            case MESSAGE_FIELD -> rest.size() == 2 ? name + "." + message.getField(index).getName() : null;
            case MESSAGE_NESTED -> message(message.getNestedType(index), name + ".", rest.subList(2, rest.size()));
            case MESSAGE_ENUM -> enumeration(message.getEnumType(index), name + ".", rest.subList(2, rest.size()));
            default -> null;
        };
    }

    private static String enumeration(EnumDescriptorProto enumeration, String prefix, List<Integer> rest) {
        final String name = prefix + enumeration.getName();
        if (rest.isEmpty()) {
            return name;
        }
        return rest.size() == 2 && rest.get(0) == ENUM_VALUE
               ? name + "." + enumeration.getValue(rest.get(1)).getName() : null;
    }

    private static String service(ServiceDescriptorProto service, String prefix, List<Integer> rest) {
        final String name = prefix + service.getName();
        if (rest.isEmpty()) {
            return name;
        }
        return rest.size() == 2 && rest.get(0) == SERVICE_METHOD
               ? name + "." + service.getMethod(rest.get(1)).getName() : null;
    }

    /** The leading comment (else the trailing one), without the one space after each {@code //}. */
    private static String text(Location location) {
        final String raw = location.hasLeadingComments() ? location.getLeadingComments()
                                                         : location.getTrailingComments();
        if (raw.isBlank()) {
            return null;
        }
        final StringBuilder out = new StringBuilder();
        for (String line : raw.strip().split("\n", -1)) {
            out.append(line.startsWith(" ") ? line.substring(1) : line).append('\n');
        }
        return out.toString().strip();
    }
}
