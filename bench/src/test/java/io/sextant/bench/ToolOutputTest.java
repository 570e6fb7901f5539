package io.sextant.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The parsers of wrk's, h2load's and bash's output, against outputs these tools printed on the project's machine. */
class ToolOutputTest {

    @Test
    void wrkFiguresAreReadWithTheirUnits() {
        final Wrk.Result result = Wrk.parse(sample("wrk-ok.txt"));

        assertThat(result.requests()).isEqualTo(53773);
        assertThat(result.seconds()).isCloseTo(2.03, within(1e-9));
        assertThat(result.requestsPerSecond()).isCloseTo(26449.74, within(1e-9));
        assertThat(result.p50Millis()).isCloseTo(0.171, within(1e-9));   // 171.00us
        assertThat(result.p90Millis()).isCloseTo(4.47, within(1e-9));
        assertThat(result.p99Millis()).isCloseTo(20.48, within(1e-9));
        assertThat(result.errors()).isZero();
    }

    @Test
    void wrkErrorsAreNon2xxAnswersAndSocketErrors() {
        final Wrk.Result refused = Wrk.parse(sample("wrk-non2xx.txt"));
        final Wrk.Result timedOut = Wrk.parse(sample("wrk-timeouts.txt"));

        assertThat(refused.non2xx()).isEqualTo(18036);
        assertThat(refused.errors()).isEqualTo(18036);
        assertThat(timedOut.socketErrors()).isEqualTo(2);
        assertThat(timedOut.requestsPerSecond()).isCloseTo(0.66, within(1e-9));
        assertThatThrownBy(() -> Wrk.parse("unable to connect to 127.0.0.1:1 Connection refused"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not the output of wrk");
    }

    @Test
    void bodiesAScriptFoundWrongAreErrors() {
        final Wrk.Result result = Wrk.parse(sample("wrk-ok.txt") + "bodies checked: 538, without the user: 2\n");

        assertThat(result.wrongBodies()).isEqualTo(2);
        assertThat(result.errors()).isEqualTo(2);
    }

    @Test
    void wrkCommandsCarryHeadersScriptAndScriptArguments() {
        assertThat(Wrk.command(2, 32, Duration.ofSeconds(20), Duration.ofMillis(1500), List.of("authorization: Bearer t"),
                               "post.lua", "http://h:1/p", List.of("application/json", "{}")))
                .containsExactly("wrk", "-t2", "-c32", "-d20s", "--timeout", "1500ms", "--latency",
                                 "-H", "authorization: Bearer t", "-s", "post.lua", "http://h:1/p",
                                 "--", "application/json", "{}");
    }

    @Test
    void h2loadCountsAreReadAndItsFailuresKept() {
        final H2load.Result ok = H2load.parse(sample("h2load-ok.txt"));
        final H2load.Result failed = H2load.parse(sample("h2load-failed.txt"));

        assertThat(ok.requestsPerSecond()).isCloseTo(13727.00, within(1e-9));
        assertThat(ok.done()).isEqualTo(27454);
        assertThat(ok.succeeded()).isEqualTo(27454);
        assertThat(ok.failed()).isZero();
        assertThat(failed.failed()).isEqualTo(16000);
        assertThat(failed.status2xx()).isEqualTo(4000);
        assertThatThrownBy(() -> H2load.parse("connect to 127.0.0.1:1 failed")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void h2loadPercentilesComeFromTheMeasuredEndOfItsLog() {
        final List<String> log = sample("h2load-log.tsv").lines().toList();
        final long first = Long.parseLong(log.get(0).split("\t")[0]);
        // the same log with the first half moved a whole second earlier: that half is the warm-up
        final List<String> shifted = new java.util.ArrayList<>();
        for (int i = 0; i < log.size(); i++) {
            final String[] fields = log.get(i).split("\t");
            final long start = i < 100 ? first - 1_000_000 : Long.parseLong(fields[0]);
            shifted.add(start + "\t" + fields[1] + "\t" + (i < 100 ? "999999" : fields[2]));
        }

        final H2load.Latencies all = H2load.latencies(log, Duration.ofSeconds(1));
        final H2load.Latencies measured = H2load.latencies(shifted, Duration.ofMillis(500));

        assertThat(all.count()).isEqualTo(200);
        assertThat(all.p50Millis()).isPositive().isLessThanOrEqualTo(all.p99Millis());
        assertThat(measured.count()).isEqualTo(100);
        // the warm-up's slow entries (about 1 s) are not in the measured part
        assertThat(measured.p99Millis()).isLessThan(500);
    }

    @Test
    void theGeneratorsCpuComesFromBashTimes() {
        assertThat(ToolRun.childCpuSeconds(sample("bash-times.txt"))).isCloseTo(0.184 + 0.563, within(1e-9));
        assertThat(ToolRun.childCpuSeconds("1m2.500s 0m0.500s")).isCloseTo(63.0, within(1e-9));
        assertThat(ToolRun.childCpuSeconds("wrk: something went wrong")).isEqualTo(-1);
    }

    @Test
    void aToolsCpuAndExitStatusAreReported() {
        final ToolRun run = ToolRun.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(30));

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.stdout()).isEqualTo("out\n");
        assertThat(run.stderr()).startsWith("err\n");
        assertThat(run.cpuSeconds()).isNotNegative();
        assertThatThrownBy(run::requireSuccess).hasMessageContaining("exited with 3").hasMessageContaining("err");
    }

    @Test
    void secretsAreShownAsVariablesAndArgumentsQuotedForTheShell() {
        final Secrets secrets = new Secrets();
        secrets.name("eyJ.secret", "TOKEN");
        secrets.alias("/tmp/run-1/", "");

        assertThat(secrets.shell(List.of("wrk", "-H", "authorization: Bearer eyJ.secret", "-s", "/tmp/run-1/post.lua", "--",
                                         "{\"a\":1}", "http://h:1/p")))
                .isEqualTo("wrk -H \"authorization: Bearer $TOKEN\" -s post.lua -- '{\"a\":1}' http://h:1/p");
    }

    static String sample(String name) {
        try (InputStream in = ToolOutputTest.class.getResourceAsStream("/samples/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
