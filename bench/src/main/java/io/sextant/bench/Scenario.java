package io.sextant.bench;

import java.util.concurrent.CompletableFuture;

/** One kind of request the load generator sends, ready to send (connections open, token at hand). */
interface Scenario {

    /** Sends one request; the future completes with its outcome and must not block the caller. */
    CompletableFuture<Outcome> send();
}
