package io.sextant.platform.testing;

import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;

import io.sextant.platform.config.Env;
import io.sextant.platform.config.CommonConfig;
import io.sextant.platform.server.SextantServer;

/** Configuration and clients for tests that start a {@link SextantServer} on loopback. */
public final class TestServers {

    private static final HttpClient HTTP = HttpClient.newBuilder()
                                                     .version(HttpClient.Version.HTTP_1_1)
                                                     .connectTimeout(Duration.ofSeconds(10))
                                                     .build();

    private TestServers() {}

    /** A service's configuration as its environment would give it: any free port, a short grace. */
    public static CommonConfig config(String serviceName, Map<String, String> overrides) {
        final Map<String, String> values = new HashMap<>();
        values.put("PORT", "0");
        values.put("SHUTDOWN_GRACE", "500ms");
        values.putAll(overrides);
        final Env env = Env.of(values);
        final CommonConfig config = CommonConfig.read(serviceName, 0, env);
        env.check();
        return config;
    }

    public static CommonConfig config(String serviceName) {
        return config(serviceName, Map.of());
    }

    /**
     * This machine's addresses other than loopback (where a server listening on every interface is
     * reachable from other machines), IPv4 first.
     */
    public static List<InetAddress> nonLoopbackAddresses() {
        final List<InetAddress> addresses = new ArrayList<>();
        try {
            for (NetworkInterface networkInterface : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (networkInterface.isUp() && !networkInterface.isLoopback()) {
                    for (InetAddress address : Collections.list(networkInterface.getInetAddresses())) {
                        if (!address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                            addresses.add(address);
                        }
                    }
                }
            }
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
        addresses.sort(Comparator.comparing(address -> address instanceof Inet6Address));
        return addresses;
    }

    /** Whether a TCP connection to the address and port is accepted. */
    public static boolean accepts(InetAddress address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** A gRPC client builder for a server on this machine. */
    public static GrpcClientBuilder grpc(int port) {
        return GrpcClients.builder("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(20));
    }

    /** A plain HTTP/1.1 GET with the JDK's client, as curl or a load balancer's probe would send it. */
    public static HttpResponse<String> get(int port, String path, String... headers) {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                                       .timeout(Duration.ofSeconds(20))
                                                       .GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
