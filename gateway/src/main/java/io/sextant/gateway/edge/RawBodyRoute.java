package io.sextant.gateway.edge;

/**
 * A route of the gateway's own whose body is bytes, not JSON (uploads and downloads of
 * {@code (sextant.api.v1.http_bytes)}): {@link RequestGuard} leaves its body alone, whatever its type,
 * and never reads it whole.
 */
public interface RawBodyRoute {}
