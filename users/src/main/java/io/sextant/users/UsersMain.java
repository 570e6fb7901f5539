package io.sextant.users;

import io.sextant.platform.server.Launcher;

/** Runs the users service on PORT (8002) against DB_URL. */
public final class UsersMain {

    private UsersMain() {}

    public static void main(String[] args) {
        Launcher.run(UsersServer::readConfig, UsersServer::newServer);
    }
}
