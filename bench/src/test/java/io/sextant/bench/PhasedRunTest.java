package io.sextant.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;

/** The overload scenario's run: phases back to back, refusals told apart, recovery read from windows. */
class PhasedRunTest {

    private static final List<PhasedRun.Phase> PHASES = List.of(new PhasedRun.Phase("before", 1000, Duration.ofMillis(200)),
                                                                new PhasedRun.Phase("overload", 2000, Duration.ofMillis(200)),
                                                                new PhasedRun.Phase("after", 1000, Duration.ofMillis(300)));

    private Server server;
    private Connections connections;

    @AfterEach
    void stop() {
        if (connections != null) {
            connections.close();
        }
        if (server != null) {
            server.stop().join();
        }
    }

    @Test
    void eachPhaseCountsItsOwnRequestsAndTheServersRefusalsByKind() throws InterruptedException {
        // the server refuses the 201st to 500th request it sees: with and without Retry-After in turn
        final AtomicInteger seen = new AtomicInteger();
        server = Server.builder().http(0).gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
                       .service("/v1/auth/validate", (ctx, req) -> {
                           final int n = seen.incrementAndGet();
                           if (n > 200 && n <= 500) {
                               return n % 2 == 0
                                      ? HttpResponse.of(ResponseHeaders.builder(HttpStatus.SERVICE_UNAVAILABLE)
                                                                       .set(HttpHeaderNames.RETRY_AFTER, "1").build())
                                      : HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE);
                           }
                           return HttpResponse.of("{}");
                       }).build();
        server.start().join();
        connections = new Connections(1, 1);
        final List<Integer> ended = new ArrayList<>();
        final Scenario validate = new RestScenario(connections, URI.create("http://127.0.0.1:" + server.activeLocalPort()),
                                                   Duration.ofSeconds(30),
                                                   RequestHeaders.of(HttpMethod.GET, "/v1/auth/validate"), HttpData.empty());

        final PhasedRun.Result result = new PhasedRun(PHASES, 10_000, Duration.ofSeconds(30)).run(validate, ended::add);

        assertThat(ended).containsExactly(0, 1, 2);
        assertThat(result.phases()).extracting(PhasedRun.PhaseResult::sent).containsExactly(200L, 400L, 300L);
        final long served = result.phases().stream().mapToLong(PhasedRun.PhaseResult::served).sum();
        final long withRetryAfter = result.phases().stream().mapToLong(PhasedRun.PhaseResult::refusedWithRetryAfter).sum();
        final long without = result.phases().stream().mapToLong(PhasedRun.PhaseResult::refusedWithout).sum();
        assertThat(served).isEqualTo(600);
        assertThat(withRetryAfter).isEqualTo(150);
        assertThat(without).isEqualTo(150);
        assertThat(result.phases()).allSatisfy(p -> assertThat(p.timeouts()).isZero())
                                   .allSatisfy(p -> assertThat(p.otherErrors()).isEmpty());
        // 700 ms of intended send times in 100 ms windows; each window counted its answers
        assertThat(result.windows()).hasSize(7);
        assertThat(result.windows().stream().mapToLong(w -> w.served() + w.failed()).sum()).isEqualTo(900);
        assertThat(result.firstWindowOf(2)).isEqualTo(4);
    }

    @Test
    void aTimedOutRequestIsATimeoutAndAnUnansweredOneNeverBlocksTheSchedule() throws InterruptedException {
        final AtomicInteger seen = new AtomicInteger();
        final Scenario scenario = () -> seen.incrementAndGet() % 10 == 0
                ? CompletableFuture.completedFuture(Outcome.error(Outcome.TIMEOUT))
                : CompletableFuture.completedFuture(Outcome.OK);

        final PhasedRun.Result result = new PhasedRun(List.of(new PhasedRun.Phase("only", 1000, Duration.ofMillis(100))),
                                                      100, Duration.ofSeconds(1)).run(scenario, phase -> { });

        assertThat(result.phases().get(0).served()).isEqualTo(90);
        assertThat(result.phases().get(0).timeouts()).isEqualTo(10);
    }

    @Test
    void recoveryIsWhenEveryLaterWindowIsNormalAgain() {
        final PhasedRun.Window fast = new PhasedRun.Window(100, 2, 0);
        final PhasedRun.Window slow = new PhasedRun.Window(100, 50, 0);
        final PhasedRun.Window failing = new PhasedRun.Window(90, 2, 10);
        final PhasedRun.Window empty = new PhasedRun.Window(0, -1, 0);
        final List<PhasedRun.PhaseResult> none = List.of();

        // windows 3 and 4 are still bad after the overload ended at window 2; from 5 on all is well
        assertThat(new PhasedRun.Result(none, List.of(fast, slow, slow, failing, slow, fast, fast, fast)).recovery(2, 5))
                .contains(Duration.ofMillis(300));
        assertThat(new PhasedRun.Result(none, List.of(fast, fast, fast)).recovery(1, 5)).contains(Duration.ZERO);
        // a good window between bad ones does not count: latency must stay normal
        assertThat(new PhasedRun.Result(none, List.of(slow, fast, slow, fast)).recovery(0, 5)).contains(Duration.ofMillis(300));
        assertThat(new PhasedRun.Result(none, List.of(fast, slow, empty)).recovery(0, 5)).isEmpty();
    }
}
