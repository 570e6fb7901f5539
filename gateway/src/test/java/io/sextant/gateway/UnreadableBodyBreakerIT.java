package io.sextant.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import io.sextant.platform.server.SextantServer;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * A finding of {@link RestTranscodingFuzzIT} (issue 8): a REST body that does not fit the method's
 * request message was answered 400, but only after the gateway had started the backend's call, and
 * that call's cancellation counted as the backend failing. Five such requests in a row (the default
 * CIRCUIT_BREAKER_FAILURES) opened the backend's breaker: 503 BACKEND_CIRCUIT_OPEN for everyone for
 * 10 s, e.g. nobody could log in after five logins with an unknown JSON field.
 */
class UnreadableBodyBreakerIT {

    private static final String ALICE = "/v1/users/0f8fad5b-d9cb-469f-a165-70867728950e";

    private static SextantServer auth;
    private static SextantServer users;
    private static SextantServer gateway;
    private static WebClient http;

    @BeforeAll
    static void start() {
        auth = TestMesh.startService("auth", new TestAuthService());
        users = TestMesh.startService("users", AnsweringStandIn.of(UsersServiceGrpc.getServiceDescriptor()));
        gateway = TestMesh.startGateway(Map.of("auth", TestMesh.target(auth), "users", TestMesh.target(users)),
                                        Map.of("RATE_LIMIT_AUTH", "off", "RATE_LIMIT_USER", "off",
                                               "TRUSTED_PROXIES", "10.0.0.0/8"));
        http = WebClient.builder("http://127.0.0.1:" + gateway.port()).responseTimeout(Duration.ofSeconds(10))
                        .addHeader("authorization", TestAuthService.BEARER).build();
    }

    @AfterAll
    static void stop() {
        TestMesh.closeAll(gateway, auth, users);
    }

    @Test
    void loginsWithAnUnknownFieldDoNotOpenAuthsBreaker() {
        for (int i = 0; i < 10; i++) {
            assertThat(send(HttpMethod.POST, "/v1/auth/login", "{\"username\": \"alice\", \"nope\": 1}").status().code())
                    .isEqualTo(400);
        }
        final AggregatedHttpResponse login = send(HttpMethod.POST, "/v1/auth/login",
                                                  "{\"username\": \"alice\", \"password\": \"correct horse battery\"}");
        assertThat(login.status().code()).as(login.contentUtf8()).isEqualTo(200);
    }

    @Test
    void updatesThatDoNotFitTheUserDoNotOpenUsersBreaker() {
        for (int i = 0; i < 10; i++) {
            // the input the fuzzer found: a mangled field name
            assertThat(send(HttpMethod.PATCH, ALICE + "?update_mask=display_name,locale",
                            "{\"di)plNamyae\": \"Alice A.\", \"locale\": \"en-GB\"}").status().code())
                    .isEqualTo(400);
        }
        final AggregatedHttpResponse get = http.blocking().get(ALICE);
        assertThat(get.status().code()).as(get.contentUtf8()).isEqualTo(200);
    }

    private static AggregatedHttpResponse send(HttpMethod method, String path, String json) {
        return http.blocking().execute(RequestHeaders.builder(method, path).contentType(MediaType.JSON_UTF_8).build(),
                                       json);
    }
}
