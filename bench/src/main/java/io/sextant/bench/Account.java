package io.sextant.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.MediaType;

/**
 * The user the benchmark acts as: registered for the run through the gateway under a random name,
 * so that runs never share state. Access tokens live 15 minutes, so every run logs in afresh.
 */
final class Account {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebClient gateway;
    private final String username;
    private final String password;

    private Account(WebClient gateway, String username, String password) {
        this.gateway = gateway;
        this.username = username;
        this.password = password;
    }

    static Account register(URI gateway) {
        final String id = HexFormat.of().formatHex(new SecureRandom().generateSeed(6));
        final Account account = new Account(WebClient.builder(gateway).responseTimeout(Duration.ofSeconds(30)).build(),
                                            "bench-" + id, "bench-" + HexFormat.of().formatHex(
                                                    new SecureRandom().generateSeed(12)));
        account.post("/v1/auth/register", Map.of("username", account.username,
                                                 "email", account.username + "@bench.example.com",
                                                 "password", account.password));
        return account;
    }

    /** An account that exists already (the mesh's bootstrap administrator, say). */
    static Account existing(URI gateway, String username, String password) {
        return new Account(WebClient.builder(gateway).responseTimeout(Duration.ofSeconds(30)).build(), username, password);
    }

    String username() {
        return username;
    }

    String password() {
        return password;
    }

    /** The JSON body of a login, for the login scenario. */
    String loginBody() {
        return json(Map.of("username", username, "password", password));
    }

    /** Logs in and returns a fresh access token. */
    String login() {
        return tokens().accessToken();
    }

    /** An access token and the refresh token of a new session. */
    record Tokens(String accessToken, String refreshToken) {}

    /** Logs in (a new session) and returns both tokens. */
    Tokens tokens() {
        final JsonNode token = post("/v1/auth/login", Map.of("username", username, "password", password));
        final String access = token.path("accessToken").asText("");
        final String refresh = token.path("refreshToken").asText("");
        if (access.isEmpty() || refresh.isEmpty()) {
            throw new IllegalStateException("the login answer holds no accessToken or refreshToken: " + token);
        }
        return new Tokens(access, refresh);
    }

    /**
     * Attempts per call, 1 to 8 s apart: the mesh may still be digesting the previous section's
     * overload, or its breaker may be open for a few seconds.
     */
    private static final int ATTEMPTS = 5;

    private JsonNode post(String path, Map<String, String> body) {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            if (attempt > 1) {
                Mesh.sleep(Duration.ofSeconds(1L << (attempt - 2)));
            }
            final AggregatedHttpResponse response;
            try {
                response = gateway.blocking().prepare().post(path).content(MediaType.JSON_UTF_8, json(body)).execute();
            } catch (RuntimeException e) {
                last = e;
                continue;
            }
            final int status = response.status().code();
            if (status == 200) {
                try {
                    return JSON.readTree(response.contentUtf8());
                } catch (IOException e) {
                    throw new UncheckedIOException("POST " + path + " answered something that is not JSON", e);
                }
            }
            last = new IllegalStateException("POST " + path + " as " + username + " answered " + response.status()
                                             + ": " + response.contentUtf8());
            if (status != 429 && status != 503) {
                break;
            }
        }
        throw last;
    }

    private static String json(Map<String, String> body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
