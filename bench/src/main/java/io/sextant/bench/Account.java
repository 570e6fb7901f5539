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

    String username() {
        return username;
    }

    /** The JSON body of a login, for the login scenario. */
    String loginBody() {
        return json(Map.of("username", username, "password", password));
    }

    /** Logs in and returns a fresh access token. */
    String login() {
        final JsonNode token = post("/v1/auth/login", Map.of("username", username, "password", password));
        final String access = token.path("accessToken").asText("");
        if (access.isEmpty()) {
            throw new IllegalStateException("the login answer holds no accessToken: " + token);
        }
        return access;
    }

    private JsonNode post(String path, Map<String, String> body) {
        final AggregatedHttpResponse response = gateway.blocking().prepare()
                                                      .post(path)
                                                      .content(MediaType.JSON_UTF_8, json(body))
                                                      .execute();
        if (response.status().code() != 200) {
            throw new IllegalStateException("POST " + path + " as " + username + " answered "
                                            + response.status() + ": " + response.contentUtf8());
        }
        try {
            return JSON.readTree(response.contentUtf8());
        } catch (IOException e) {
            throw new UncheckedIOException("POST " + path + " answered something that is not JSON", e);
        }
    }

    private static String json(Map<String, String> body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
