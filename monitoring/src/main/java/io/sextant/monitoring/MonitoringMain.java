package io.sextant.monitoring;

import io.sextant.platform.server.Launcher;

/** Runs the monitoring service on PORT (8005) against DB_URL. */
public final class MonitoringMain {

    private MonitoringMain() {}

    public static void main(String[] args) {
        Launcher.run(MonitoringServer.SERVICE::readConfig, MonitoringServer.SERVICE::newServer);
    }
}
