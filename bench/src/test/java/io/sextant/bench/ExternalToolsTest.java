package io.sextant.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;

import io.grpc.stub.StreamObserver;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.auth.v1.ValidateTokenResponse;

/**
 * wrk with the bench's Lua scripts and h2load with its gRPC frame, against small servers on loopback.
 * Skipped, saying so, where the tools are not installed: the build needs only a JDK.
 */
class ExternalToolsTest {

    private static final Pattern REFRESH = Pattern.compile("\\{\"refreshToken\":\"([^\"]+)\"}");

    @TempDir
    Path dir;
    private Server server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop().join();
        }
    }

    @Test
    void theRefreshScriptFollowsEachSessionsTokenChain() throws IOException {
        assumeTrue(ToolRun.installed("wrk"), "wrk is not installed (apt-get install wrk): the Lua scripts are not run");
        // a refresh token is valid once; its answer names the next one, as auth's rotation does
        final Map<String, Boolean> valid = new ConcurrentHashMap<>(Map.of("a-0", true, "b-0", true));
        final AtomicInteger reused = new AtomicInteger();
        server = start(Server.builder().service("/v1/auth/refresh", (ctx, req) -> HttpResponse.of(
                req.aggregate().thenApply(request -> {
                    final Matcher token = REFRESH.matcher(request.contentUtf8());
                    if (!token.matches() || valid.remove(token.group(1)) == null) {
                        reused.incrementAndGet();
                        return HttpResponse.of(HttpStatus.UNAUTHORIZED);
                    }
                    final String[] parts = token.group(1).split("-");
                    final String next = parts[0] + "-" + (Integer.parseInt(parts[1]) + 1);
                    valid.put(next, true);
                    return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8,
                                           "{\"accessToken\":\"x\",\"refreshToken\": \"" + next + "\"}");
                }))));

        final ToolRun run = ToolRun.run(Wrk.command(2, 2, Duration.ofSeconds(3), Duration.ofSeconds(5), List.of(),
                                                    script("refresh-rotation.lua"), url("/v1/auth/refresh"),
                                                    List.of("a-0", "b-0")), Duration.ofSeconds(60)).requireSuccess();
        final Wrk.Result result = Wrk.parse(run.stdout());

        // more requests than sessions: some thread went on with the token its last answer named
        assertThat(result.requests()).isGreaterThan(2);
        assertThat(result.errors()).isZero();
        assertThat(reused).hasValue(0);
        assertThat(run.cpuSeconds()).isNotNegative();
    }

    @Test
    void thePostScriptSendsItsBodyWithItsContentType() throws IOException {
        assumeTrue(ToolRun.installed("wrk"), "wrk is not installed (apt-get install wrk): the Lua scripts are not run");
        final AtomicInteger wrong = new AtomicInteger();
        server = start(Server.builder().service("/token", (ctx, req) -> HttpResponse.of(
                req.aggregate().thenApply(request -> {
                    final boolean right = "POST".equals(request.method().name())
                                          && "grant_type=password&username=a".equals(request.contentUtf8())
                                          && request.contentType() != null
                                          && request.contentType().is(MediaType.FORM_DATA);
                    if (!right) {
                        wrong.incrementAndGet();
                    }
                    return HttpResponse.of(right ? HttpStatus.OK : HttpStatus.BAD_REQUEST);
                }))));

        final Wrk.Result result = Wrk.parse(ToolRun.run(Wrk.command(1, 2, Duration.ofSeconds(2), Duration.ofSeconds(5),
                                                                    List.of(), script("post.lua"), url("/token"),
                                                                    List.of("application/x-www-form-urlencoded",
                                                                            "grant_type=password&username=a")),
                                                        Duration.ofSeconds(60)).requireSuccess().stdout());

        assertThat(result.requests()).isPositive();
        assertThat(result.errors()).isZero();
        assertThat(wrong).hasValue(0);
    }

    @Test
    void h2loadSendsARealGrpcCallWithTheFrame() throws IOException {
        assumeTrue(ToolRun.installed("h2load"), "h2load is not installed (apt-get install nghttp2-client): not run");
        final AtomicInteger handled = new AtomicInteger();
        server = start(Server.builder().service(GrpcService.builder().addService(new AuthServiceGrpc.AuthServiceImplBase() {
            @Override
            public void validateToken(ValidateTokenRequest request, StreamObserver<ValidateTokenResponse> response) {
                handled.incrementAndGet();
                response.onNext(ValidateTokenResponse.newBuilder().setUsername("ada").build());
                response.onCompleted();
            }
        }).build()));
        final Path frame = dir.resolve("frame.bin");
        Files.write(frame, GrpcFrame.of(ValidateTokenRequest.getDefaultInstance()));
        final Path log = dir.resolve("h2load.log");

        final ToolRun run = ToolRun.run(H2load.command(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 2, 1,
                                                       frame.toString(), List.of("content-type: application/grpc",
                                                                                 "te: trailers"),
                                                       log.toString(), url("/sextant.auth.v1.AuthService/ValidateToken")),
                                        Duration.ofSeconds(60)).requireSuccess();
        final H2load.Result result = H2load.parse(run.stdout());
        final List<String> lines = Files.readAllLines(log);

        assertThat(result.succeeded()).isPositive();
        assertThat(result.failed()).isZero();
        // every logged answer was a call the service handled (warm-up included): the frame is a valid request
        assertThat(handled.get()).isGreaterThanOrEqualTo(lines.size()).isPositive();
        assertThat(H2load.latencies(lines, Duration.ofSeconds(1)).count()).isPositive();
    }

    @Test
    void theGrpcFrameIsTheLengthPrefixedMessage() {
        assertThat(GrpcFrame.of(ValidateTokenRequest.getDefaultInstance())).containsExactly(0, 0, 0, 0, 0);
        final byte[] frame = GrpcFrame.of(ValidateTokenResponse.newBuilder().setUsername("ada").build());
        assertThat(frame).startsWith(0, 0, 0, 0, 5).endsWith('a', 'd', 'a').hasSize(10);
    }

    private String script(String name) throws IOException {
        final Path target = dir.resolve(name);
        try (InputStream in = ExternalToolsTest.class.getResourceAsStream("/wrk/" + name)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target.toString();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.activeLocalPort() + path;
    }

    private static Server start(com.linecorp.armeria.server.ServerBuilder builder) {
        final Server started = builder.http(0).gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO).build();
        started.start().join();
        return started;
    }
}
