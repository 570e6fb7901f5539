package io.sextant.bench;

import java.time.temporal.ChronoUnit;

/**
 * The storage part of REPORT.md (its own markers): issue 12's targets next to the raw disk measured
 * in the same run, and the commands.
 */
record StorageReport(Machine machine, Findings findings, String reportCommand) {

    String markdown() {
        final StringBuilder out = new StringBuilder();
        out.append("Measured ").append(findings.started.truncatedTo(ChronoUnit.SECONDS)).append(" by one command:\n\n```sh\n")
           .append(reportCommand).append("\n```\n\n")
           .append("Machine: ").append(machine.cores()).append(" cores (").append(machine.cpu()).append("), ")
           .append(machine.java()).append("; 1-minute load average ").append(findings.loadAtStart).append(" at the start, ")
           .append(findings.loadAtEnd).append(" at the end. The mesh, its PostgreSQL and the generator share these cores; ")
           .append("the files go to the mesh's data directory, on the same disk as the raw reference.\n\n")
           .append("## Storage: files through the gateway against the raw disk\n\n");
        final StorageBench.Result result = findings.storage;
        if (result == null) {
            out.append("Not measured").append(findings.problems.stream().filter(p -> p.startsWith("storage"))
                                                              .map(p -> ": " + p).findFirst().orElse(""))
               .append(".\n");
            return out.toString();
        }
        final String size = Format.mebibytes(result.largeBytes() / (1024.0 * 1024.0));
        out.append("| figure | Sextant | reference (same run) | ratio | target | met |\n|---|---|---|---|---|---|\n");
        row(out, "upload of " + size + " (`POST /v1/files`, raw body)", result.upload(), "`dd` write, `conv=fsync`",
            result.rawWrite(), result.uploadShare(), StorageBench.TARGET_UPLOAD_SHARE);
        row(out, "download of " + size + " (`GET /v1/files/{id}/content`)", result.download(), "`dd` read, `iflag=direct` (the disk)",
            result.rawRead(), result.downloadShare(), StorageBench.TARGET_DOWNLOAD_SHARE);
        final Wrk.Result small = result.small();
        final double goodPerSecond = small.requests() > 0
                ? small.requestsPerSecond() * (small.requests() - small.errors()) / small.requests() : 0;
        out.append("| ").append(StorageBench.SMALL_BYTES / 1024).append(" KiB uploads, wrk ")
           .append(StorageBench.SMALL_CONNECTIONS).append(" connections | ").append(Format.perSecond(goodPerSecond))
           .append("/s, p50 ").append(Format.millis(small.p50Millis())).append(" ms, p99 ").append(Format.millis(small.p99Millis())).append(" ms")
           .append(small.errors() > 0 ? ", " + small.errors() + " errors" : "")
           .append(" | | | ").append(Format.perSecond(StorageBench.TARGET_SMALL_PER_SECOND)).append("/s | ")
           .append(goodPerSecond >= StorageBench.TARGET_SMALL_PER_SECOND ? "yes" : "**no**").append(" |\n\n");
        out.append("The same file read by `dd` from the page cache: ").append(mibs(result.cachedRead()))
           .append(" (the download reads from it too; what the disk gives is the reference).\n\n")
           .append("References: `").append(String.join(" ", result.rawWriteCommand())).append("`, then `")
           .append(String.join(" ", result.rawReadCommand())).append("`. Upload: `")
           .append(String.join(" ", result.uploadCommand())).append("`. Download: `")
           .append(String.join(" ", result.downloadCommand())).append("`. Small uploads: `")
           .append(String.join(" ", result.smallCommand())).append("`.\n");
        return out.toString();
    }

    private static void row(StringBuilder out, String figure, StorageBench.Transfer sextant, String reference,
                            StorageBench.Transfer raw, double ratio, double target) {
        out.append("| ").append(figure).append(" | ").append(mibs(sextant)).append(" | ").append(reference).append(": ")
           .append(mibs(raw)).append(" | ").append(Format.percent(ratio)).append(" | ≥ ").append(Format.percent(target))
           .append(" | ").append(ratio >= target ? "yes" : "**no**").append(" |\n");
    }

    private static String mibs(StorageBench.Transfer transfer) {
        return String.format(java.util.Locale.ROOT, "%.0f MiB/s (%.1f s)", transfer.mibPerSecond(), transfer.seconds());
    }
}
