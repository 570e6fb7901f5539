package io.sextant.bench;

import java.net.URI;

/** Where the mesh under test listens: the gateway (REST and gRPC) and the auth service (gRPC). */
record Endpoints(URI gateway, URI auth) {

    /** Accepts {@code host:port} as well as {@code http://host:port}: both are h2c here. */
    static URI parse(String address) {
        final URI uri = URI.create(address.contains("://") ? address : "http://" + address);
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("expected host:port or http://host:port, not '" + address + "'");
        }
        return uri;
    }
}
