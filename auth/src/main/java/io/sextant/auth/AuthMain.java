package io.sextant.auth;

import io.sextant.platform.server.Launcher;

/** Runs the auth service on PORT (8001) against DB_URL. */
public final class AuthMain {

    private AuthMain() {}

    public static void main(String[] args) {
        Launcher.run(AuthConfig::read, AuthServer::newServer);
    }
}
