package io.sextant.gateway;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.sextant.gateway.backends.Backend;
import io.sextant.platform.server.SextantServer;

/**
 * A gateway in a JVM of its own (in front of auth and the blob stand-in at the targets given as arguments),
 * for the tests that need its memory bounded apart from the test's: it prints {@value #PORT} and its port,
 * and stops when its standard input closes.
 */
final class ForkedGateway {

    static final String PORT = "FORKED_GATEWAY_PORT=";

    private ForkedGateway() {}

    public static void main(String[] args) throws IOException {
        final List<Backend> backends = new ArrayList<>(Backend.ALL);
        backends.add(TestBlobService.BACKEND);
        final SextantServer gateway = TestMesh.startGateway(Map.of("auth", args[0], "blobs", args[1]), Map.of(),
                                                            backends);
        System.out.println(PORT + gateway.port());
        System.out.flush();
        while (System.in.read() >= 0) {
            // until the test closes our input
        }
        gateway.close();
        System.exit(0);
    }
}
