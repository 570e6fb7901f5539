package io.sextant.gateway.edge;

/**
 * A service of REST routes transcoded to gRPC calls by the gateway's own code rather than by Armeria's
 * transcoder (the server streams over HTTP): {@link RequestGuard} checks their JSON bodies as it does
 * the transcoder's.
 */
public interface TranscodedRoute {}
