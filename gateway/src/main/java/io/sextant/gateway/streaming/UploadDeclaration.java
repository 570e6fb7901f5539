package io.sextant.gateway.streaming;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor.JavaType;
import com.google.protobuf.Descriptors.MethodDescriptor;

import io.sextant.api.v1.HttpBytes;
import io.sextant.api.v1.HttpBytesParam;

/**
 * The {@code (sextant.api.v1.http_bytes)} of an upload (a client-streaming RPC), checked against its
 * messages when the gateway starts: the head and data members of the request's oneof, the head's fields
 * that the path, the parameters, the Content-Type, the Content-Length and a form's file name set.
 *
 * @param params          each parameter's name and the path it sets in the head message
 * @param pathVariables   the path of each variable of the route in the head message, in the route's order
 * @param contentType     the head's field for the body's Content-Type, or null
 * @param size            the head's field for the body's Content-Length, or null
 * @param filePart        the form part that carries the bytes; empty: no multipart
 * @param partFilename    the head's field for the file part's own file name, or null
 */
record UploadDeclaration(FieldDescriptor head, FieldDescriptor data, Map<String, FieldPath> params,
                         List<FieldPath> pathVariables, FieldPath contentType, FieldPath size, String filePart,
                         FieldPath partFilename) {

    UploadDeclaration {
        params = Map.copyOf(params);
        pathVariables = List.copyOf(pathVariables);
    }

    boolean acceptsMultipart() {
        return !filePart.isEmpty();
    }

    static UploadDeclaration of(MethodDescriptor method, HttpBytes bytes, List<String> pathVariables) {
        final String what = method.getFullName() + "'s (sextant.api.v1.http_bytes)";
        if (!method.isClientStreaming() || method.isServerStreaming()) {
            throw new IllegalStateException(what + " declares an upload (head_field), but the RPC is no client stream");
        }
        if (!bytes.getInfoField().isEmpty() || !bytes.getOffsetField().isEmpty() || !bytes.getLimitField().isEmpty()) {
            throw new IllegalStateException(what + " declares an upload (head_field) with fields of a download");
        }
        final Descriptor request = method.getInputType();
        final FieldDescriptor head = oneofMember(request, bytes.getHeadField(), what + "'s head_field");
        if (head.getJavaType() != JavaType.MESSAGE) {
            throw new IllegalStateException(what + "'s head_field " + head.getFullName() + " is no message");
        }
        final FieldDescriptor data = dataField(request, bytes.getDataField(), head, what);
        final Descriptor headType = head.getMessageType();
        final Map<String, FieldPath> params = new LinkedHashMap<>();
        for (HttpBytesParam param : bytes.getParamsList()) {
            if (param.getName().isEmpty() || params.containsKey(param.getName())) {
                throw new IllegalStateException(what + " has a parameter without a name, or two named '"
                                                + param.getName() + "'");
            }
            params.put(param.getName(), FieldPath.of(headType, param.getField(), what + "'s parameter " + param.getName()));
        }
        final List<FieldPath> variables = pathVariables.stream()
                .map(variable -> FieldPath.of(headType, variable.startsWith(head.getName() + ".")
                                                        ? variable.substring(head.getName().length() + 1) : variable,
                                              what + "'s HTTP rule"))
                .toList();
        return new UploadDeclaration(
                head, data, params, variables,
                optional(headType, bytes.getContentTypeField(), what + "'s content_type_field", JavaType.STRING),
                optional(headType, bytes.getSizeField(), what + "'s size_field", JavaType.LONG, JavaType.INT),
                bytes.getFilePart(),
                optional(headType, bytes.getPartFilenameField(), what + "'s part_filename_field", JavaType.STRING));
    }

    /** A member of a oneof of the message, else the gateway does not start. */
    static FieldDescriptor oneofMember(Descriptor message, String name, String what) {
        final FieldDescriptor field = message.findFieldByName(name);
        if (field == null || field.getRealContainingOneof() == null) {
            throw new IllegalStateException(what + " '" + name + "' is no oneof member of " + message.getFullName());
        }
        return field;
    }

    /** The bytes member of the same oneof as the first message's member, else the gateway does not start. */
    static FieldDescriptor dataField(Descriptor message, String name, FieldDescriptor first, String what) {
        final FieldDescriptor data = oneofMember(message, name, what + "'s data_field");
        if (data.getJavaType() != JavaType.BYTE_STRING || data.getRealContainingOneof() != first.getRealContainingOneof()) {
            throw new IllegalStateException(what + "'s data_field " + data.getFullName() + " is no bytes member of the"
                                            + " oneof of " + first.getFullName());
        }
        return data;
    }

    private static FieldPath optional(Descriptor message, String dotted, String what, JavaType... kinds) {
        return dotted.isEmpty() ? null : FieldPath.of(message, dotted, what, kinds);
    }
}
