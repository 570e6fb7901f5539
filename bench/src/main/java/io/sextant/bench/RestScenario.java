package io.sextant.bench;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.RequestHeaders;

/**
 * A REST request to the gateway, the same one every time (only the connection changes); 200 is success,
 * and a 503 says whether it carried Retry-After (a refusal the client can act on).
 */
final class RestScenario implements Scenario {

    private final RoundRobin<WebClient> clients;
    private final RequestHeaders headers;
    private final HttpData body;

    RestScenario(Connections connections, URI gateway, Duration timeout, RequestHeaders headers, HttpData body) {
        this.clients = new RoundRobin<>(connections.factories().stream()
                .map(factory -> WebClient.builder(gateway)
                                         .factory(factory)
                                         .responseTimeout(timeout)
                                         .maxResponseLength(1024 * 1024)
                                         .build())
                .toList());
        this.headers = headers;
        this.body = body;
    }

    @Override
    public CompletableFuture<Outcome> send() {
        return clients.next()
                      .execute(HttpRequest.of(headers, body))
                      .aggregate()
                      .handle((response, failure) -> failure != null ? Outcome.failure(failure)
                                                                     : Outcome.http(response.headers()));
    }
}
