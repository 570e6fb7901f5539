package io.sextant.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ReportTest {

    private static final Criteria CRITERIA = new Criteria(20, 0.001, 0.95);
    private static final RateLadder LADDER = new RateLadder(5_000, 1.5, 40_000);
    private static final Load LOAD = new Load(10_000, Duration.ofSeconds(10), Duration.ofSeconds(30), 16, 2, 10_000,
                                              Duration.ofSeconds(10));

    @Test
    void aRunIsSustainedOnlyWithinEveryCriterion() {
        assertThat(CRITERIA.failure(result(10_000, 300_000, Map.of(), 5))).isEmpty();
        assertThat(CRITERIA.failure(result(10_000, 300_000, Map.of(), 25))).get().asString().startsWith("p99 25.0 ms");
        assertThat(CRITERIA.failure(result(10_000, 299_000, Map.of("timeout", 1000L), 5))).get().asString()
                .startsWith("errors 0.333%");
        // answered without errors, but far fewer than offered: the run did not keep up
        assertThat(CRITERIA.failure(result(10_000, 200_000, Map.of(), 5))).get().asString()
                .startsWith("achieved 6,667/s < 95%");
    }

    @Test
    void theHighestSustainedRateIsTheLastStepBeforeTheFirstFailure() {
        final MaxSearch search = new MaxSearch(ScenarioKind.REST_VALIDATE, LOAD, new RateLadder(5_000, 1.5, 40_000), CRITERIA, List.of(
                new MaxSearch.Step(result(5_000, 150_000, Map.of(), 2), null),
                new MaxSearch.Step(result(7_500, 225_000, Map.of(), 3), null),
                new MaxSearch.Step(result(10_000, 300_000, Map.of(), 30), "p99 30.0 ms > 20.0 ms")));

        assertThat(search.highestSustained()).get().extracting(RunResult::targetRate).isEqualTo(7_500.0);
        assertThat(search.reachedTheEnd()).isFalse();
        assertThat(search.options()).contains("--rate 5000", "--factor 1.5", "--until 40000", "--p99-limit 20ms");
    }

    @Test
    void theMarkdownShowsTheMachineTheCommandsTheFiguresAndTheTargets() {
        final Report report = new Report(
                new Machine(2, "AMD EPYC", "23.5 GiB", "Debian", "OpenJDK 17"), Instant.parse("2026-11-24T06:00:00Z"),
                BenchMain.MESH_COMMAND, "java -jar bench.jar report", "bench.jar",
                List.of(new Report.Fixed(ScenarioKind.REST_VALIDATE, LOAD,
                                         result(10_000, 299_990, Map.of("http 503", 10L), 4)),
                        new Report.Fixed(ScenarioKind.GRPC_VALIDATE, LOAD, result(10_000, 300_000, Map.of(), 2))),
                List.of(new MaxSearch(ScenarioKind.REST_VALIDATE, LOAD, LADDER, CRITERIA, List.of(
                        new MaxSearch.Step(result(5_000, 150_000, Map.of(), 2), null),
                        new MaxSearch.Step(result(7_500, 100_000, Map.of(), 2), "achieved"))),
                        new MaxSearch(ScenarioKind.GRPC_VALIDATE, LOAD, LADDER, CRITERIA, List.of(
                        new MaxSearch.Step(result(5_000, 150_000, Map.of(), 1), null),
                        new MaxSearch.Step(result(7_500, 225_000, Map.of(), 1), null),
                        new MaxSearch.Step(result(10_000, 100_000, Map.of(), 1), "achieved")))));

        final String markdown = report.markdown();

        assertThat(markdown).contains("| 2 | AMD EPYC | 23.5 GiB | Debian | OpenJDK 17 |",
                                      "RATE_LIMIT_USER=off RATE_LIMIT_AUTH=off ./sextant up",
                                      "java -jar bench.jar rest-validate --rate 10000 --warmup 10s --duration 30s",
                                      "java -jar bench.jar max grpc-validate --rate 5000",
                                      "| rest-validate | 10000 | 10,000 | 4.00 | 4.00 | 4.00 | 4.00 | 4.00 | 10 (http 503: 10) |",
                                      "| 0.50 | 1.20 | 120 | 90% |",
                                      "REST/gRPC = 2.00",
                                      "REST via gateway 5000/s, gRPC direct 7500/s (REST/gRPC = 0.67)",
                                      "| gateway sustains >= 20,000 REST req/s | 5000/s | no |",
                                      "| p99 < 10.0 ms at 10,000 REST req/s | p99 4.00 ms, 10 errors | no |");
    }

    @Test
    void theRateLadderGrowsGeometricallyInRoundNumbersUpToItsEnd() {
        assertThat(new RateLadder(500, 1.5, 40_000).rates()).containsExactly(
                500.0, 750.0, 1100.0, 1700.0, 2600.0, 3900.0, 5900.0, 8900.0, 13_000.0, 20_000.0, 30_000.0);
        // at low rates the rounding would stall the ladder: it still climbs
        assertThat(new RateLadder(1, 1.1, 4).rates()).containsExactly(1.0, 2.0, 3.0, 4.0);
        assertThatThrownBy(() -> new RateLadder(500, 1, 1000)).isInstanceOf(IllegalArgumentException.class)
                                                              .hasMessageContaining("factor");
    }

    @Test
    void aNewRunReplacesOnlyTheGeneratedPartOfTheFile() {
        final String first = ReportFile.update("", "figures 1");
        final String edited = "# Title\n\nanalysis before\n\n" + first.substring(first.indexOf(ReportFile.BEGIN))
                              + "\nanalysis after\n";

        final String second = ReportFile.update(edited, "figures 2\n");

        assertThat(first).startsWith("# Sextant benchmark report").contains(ReportFile.BEGIN + "\nfigures 1\n" + ReportFile.END);
        assertThat(second).isEqualTo("# Title\n\nanalysis before\n\n" + ReportFile.BEGIN + "\nfigures 2\n"
                                     + ReportFile.END + "\n\nanalysis after\n");
    }

    @Test
    void durationsAreReadAsPeopleTypeThemAndAnythingElseIsRefused() {
        assertThat(Format.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Format.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Format.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Format.duration(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(Format.duration(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThatThrownBy(() -> Format.parseDuration("30")).isInstanceOf(IllegalArgumentException.class)
                                                           .hasMessageContaining("'30'");
    }

    @Test
    void theCommandLineRefusesBadOptionsBeforeTouchingTheNetwork() {
        assertThat(BenchMain.commandLine().execute("rest-validate", "--duration", "30x")).isEqualTo(2);
        assertThat(BenchMain.commandLine().execute("rest-validate", "--warmup", "10m", "--duration", "10m"))
                .isEqualTo(2);
        assertThat(BenchMain.commandLine().execute("max", "no-such-scenario")).isEqualTo(2);
        assertThat(BenchMain.commandLine().execute("rest-validate", "--gateway", "ftp://x")).isEqualTo(2);
    }

    /** A result whose every latency is {@code millis}. */
    private static RunResult result(double rate, long successes, Map<String, Long> errors, long millis) {
        final Histogram latencies = new Histogram(Measurement.HIGHEST_NANOS, 3);
        latencies.recordValueWithCount(millis * 1_000_000, Math.max(1, successes));
        return new RunResult("test", rate, Duration.ofSeconds(30), successes + errors.values().stream()
                .mapToLong(Long::longValue).sum(), successes, errors, latencies, 0.1, "1.00",
                             new CpuMeter.CpuUse(0.5, 1.2, 0.9));
    }
}
