package io.sextant.gateway.streaming;

import java.util.Map;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor.JavaType;
import com.google.protobuf.Descriptors.MethodDescriptor;

import io.sextant.api.v1.HttpBytes;

/**
 * The {@code (sextant.api.v1.http_bytes)} of a download (a server-streaming RPC), checked against its
 * messages when the gateway starts: the info and data members of the response's oneof, the info's fields
 * the gateway reads for its headers, and the request's fields a Range sets.
 *
 * @param offset the request's int64 field a Range's start sets, or null: no ranges
 * @param limit  the request's int64 field a Range's length sets, or null
 */
record DownloadDeclaration(FieldDescriptor info, FieldDescriptor data, FieldPath offset, FieldPath limit) {

    /** The fields the gateway reads from the info message, and their kinds. */
    private static final Map<String, JavaType> INFO_FIELDS = Map.of(
            "filename", JavaType.STRING, "content_type", JavaType.STRING, "size_bytes", JavaType.LONG,
            "sha256", JavaType.STRING, "range_start", JavaType.LONG, "range_length", JavaType.LONG,
            "partial", JavaType.BOOLEAN, "update_time", JavaType.MESSAGE);

    boolean acceptsRanges() {
        return offset != null;
    }

    /** The info message's field of that name (checked at start). */
    FieldDescriptor infoField(String name) {
        return info.getMessageType().findFieldByName(name);
    }

    static DownloadDeclaration of(MethodDescriptor method, HttpBytes bytes) {
        final String what = method.getFullName() + "'s (sextant.api.v1.http_bytes)";
        if (!method.isServerStreaming() || method.isClientStreaming()) {
            throw new IllegalStateException(what + " declares a download (info_field), but the RPC is no server stream");
        }
        if (bytes.getParamsCount() > 0 || !bytes.getContentTypeField().isEmpty() || !bytes.getSizeField().isEmpty()
            || !bytes.getFilePart().isEmpty() || !bytes.getPartFilenameField().isEmpty()) {
            throw new IllegalStateException(what + " declares a download (info_field) with fields of an upload");
        }
        final Descriptor response = method.getOutputType();
        final FieldDescriptor info = UploadDeclaration.oneofMember(response, bytes.getInfoField(), what + "'s info_field");
        if (info.getJavaType() != JavaType.MESSAGE) {
            throw new IllegalStateException(what + "'s info_field " + info.getFullName() + " is no message");
        }
        for (Map.Entry<String, JavaType> expected : INFO_FIELDS.entrySet()) {
            final FieldDescriptor field = info.getMessageType().findFieldByName(expected.getKey());
            if (field == null || field.getJavaType() != expected.getValue() || field.isRepeated()
                || expected.getValue() == JavaType.MESSAGE
                   && !field.getMessageType().getFullName().equals("google.protobuf.Timestamp")) {
                throw new IllegalStateException(what + "'s info_field " + info.getMessageType().getFullName()
                                                + " has no single " + expected.getValue().name().toLowerCase(java.util.Locale.ROOT)
                                                + " field " + expected.getKey());
            }
        }
        final FieldDescriptor data = UploadDeclaration.dataField(response, bytes.getDataField(), info, what);
        if (bytes.getOffsetField().isEmpty() != bytes.getLimitField().isEmpty()) {
            throw new IllegalStateException(what + " declares one of offset_field and limit_field without the other");
        }
        if (bytes.getOffsetField().isEmpty()) {
            return new DownloadDeclaration(info, data, null, null);
        }
        final Descriptor request = method.getInputType();
        return new DownloadDeclaration(info, data,
                                       FieldPath.of(request, bytes.getOffsetField(), what + "'s offset_field", JavaType.LONG),
                                       FieldPath.of(request, bytes.getLimitField(), what + "'s limit_field", JavaType.LONG));
    }
}
