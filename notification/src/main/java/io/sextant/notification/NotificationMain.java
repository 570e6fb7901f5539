package io.sextant.notification;

import io.sextant.platform.server.Launcher;

/** Runs the notification service on PORT (8003) against DB_URL. */
public final class NotificationMain {

    private NotificationMain() {}

    public static void main(String[] args) {
        Launcher.run(NotificationServer::readConfig, NotificationServer::newServer);
    }
}
