package io.sextant.platform.grpc;

import com.linecorp.armeria.client.ClientFactory;

/** Size limits shared by every server, client and the gateway of the mesh, so that they agree. */
public final class GrpcLimits {

    /**
     * The HTTP/2 flow-control window of one stream between services of the mesh: 2 MiB, so that a
     * sender has the next 1 MiB message of a byte stream on its way while the receiver still works on
     * the one before (with Armeria's 1 MiB a 1 MiB message never fits the window and every message waits
     * for a WINDOW_UPDATE: a 1 GiB upload through the gateway went at 119 MiB/s, with 2 MiB at about 210).
     * 4 MiB (and 8 MiB a connection) added little more and about 36 MiB to the mesh's RSS after two 1 GiB
     * round trips, against the 600 MiB it must stay under. Public ports keep Armeria's default: a client
     * on the internet should not be able to make a server hold this much of its sending.
     */
    public static final int MESH_STREAM_WINDOW_BYTES = 2 * 1024 * 1024;
    /**
     * The HTTP/2 window of one mesh-internal connection, all its streams together: 4 MiB, the most
     * bytes a server holds that it has not read yet on one connection (Armeria stops reading from a
     * connection past its window), whatever the number of streams.
     */
    public static final int MESH_CONNECTION_WINDOW_BYTES = 4 * 1024 * 1024;

    /**
     * The largest gRPC message (and HTTP request) a service accepts and a client reads: 16 MiB. The
     * gateway's REST body limit (MAX_REQUEST_BODY) defaults to it. Larger payloads (file contents)
     * are streamed in chunks, never sent as one message.
     */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private static final class MeshClientFactory {
        // the common worker group: no threads of its own; left open at exit, like the default factory's connections
        static final ClientFactory INSTANCE = ClientFactory.builder()
                                                         .http2InitialStreamWindowSize(MESH_STREAM_WINDOW_BYTES)
                                                         .http2InitialConnectionWindowSize(MESH_CONNECTION_WINDOW_BYTES)
                                                         .build();
    }

    /** The client factory of calls between services: the mesh's HTTP/2 windows, Armeria's other defaults. */
    public static ClientFactory meshClientFactory() {
        return MeshClientFactory.INSTANCE;
    }

    private GrpcLimits() {}
}
