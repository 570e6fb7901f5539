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
    void eachTargetStandsNextToItsPeerWithItsVerdict() {
        final Findings findings = findings();

        final Map<String, String> verdicts = new Report(MACHINE, findings, "bench/run").verdicts();

        assertThat(verdicts.values()).containsExactly(
                Report.MISSED,                  // 12,000 < 20,000 req/s
                Report.MET,                     // p99 4 ms at 10,000/s
                Report.MET,                     // gRPC 7,000 vs nginx 10,000: 70 %
                Report.MET,                     // auth/me 9,000 vs userinfo 4,000
                Report.MISSED + " (errors)",    // users/me had errors
                Report.MISSED,                  // login 40 vs 50
                Report.NOT_MEASURED,            // refresh not run
                Report.MET,                     // overload served 2,500 of 3,000 with p99 3 ms
                Report.MISSED,                  // 10 timeouts
                Report.NOT_MEASURED,            // the gateway exports no breaker metrics
                Report.MET,                     // recovered at once
                Report.NOT_MEASURED,            // no cold start
                Report.MET);                    // 500 MiB
    }

    @Test
    void theMarkdownShowsTheMachineTheFiguresTheOverloadTableAndTheCommands() {
        final String markdown = new Report(MACHINE, findings(), "bench/run --duration 20s").markdown();

        assertThat(markdown).contains("in 12 min 03 s by one command:\n\n```sh\nbench/run --duration 20s\n```",
                                      "| 2 | AMD EPYC | 23.5 GiB | Debian | OpenJDK 17 |",
                                      "wrk (wrk 4.1.0)",
                                      "| REST `GET /v1/auth/validate` through the gateway, JWT checked (wrk) | 12,000 req/s "
                                      + "| nginx hop: 50,000 req/s | 0.24× | ≥ 20,000 req/s | **missed** |",
                                      "| 70 % | ≥ 60 % of nginx | met |",
                                      "hashing: Sextant argon2id m=19456 KiB t=2 p=1, Keycloak argon2 m=7168 KiB t=5 p=1",
                                      "| users-me | Sextant gateway | 9,000 | 1.00 | 9.00 | 180000 | 3 (3 non-2xx) | 80 | 5 |",
                                      "| overload | overload (2×) | 6000 | 2,500 | 3500 | 3500 | 1.00 | 10 | 0 | 1.00 | 3.00 | n/a |  |",
                                      "| overload | after | 3000 | 3,000 | 0 | 0 | — | 0 | 0 | 1.00 | 3.00 | n/a | 0.0 s |",
                                      "VmRSS **500 MiB**",
                                      "wrk -t2 -c32 -d20s --timeout 10s --latency -H \"authorization: Bearer $TOKEN\"",
                                      "## What could not be measured\n\n- refresh: Keycloak did not start");
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
        assertThat(BenchMain.commandLine().execute("report", "--only", "validate,nope")).isEqualTo(2);
    }

    private static final Machine MACHINE = new Machine(2, "AMD EPYC", "23.5 GiB", "Debian", "OpenJDK 17");

    private static Findings findings() {
        final Findings findings = new Findings();
        findings.started = Instant.parse("2026-12-01T06:00:00Z");
        findings.took = Duration.ofSeconds(723);
        findings.meshCommand = "SEXTANT_PORT=20000 ... java -XX:+UseSerialGC -jar local/target/sextant-local-*-all.jar";
        findings.jvmFlags = List.of("-XX:+UseSerialGC");
        findings.versions.put("wrk", "wrk 4.1.0");
        final Secrets secrets = new Secrets();
        secrets.name("eyJ", "TOKEN");
        final String wrk = secrets.shell(List.of("wrk", "-t2", "-c32", "-d20s", "--timeout", "10s", "--latency", "-H",
                                                 "authorization: Bearer eyJ", "http://127.0.0.1:20000/v1/auth/validate"));
        findings.rows.put("validate", row("validate", 12_000, 0, wrk));
        findings.rows.put("nginx-rest", row("nginx-rest", 50_000, 0, "wrk"));
        findings.rows.put("grpc-gateway", row("grpc-gateway", 7_000, 0, "h2load"));
        findings.rows.put("grpc-nginx", row("grpc-nginx", 10_000, 0, "h2load"));
        findings.rows.put("auth-me", row("auth-me", 9_000, 0, "wrk"));
        findings.rows.put("users-me", row("users-me", 9_000, 3, "wrk"));
        findings.rows.put("keycloak-userinfo", row("keycloak-userinfo", 4_000, 0, "wrk"));
        findings.rows.put("login", row("login", 40, 0, "wrk"));
        findings.rows.put("keycloak-password", row("keycloak-password", 50, 0, "wrk"));
        findings.openLoopP99 = result(10_000, 200_000, Map.of(), 4);
        findings.sextantHashing = "argon2id m=19456 KiB t=2 p=1";
        findings.keycloakHashing = "argon2 m=7168 KiB t=5 p=1";
        findings.capacity = 3_000;
        findings.capacityFound = true;
        final List<PhasedRun.Phase> phases = List.of(new PhasedRun.Phase("before", 3000, Duration.ofSeconds(10)),
                                                     new PhasedRun.Phase("overload (2×)", 6000, Duration.ofSeconds(30)),
                                                     new PhasedRun.Phase("after", 3000, Duration.ofSeconds(10)));
        final PhasedRun.Result overload = new PhasedRun.Result(
                List.of(phase(phases.get(0), 30_000, 0, 0), phase(phases.get(1), 75_000, 3_500, 10),
                        phase(phases.get(2), 30_000, 0, 0)),
                java.util.Collections.nCopies(500, new PhasedRun.Window(300, 3, 0)));
        findings.overload = new Findings.Phased("the overload section", overload, Findings.Breakers.ABSENT,
                                                List.of(Findings.Breakers.ABSENT, Findings.Breakers.ABSENT,
                                                        Findings.Breakers.ABSENT), 3);
        findings.memory = java.util.Optional.of(new ProcessStats.Memory(500, 550));
        findings.problems.add("refresh: Keycloak did not start");
        return findings;
    }

    private static Throughput row(String name, double rate, long errors, String command) {
        return new Throughput(name, "Sextant gateway", command, rate, 1, 9, (long) (rate * 20), errors,
                              errors > 0 ? errors + " non-2xx" : "", 80, 5);
    }

    /** A phase whose served answers took 1 ms (p50) to 3 ms (p99), and whose refusals took 1 ms. */
    private static PhasedRun.PhaseResult phase(PhasedRun.Phase phase, long served, long refused, long timeouts) {
        final Histogram servedMicros = new Histogram(3);
        servedMicros.recordValueWithCount(1000, served * 98 / 100);
        servedMicros.recordValueWithCount(3000, served - served * 98 / 100);
        final Histogram refusedMicros = new Histogram(3);
        if (refused > 0) {
            refusedMicros.recordValueWithCount(1000, refused);
        }
        return new PhasedRun.PhaseResult(phase, served + refused + timeouts, served, refused, 0, timeouts, Map.of(),
                                         servedMicros, refusedMicros);
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
