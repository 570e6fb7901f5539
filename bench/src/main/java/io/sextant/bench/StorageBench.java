package io.sextant.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Storage's scenarios (issue 12): one large file uploaded and downloaded through the gateway's REST
 * routes, beside the raw disk measured in the same run with {@code dd} (written with
 * {@code conv=fsync}, as storage makes an upload durable before it answers; read back from the same
 * page cache the download reads from), and small uploads per second with wrk.
 */
final class StorageBench {

    /** Issue 12's targets: shares of the raw disk, and small uploads per second. */
    static final double TARGET_UPLOAD_SHARE = 0.60;
    static final double TARGET_DOWNLOAD_SHARE = 0.80;
    static final double TARGET_SMALL_PER_SECOND = 1_000;
    static final int SMALL_BYTES = 16 * 1024;
    static final int SMALL_CONNECTIONS = 16;

    private static final Pattern FILE_NAME = Pattern.compile("\"name\"\\s*:\\s*\"(files/[0-9a-f-]{36})\"");
    private static final int BUFFER = 1 << 20;

    /** Bytes moved in a time. */
    record Transfer(long bytes, double seconds) {

        double mibPerSecond() {
            return bytes / (1024.0 * 1024.0) / seconds;
        }
    }

    /** What the scenarios measured, and the commands that reproduce the references. */
    record Result(long largeBytes, Transfer rawWrite, Transfer rawRead, Transfer upload, Transfer download,
                  Wrk.Result small, List<String> rawWriteCommand, List<String> rawReadCommand, List<String> smallCommand) {

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
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                                              .connectTimeout(Duration.ofSeconds(5)).build();

    StorageBench(URI gateway, String token, Path work, PrintStream log) {
        this.gateway = gateway;
        this.token = token;
        this.work = work;
        this.log = log;
    }

    Result run(long largeBytes, Duration warmup, Duration duration) throws IOException, InterruptedException {
        Files.createDirectories(work);
        final Path raw = work.resolve("raw-disk.bin");
        final long mib = largeBytes / (1024 * 1024);
        final List<String> write = List.of("dd", "if=/dev/zero", "of=" + raw, "bs=1M", "count=" + mib, "conv=fsync");
        final List<String> read = List.of("dd", "if=" + raw, "of=/dev/null", "bs=1M");
        final Transfer rawWrite;
        final Transfer rawRead;
        try {
            log.println("storage: raw disk, " + String.join(" ", write));
            rawWrite = timed(mib * 1024 * 1024, () -> ToolRun.run(write, Duration.ofMinutes(10)).requireSuccess());
            log.println("storage: raw disk, " + String.join(" ", read));
            rawRead = timed(mib * 1024 * 1024, () -> ToolRun.run(read, Duration.ofMinutes(10)).requireSuccess());
        } finally {
            Files.deleteIfExists(raw);
        }
        log.println("storage: uploading " + Format.mebibytes(mib) + " through " + gateway);
        final String[] name = new String[1];
        final Transfer upload = timed(mib * 1024 * 1024, () -> name[0] = upload("bench-large.bin", mib * 1024 * 1024));
        log.println("storage: downloading " + name[0]);
        final Transfer download = timed(mib * 1024 * 1024, () -> download(name[0], mib * 1024 * 1024));
        final List<String> small = smallCommand(duration);
        final List<String> smallWarmup = smallCommand(warmup);
        log.println("storage: small uploads, " + String.join(" ", small).replace(token, "$TOKEN"));
        ToolRun.run(smallWarmup, Duration.ofMinutes(5));
        final Wrk.Result smallResult = Wrk.parse(ToolRun.run(small, duration.plusMinutes(2)).requireSuccess().stdout());
        return new Result(mib * 1024 * 1024, rawWrite, rawRead, upload, download, smallResult, write, read,
                          small.stream().map(a -> a.replace(token, "$TOKEN")).toList());
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

    /** Uploads {@code size} generated bytes as a raw body; returns the new file's name. */
    private String upload(String filename, long size) throws IOException, InterruptedException {
        final HttpRequest request = HttpRequest.newBuilder(gateway.resolve("/v1/files?filename=" + filename))
                                               .header("authorization", "Bearer " + token)
                                               .header("content-type", "application/octet-stream")
                                               .timeout(Duration.ofMinutes(10))
                                               .POST(HttpRequest.BodyPublishers.fromPublisher(
                                                       HttpRequest.BodyPublishers.ofInputStream(() -> generated(size)), size))
                                               .build();
        final HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        final Matcher name = FILE_NAME.matcher(response.body());
        if (response.statusCode() != 200 || !name.find()) {
            throw new IllegalStateException("upload answered " + response.statusCode() + ": " + response.body());
        }
        return name.group(1);
    }

    /** Downloads {@code name} whole, reading and dropping the bytes; checks that all of them came. */
    private void download(String name, long size) throws IOException, InterruptedException {
        final HttpRequest request = HttpRequest.newBuilder(gateway.resolve("/v1/" + name + "/content"))
                                               .header("authorization", "Bearer " + token)
                                               .timeout(Duration.ofMinutes(10)).GET().build();
        final HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        long received = 0;
        try (InputStream body = response.body()) {
            final byte[] buffer = new byte[BUFFER];
            for (int n; (n = body.read(buffer)) >= 0; ) {
                received += n;
            }
        }
        if (response.statusCode() != 200 || received != size) {
            throw new IllegalStateException("download answered " + response.statusCode() + " with " + received
                                            + " bytes of " + size);
        }
    }

    /** {@code size} bytes of a random MiB repeated: costs the generator a copy, not a random number per byte. */
    static InputStream generated(long size) {
        final byte[] block = new byte[BUFFER];
        new Random(42).nextBytes(block);
        return new InputStream() {
            private long left = size;

            @Override
            public int read() {
                if (left == 0) {
                    return -1;
                }
                final int b = block[(int) ((size - left) % BUFFER)] & 0xff;
                left--;
                return b;
            }

            @Override
            public int read(byte[] into, int offset, int length) {
                if (left == 0) {
                    return -1;
                }
                final int at = (int) ((size - left) % BUFFER);
                final int n = (int) Math.min(Math.min(length, left), BUFFER - at);
                System.arraycopy(block, at, into, offset, n);
                left -= n;
                return n;
            }
        };
    }

    private interface Timed {
        void run() throws IOException, InterruptedException;
    }

    private static Transfer timed(long bytes, Timed what) throws IOException, InterruptedException {
        final long start = System.nanoTime();
        what.run();
        return new Transfer(bytes, (System.nanoTime() - start) / 1e9);
    }
}
