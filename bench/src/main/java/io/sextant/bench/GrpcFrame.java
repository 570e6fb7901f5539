package io.sextant.bench;

import java.nio.ByteBuffer;

import com.google.protobuf.MessageLite;

/**
 * A gRPC message as it travels in an HTTP/2 DATA frame: a compressed flag (0), the length (4 bytes,
 * big-endian), the protobuf bytes. h2load sends a file's bytes as each request's body ({@code -d}),
 * so a unary call is this frame written to a file.
 */
final class GrpcFrame {

    private GrpcFrame() {}

    static byte[] of(MessageLite message) {
        final byte[] body = message.toByteArray();
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(body.length).put(body).array();
    }
}
