package io.sextant.gateway;

import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.sextant.platform.identity.TokenlessAuthMethods;
import io.sextant.storage.v1.StorageServiceGrpc;

/**
 * The one declared list of what a client reaches through the gateway without a valid bearer token.
 * Every other forwarded method needs one, checked at the edge before the call leaves the gateway
 * (the backend checks it again). The gateway's own routes ({@code /health}, {@code /health/ready},
 * {@code /docs}, {@code /openapi.json}) forward nothing and are public as well; its {@code /metrics}
 * are not on this port but on the management port (METRICS_PORT, loopback by default).
 */
public final class PublicRoutes {

    /** Full gRPC method names (the REST routes of these methods are public alike). */
    public static final Set<String> METHODS = Stream.concat(
            TokenlessAuthMethods.METHODS.stream(),
            // a share link's token is the credential
            Stream.of(StorageServiceGrpc.getDownloadSharedFileMethod().getFullMethodName()))
            .collect(Collectors.toUnmodifiableSet());

    private PublicRoutes() {}

    /** Whether the full method name ({@code sextant.auth.v1.AuthService/Login}) is reached without a token. */
    public static boolean isPublic(String fullMethodName) {
        return METHODS.contains(fullMethodName);
    }
}
