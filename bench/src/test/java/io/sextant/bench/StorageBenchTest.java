package io.sextant.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class StorageBenchTest {

    @Test
    void theReportComparesEachFigureWithTheRawDiskOfTheSameRunAndSaysWhichTargetsAreMet() {
        final Findings findings = new Findings();
        findings.started = Instant.parse("2026-12-02T12:00:00Z");
        final long gib = 1L << 30;
        findings.storage = new StorageBench.Result(
                gib, new StorageBench.Transfer(gib, 2.0), new StorageBench.Transfer(gib, 0.5),
                new StorageBench.Transfer(gib, 0.125), new StorageBench.Transfer(gib, 4.0),
                new StorageBench.Transfer(gib, 0.6), new Wrk.Result(30_000, 20, 1_500, 8, 12, 30, 0, 0, 0),
                List.of("dd", "if=/dev/zero", "of=raw", "bs=1M", "count=1024", "conv=fsync"),
                List.of("dd", "if=raw", "of=/dev/null", "bs=1M", "iflag=direct"),
                List.of("curl", "-T", "source", "url"), List.of("curl", "-o", "/dev/null", "url"),
                List.of("wrk", "-t2", "url", "--", "type", "16384"));
        final String markdown = new StorageReport(Machine.current(), findings, "bench/run --only storage").markdown();
        // upload 256 MiB/s against dd's 512: 50 %, under 60 %; download 1707 against 2048: 83 %, over 80 %
        assertThat(markdown).contains("| 256 MiB/s (4.0 s) | `dd` write, `conv=fsync`: 512 MiB/s (2.0 s) | 50")
                            .contains("| 1707 MiB/s (0.6 s) | `dd` read, `iflag=direct` (the disk): 2048 MiB/s (0.5 s) | 83")
                            .contains("from the page cache: 8192 MiB/s (0.1 s)");
        assertThat(markdown.lines().filter(l -> l.startsWith("| upload")).findFirst().orElseThrow()).endsWith("| **no** |");
        assertThat(markdown.lines().filter(l -> l.startsWith("| download")).findFirst().orElseThrow()).endsWith("| yes |");
        assertThat(markdown.lines().filter(l -> l.startsWith("| 16 KiB")).findFirst().orElseThrow())
                .contains("p50 8", "p99 30").endsWith("| yes |");
        assertThat(markdown).contains("`wrk -t2 url -- type 16384`", "Upload: `curl -T source url`",
                                      "Download: `curl -o /dev/null url`");
    }
}
