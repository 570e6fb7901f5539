package io.sextant.platform.grpc;

/** Size limits shared by every server, client and the gateway of the mesh, so that they agree. */
public final class GrpcLimits {

    /**
     * The largest gRPC message (and HTTP request) a service accepts and a client reads: 16 MiB. The
     * gateway's REST body limit (MAX_REQUEST_BODY) defaults to it. Larger payloads (file contents)
     * are streamed in chunks, never sent as one message.
     */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private GrpcLimits() {}
}
