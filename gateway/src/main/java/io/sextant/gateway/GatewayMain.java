package io.sextant.gateway;

import io.sextant.platform.server.Launcher;

/** Runs the gateway on PORT (8000) in front of the services at AUTH_TARGET, USERS_TARGET, ... */
public final class GatewayMain {

    private GatewayMain() {}

    public static void main(String[] args) {
        Launcher.run(GatewayConfig::read, Gateway::newServer);
    }
}
