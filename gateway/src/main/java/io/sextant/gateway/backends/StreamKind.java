package io.sextant.gateway.backends;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;

/**
 * What a server-streaming RPC sends, by what its contract declares (its response type), which decides
 * how the gateway serves it over HTTP: no list of method names.
 */
public enum StreamKind {

    /** Not a server stream (unary, or the caller streams alone): REST/JSON is the transcoder's, or none. */
    NONE,
    /** Messages: over HTTP, Server-Sent Events (or NDJSON when asked), one event per message. */
    MESSAGES,
    /** {@code stream google.api.HttpBody}: over HTTP, one raw body of the first message's content type. */
    HTTP_BODY,
    /**
     * Bytes in the contract's own chunk messages (a {@code bytes} field at the top, as storage's downloads):
     * the gateway cannot know their content type or framing by itself, so it serves them over REST only as
     * their {@code (sextant.api.v1.http_bytes)} declaration says (a plain body); gRPC and gRPC-Web carry them.
     */
    BYTE_CHUNKS;

    public static final String HTTP_BODY_TYPE = "google.api.HttpBody";

    public static StreamKind of(MethodDescriptor method) {
        if (!method.isServerStreaming() || method.isClientStreaming()) {
            return NONE;
        }
        final Descriptor response = method.getOutputType();
        if (response.getFullName().equals(HTTP_BODY_TYPE)) {
            return HTTP_BODY;
        }
        for (FieldDescriptor field : response.getFields()) {
            if (field.getType() == FieldDescriptor.Type.BYTES) {
                return BYTE_CHUNKS;
            }
        }
        return MESSAGES;
    }
}
