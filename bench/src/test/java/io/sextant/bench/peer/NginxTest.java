package io.sextant.bench.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.GrpcService;

import io.grpc.stub.StreamObserver;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.auth.v1.ValidateTokenResponse;

/**
 * The nginx peers, with Debian's nginx when the machine has it: their configurations pass
 * {@code nginx -t}, the gRPC proxy carries a real call to a gRPC server on loopback, and the REST
 * hop answers. Without nginx (a machine with only a JDK) those tests are skipped and say why; the
 * configuration's own checks run everywhere.
 */
class NginxTest {

    private static final String NO_NGINX = "no nginx at " + Nginx.DEFAULT_BINARY
                                           + " (nor at $NGINX): the nginx peers cannot run on this machine";

    @TempDir
    Path dir;

    @Test
    void bothConfigurationsPassNginxTest() throws Exception {
        assumeTrue(Nginx.binary().isPresent(), NO_NGINX);
        assertNginxAccepts(Nginx.grpcProxyConfig(dir, 20100, "127.0.0.1:20101", "1", Nginx.isRoot()));
        assertNginxAccepts(Nginx.restHopConfig(dir, 20100, 20101, "auto", Nginx.isRoot()));
    }

    @Test
    void theUserDirectiveIsWrittenOnlyForRoot() {
        assertThat(Nginx.restHopConfig(dir, 20100, 20101, "1", true)).contains("user root;");
        assertThat(Nginx.restHopConfig(dir, 20100, 20101, "1", false)).doesNotContain("user ");
    }

    @Test
    void whatWouldBreakTheConfigurationIsRefused() {
        assertThatThrownBy(() -> Nginx.grpcProxyConfig(dir, 20100, "127.0.0.1:1; } server {", "1", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host:port");
        assertThatThrownBy(() -> Nginx.grpcProxyConfig(dir, 20100, "127.0.0.1", "1", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host:port");
        assertThatThrownBy(() -> Nginx.grpcProxyConfig(dir, 80, "127.0.0.1:8001", "1", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1024");
        assertThatThrownBy(() -> Nginx.restHopConfig(dir, 20100, 20100, "1", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two ports");
        assertThatThrownBy(() -> Nginx.restHopConfig(dir, 20100, 20101, "1;", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workers");
    }

    @Test
    void theGrpcProxyCarriesACallToARealGrpcServer() throws Exception {
        assumeTrue(Nginx.binary().isPresent(), NO_NGINX);
        final Server backend = Server.builder().http(0).gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
                .service(GrpcService.builder().addService(new AuthServiceGrpc.AuthServiceImplBase() {
                    @Override
                    public void validateToken(ValidateTokenRequest request,
                                              StreamObserver<ValidateTokenResponse> response) {
                        // the token travels in the metadata, as it does to auth: through nginx too
                        final String authorization = ServiceRequestContext.current().request().headers()
                                                                          .get(HttpHeaderNames.AUTHORIZATION, "");
                        response.onNext(ValidateTokenResponse.newBuilder().setUsername("for " + authorization)
                                                             .build());
                        response.onCompleted();
                    }
                }).build()).build();
        backend.start().join();
        final long pid;
        try (Nginx nginx = Nginx.grpcProxy(freePort(), "127.0.0.1:" + backend.activeLocalPort())) {
            pid = nginx.pid();
            assertThat(nginx.version()).matches("\\d+\\.\\d+\\.\\d+");
            for (int call = 0; call < 3; call++) { // the later calls reuse the kept-alive upstream connection
                final AuthServiceGrpc.AuthServiceBlockingStub client = GrpcClients
                        .builder("http://127.0.0.1:" + nginx.port())
                        .addHeader(HttpHeaderNames.AUTHORIZATION, "Bearer t" + call)
                        .build(AuthServiceGrpc.AuthServiceBlockingStub.class);
                assertThat(client.validateToken(ValidateTokenRequest.getDefaultInstance()).getUsername())
                        .isEqualTo("for Bearer t" + call);
            }
            assertThat(ProcessHandle.of(pid).orElseThrow().descendants()).as("its worker").hasSize(1);
        } finally {
            backend.stop().join();
        }
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("stopped by close()").isEmpty();
    }

    @Test
    void theRestHopAnswersTheBackendsJsonOverKeptAliveConnections() throws Exception {
        assumeTrue(Nginx.binary().isPresent(), NO_NGINX);
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final Path nginxDir;
        try (Nginx nginx = Nginx.restHop(freePort(), freePort())) {
            nginxDir = nginx.dir();
            for (int request = 0; request < 3; request++) {
                final HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nginx.port() + "/v1/auth/validate"))
                                   .timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
                assertThat(response.body()).isEqualTo(Nginx.REST_HOP_BODY);
            }
        }
        assertThat(nginxDir).doesNotExist();
    }

    @Test
    void aPortAlreadyTakenFailsTheStartWithNginxsOwnWords() throws Exception {
        assumeTrue(Nginx.binary().isPresent(), NO_NGINX);
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            assertThatThrownBy(() -> Nginx.grpcProxy(taken.getLocalPort(), "127.0.0.1:20101"))
                    .hasMessageContaining("Address already in use");
        }
    }

    private void assertNginxAccepts(String config) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("nginx.conf"), config, StandardCharsets.UTF_8);
        final List<String> command = Nginx.command(Nginx.binary().orElseThrow(), dir, "-t");
        final Process test = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(test.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(test.waitFor()).as(config + "\n" + output).isZero();
        assertThat(output).contains("test is successful");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
