package io.sextant.bench;

import java.util.Arrays;
import java.util.stream.Collectors;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

/** The scenarios, by the name the command line uses. */
enum ScenarioKind {

    REST_VALIDATE("rest-validate", "GET /v1/auth/validate, REST/JSON through the gateway (:8000)") {
        @Override
        Scenario open(Connections connections, Endpoints endpoints, Load load, Account account, String token) {
            return new RestScenario(connections, endpoints.gateway(), load.timeout(),
                                    RequestHeaders.builder(HttpMethod.GET, "/v1/auth/validate")
                                                  .set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token)
                                                  .build(),
                                    HttpData.empty());
        }
    },
    GATEWAY_GRPC_VALIDATE("gateway-grpc-validate",
                          "AuthService/ValidateToken, gRPC through the gateway (:8000)") {
        @Override
        Scenario open(Connections connections, Endpoints endpoints, Load load, Account account, String token) {
            return new GrpcValidateScenario(connections, endpoints.gateway(), load.timeout(), token);
        }
    },
    GRPC_VALIDATE("grpc-validate", "AuthService/ValidateToken, gRPC straight to auth (:8001)") {
        @Override
        Scenario open(Connections connections, Endpoints endpoints, Load load, Account account, String token) {
            return new GrpcValidateScenario(connections, endpoints.auth(), load.timeout(), token);
        }
    },
    LOGIN("login", "POST /v1/auth/login, REST/JSON through the gateway (Argon2id)") {
        @Override
        Scenario open(Connections connections, Endpoints endpoints, Load load, Account account, String token) {
            return new RestScenario(connections, endpoints.gateway(), load.timeout(),
                                    RequestHeaders.builder(HttpMethod.POST, "/v1/auth/login")
                                                  .contentType(MediaType.JSON_UTF_8)
                                                  .build(),
                                    HttpData.ofUtf8(account.loginBody()));
        }
    };

    private final String id;
    private final String description;

    ScenarioKind(String id, String description) {
        this.id = id;
        this.description = description;
    }

    String id() {
        return id;
    }

    String description() {
        return description;
    }

    abstract Scenario open(Connections connections, Endpoints endpoints, Load load, Account account, String token);

    static ScenarioKind of(String id) {
        return Arrays.stream(values())
                     .filter(kind -> kind.id.equals(id))
                     .findFirst()
                     .orElseThrow(() -> new IllegalArgumentException(
                             "no scenario '" + id + "'; the scenarios are " + Arrays.stream(values())
                                     .map(ScenarioKind::id).collect(Collectors.joining(", "))));
    }
}
