package io.sextant.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Storage's scenarios (issue 12): one large file uploaded and downloaded through the gateway's REST
 * routes with curl (a generator that costs little beside the mesh), beside the raw disk measured in the
 * same run with {@code dd}: written with {@code conv=fsync}, as storage makes an upload durable before it
 * answers, and read with {@code iflag=direct}, the disk itself rather than the page cache (whose read is
 * reported too); then small uploads per second with wrk. One upload and download of the same file first,
 * unmeasured, warm the JIT, as the other sections' warm-up does.
 */
final class StorageBench {

    /** Issue 12's targets: shares of the raw disk, and small uploads per second. */
    static final double TARGET_UPLOAD_SHARE = 0.60;
    static final double TARGET_DOWNLOAD_SHARE = 0.80;
    static final double TARGET_SMALL_PER_SECOND = 1_000;
    static final int SMALL_BYTES = 16 * 1024;
    static final int SMALL_CONNECTIONS = 16;

    private static final Pattern FILE_NAME = Pattern.compile("\"name\"\\s*:\\s*\"(files/[0-9a-f-]{36})\"");
    private static final Duration TRANSFER_LIMIT = Duration.ofMinutes(10);

    /** Bytes moved in a time. */
    record Transfer(long bytes, double seconds) {

        double mibPerSecond() {
            return bytes / (1024.0 * 1024.0) / seconds;
        }
    }

    /** What the scenarios measured, and the commands that reproduce them. */
    record Result(long largeBytes, Transfer rawWrite, Transfer rawRead, Transfer cachedRead, Transfer upload,
                  Transfer download, Wrk.Result small, List<String> rawWriteCommand, List<String> rawReadCommand,
                  List<String> uploadCommand, List<String> downloadCommand, List<String> smallCommand) {

        double uploadShare() {
            return upload.mibPerSecond() / rawWrite.mibPerSecond();
        }

        double downloadShare() {
            return download.mibPerSecond() / rawRead.mibPerSecond();
        }
    }

    private final URI gateway;
    private final String token;
    private final Path work;
    private final PrintStream log;

    StorageBench(URI gateway, String token, Path work, PrintStream log) {
        this.gateway = gateway;
        this.token = token;
        this.work = work;
        this.log = log;
    }

    Result run(long largeBytes, Duration warmup, Duration duration) throws IOException {
        Files.createDirectories(work);
        final Path raw = work.resolve("raw-disk.bin");
        final Path source = work.resolve("upload-source.bin");
        final long mib = largeBytes / (1024 * 1024);
        final long bytes = mib * 1024 * 1024;
        final List<String> write = List.of("dd", "if=/dev/zero", "of=" + raw, "bs=1M", "count=" + mib, "conv=fsync");
        final List<String> read = List.of("dd", "if=" + raw, "of=/dev/null", "bs=1M", "iflag=direct");
        final List<String> cached = List.of("dd", "if=" + raw, "of=/dev/null", "bs=1M");
        final Transfer rawWrite;
        final Transfer rawRead;
        final Transfer cachedRead;
        try {
            log.println("storage: raw disk, " + String.join(" ", write));
            rawWrite = timed(bytes, write);
            log.println("storage: raw disk, " + String.join(" ", read));
            rawRead = timed(bytes, read);
            cachedRead = timed(bytes, cached);
        } finally {
            Files.deleteIfExists(raw);
        }
        try {
            // random bytes: a file of zeros could be special-cased somewhere on its way
            ToolRun.run(List.of("dd", "if=/dev/urandom", "of=" + source, "bs=1M", "count=" + mib), TRANSFER_LIMIT)
                   .requireSuccess();
            log.println("storage: warming up with one upload and download of " + Format.mebibytes(mib));
            final String warm = upload(source, "bench-warm-up.bin");
            download(warm, bytes);
            delete(warm);
            log.println("storage: uploading " + Format.mebibytes(mib) + " through " + gateway);
            final long start = System.nanoTime();
            final String name = upload(source, "bench-large.bin");
            final Transfer upload = new Transfer(bytes, (System.nanoTime() - start) / 1e9);
            log.println("storage: downloading " + name);
            final long downloadStart = System.nanoTime();
            download(name, bytes);
            final Transfer download = new Transfer(bytes, (System.nanoTime() - downloadStart) / 1e9);
            delete(name);
            final List<String> small = smallCommand(duration);
            final List<String> smallWarmup = smallCommand(warmup);
            log.println("storage: small uploads, " + String.join(" ", hidden(small)));
            ToolRun.run(smallWarmup, Duration.ofMinutes(5));
            final Wrk.Result smallResult = Wrk.parse(ToolRun.run(small, duration.plusMinutes(2)).requireSuccess().stdout());
            return new Result(bytes, rawWrite, rawRead, cachedRead, upload, download, smallResult, write, read,
                              hidden(uploadCommand(source, "bench-large.bin")), hidden(downloadCommand("files/$ID")),
                              hidden(small));
        } finally {
            Files.deleteIfExists(source);
        }
    }

    private List<String> hidden(List<String> command) {
        return command.stream().map(a -> a.replace(token, "$TOKEN")).toList();
    }

    private List<String> smallCommand(Duration duration) throws IOException {
        final Path script = work.resolve("upload.lua");
        try (InputStream in = StorageBench.class.getResourceAsStream("/wrk/upload.lua")) {
            Files.write(script, in.readAllBytes());
        }
        return Wrk.command(2, SMALL_CONNECTIONS, duration, Duration.ofSeconds(10),
                           List.of("authorization: Bearer " + token), script.toString(),
                           gateway.resolve("/v1/files?filename=small.bin").toString(),
                           List.of("application/octet-stream", String.valueOf(SMALL_BYTES)));
    }

    private List<String> uploadCommand(Path source, String filename) {
        return List.of("curl", "-sS", "-w", "\\n%{http_code}", "-H", "authorization: Bearer " + token,
                       "-H", "content-type: application/octet-stream", "-X", "POST", "-T", source.toString(),
                       gateway.resolve("/v1/files?filename=" + filename).toString());
    }

    private List<String> downloadCommand(String name) {
        return List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                       "-H", "authorization: Bearer " + token, gateway.resolve("/v1/" + name + "/content").toString());
    }

    /** Uploads the file as a raw body with curl; returns the new file's name. */
    private String upload(Path source, String filename) {
        final ToolRun run = ToolRun.run(uploadCommand(source, filename), TRANSFER_LIMIT).requireSuccess();
        final String out = run.stdout().strip();
        final Matcher name = FILE_NAME.matcher(out);
        if (!out.endsWith("\n200") || !name.find()) {
            throw new IllegalStateException("upload answered " + out);
        }
        return name.group(1);
    }

    /** Downloads {@code name} whole with curl, dropping the bytes; checks that all of them came. */
    private void download(String name, long size) {
        final String out = ToolRun.run(downloadCommand(name), TRANSFER_LIMIT).requireSuccess().stdout().strip();
        if (!out.equals("200 " + size)) {
            throw new IllegalStateException("download of " + name + " answered (status, bytes) " + out + ", not 200 " + size);
        }
    }

    /** Deletes a file of the bench's user, so that the quota does not fill over runs. */
    private void delete(String name) {
        final String out = ToolRun.run(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE",
                                               "-H", "authorization: Bearer " + token,
                                               gateway.resolve("/v1/" + name).toString()), Duration.ofMinutes(1))
                                  .requireSuccess().stdout().strip();
        if (!out.equals("200")) {
            throw new IllegalStateException("deleting " + name + " answered " + out);
        }
    }

    private static Transfer timed(long bytes, List<String> command) {
        final long start = System.nanoTime();
        ToolRun.run(command, TRANSFER_LIMIT).requireSuccess();
        return new Transfer(bytes, (System.nanoTime() - start) / 1e9);
    }
}
