package io.sextant.storage;

import io.sextant.platform.server.Launcher;

/** Runs the storage service on PORT (8004) against DB_URL. */
public final class StorageMain {

    private StorageMain() {}

    public static void main(String[] args) {
        Launcher.run(StorageServer::readConfig, StorageServer::newServer);
    }
}
