package io.sextant.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.grpc.BindableService;
import io.sextant.gateway.backends.Backend;
import io.sextant.platform.config.Env;
import io.sextant.platform.config.CommonConfig;
import io.sextant.platform.server.SextantServer;

/** Real servers on loopback ports for the gateway's tests: stand-ins of the services, hosted like the real ones. */
final class TestMesh {

    private TestMesh() {}

    /** A started service of the given name, on the platform's server (validation, error mapping, health). */
    static SextantServer startService(String name, BindableService... services) {
        return startService(name, builder -> { }, services);
    }

    /** A started service, with some settings of its own. */
    static SextantServer startService(String name, Consumer<SextantServer.Builder> setup, BindableService... services) {
        return startService(name, 0, setup, services);
    }

    /** A started service on the given port (0: any free one), e.g. to restart a stopped one where it was. */
    static SextantServer startService(String name, int port, Consumer<SextantServer.Builder> setup,
                                      BindableService... services) {
        final SextantServer.Builder builder =
                SextantServer.builder(CommonConfig.read(name, 0, Env.of(Map.of("PORT", String.valueOf(port)))));
        for (BindableService service : services) {
            builder.grpcService(service);
        }
        setup.accept(builder);
        return builder.build().start();
    }

    /** The target of a started service. */
    static String target(SextantServer server) {
        return "127.0.0.1:" + server.port();
    }

    /** A port nothing listens on: a service that is down. */
    static String deadTarget() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return "127.0.0.1:" + socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A started gateway in front of the given targets (by service name); the others are down. */
    static SextantServer startGateway(Map<String, String> targets, Map<String, String> settings) {
        return startGateway(targets, settings, Backend.ALL);
    }

    /**
     * A started gateway in front of the given services (e.g. {@link Backend#ALL} and a stand-in API of
     * the test contracts), at the given targets (by service name); the others are down.
     */
    static SextantServer startGateway(Map<String, String> targets, Map<String, String> settings,
                                      List<Backend> backends) {
        final Map<String, String> env = new HashMap<>(settings);
        env.put("PORT", "0");
        env.putIfAbsent("METRICS_PORT", "0");
        for (Backend backend : backends) {
            env.put(backend.targetVariable(), targets.getOrDefault(backend.name(), deadTarget()));
        }
        return Gateway.newServer(GatewayConfig.read(Env.of(env), backends)).start();
    }

    /** Closes the servers, side by side: each one's graceful shutdown takes a while. */
    static void closeAll(SextantServer... servers) {
        CompletableFuture.allOf(Arrays.stream(servers)
                                      .filter(Objects::nonNull)
                                      .map(server -> CompletableFuture.runAsync(server::close))
                                      .toArray(CompletableFuture[]::new))
                         .join();
    }
}
