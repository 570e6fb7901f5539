package io.sextant.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class StorageBenchTest {

    @Test
    void theGeneratedBodyHasExactlyItsSizeWhicheverWayItIsRead() throws Exception {
        final long size = 3L * 1024 * 1024 + 12_345;
        final byte[] bulk = StorageBench.generated(size).readAllBytes();
        assertThat(bulk).hasSize((int) size);
        final ByteArrayOutputStream single = new ByteArrayOutputStream();
        try (InputStream in = StorageBench.generated(size)) {
            for (int b; (b = in.read()) >= 0; ) {
                single.write(b);
            }
        }
        assertThat(sha256(single.toByteArray())).isEqualTo(sha256(bulk));
        // not all one byte: a file of zeros could be special-cased somewhere on its way
        assertThat(bulk[0] != bulk[1] || bulk[1] != bulk[2]).isTrue();
    }

    @Test
    void theReportComparesEachFigureWithTheRawDiskOfTheSameRunAndSaysWhichTargetsAreMet() {
        final Findings findings = new Findings();
        findings.started = Instant.parse("2026-12-02T12:00:00Z");
        final long gib = 1L << 30;
        findings.storage = new StorageBench.Result(
                gib, new StorageBench.Transfer(gib, 2.0), new StorageBench.Transfer(gib, 0.5),
                new StorageBench.Transfer(gib, 4.0), new StorageBench.Transfer(gib, 0.6),
                new Wrk.Result(30_000, 20, 1_500, 8, 12, 30, 0, 0, 0),
                List.of("dd", "if=/dev/zero", "of=raw", "bs=1M", "count=1024", "conv=fsync"),
                List.of("dd", "if=raw", "of=/dev/null", "bs=1M"), List.of("wrk", "-t2", "url", "--", "type", "16384"));
        final String markdown = new StorageReport(Machine.current(), findings, "bench/run --only storage").markdown();
        // upload 256 MiB/s against dd's 512: 50 %, under 60 %; download 1707 against 2048: 83 %, over 80 %
        assertThat(markdown).contains("| 256 MiB/s (4.0 s) | `dd` write, `conv=fsync`: 512 MiB/s (2.0 s) | 50")
                            .contains("| 1707 MiB/s (0.6 s) | `dd` read, page cache: 2048 MiB/s (0.5 s) | 83");
        assertThat(markdown.lines().filter(l -> l.startsWith("| upload")).findFirst().orElseThrow()).endsWith("| **no** |");
        assertThat(markdown.lines().filter(l -> l.startsWith("| download")).findFirst().orElseThrow()).endsWith("| yes |");
        assertThat(markdown.lines().filter(l -> l.startsWith("| 16 KiB")).findFirst().orElseThrow())
                .contains("p50 8", "p99 30").endsWith("| yes |");
        assertThat(markdown).contains("`wrk -t2 url -- type 16384`");
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
