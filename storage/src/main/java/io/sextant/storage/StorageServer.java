package io.sextant.storage;

import io.sextant.storage.v1.StorageServiceGrpc;
import io.sextant.platform.server.NotBuiltService;

/**
 * Wires the storage service: what {@link StorageMain} runs and what the tests start. Until the storage
 * issue builds its RPCs (files, folders, sharing, thumbnails), it is the platform's skeleton: its own database, its contract,
 * health, metrics and docs, and every RPC answering UNIMPLEMENTED (NOT_BUILT_YET).
 */
public final class StorageServer {

    /** The service on PORT (8004 by default). */
    public static final NotBuiltService SERVICE = new NotBuiltService(
            "storage", 8004, new StorageServiceGrpc.StorageServiceImplBase() { }, "the storage issue (files, folders, sharing, thumbnails)");

    private StorageServer() {}
}
