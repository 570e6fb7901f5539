package io.sextant.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.HdrHistogram.Histogram;

/**
 * h2load (nghttp2, HTTP/2 h2c, closed loop): the command and its figures. It prints no percentiles,
 * so the command writes a per-request log ({@code --log-file}: start in µs since the epoch, HTTP
 * status, duration in µs) and the percentiles come from the requests started after the warm-up.
 *
 * <p>h2load counts every HTTP 200 as a success, and a gRPC error is an HTTP 200 with a
 * {@code grpc-status} trailer: whether the calls succeeded is read from the server's RPC metrics,
 * not from here.
 */
final class H2load {

    private static final Pattern FINISHED = Pattern.compile("^finished in ([\\d.]+)(us|ms|s|m), ([\\d.]+) req/s");
    private static final Pattern REQUESTS = Pattern.compile(
            "^requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored, "
            + "(\\d+) timeout");
    private static final Pattern STATUS = Pattern.compile("^status codes: (\\d+) 2xx, (\\d+) 3xx, (\\d+) 4xx, (\\d+) 5xx");

    private H2load() {}

    /**
     * The summary h2load printed.
     *
     * @param succeeded requests answered with a 2xx or 3xx status
     * @param failed    the rest of the completed and the errored ones, as h2load counts them
     */
    record Result(double requestsPerSecond, long done, long succeeded, long failed, long status2xx, long status4xx,
                  long status5xx) {}

    /** The latencies of the measured part, from the log file. */
    record Latencies(long count, double p50Millis, double p90Millis, double p99Millis) {}

    static List<String> command(Duration duration, Duration warmup, int clients, int streams, int threads,
                                String dataFile, List<String> headers, String logFile, String url) {
        final List<String> command = new ArrayList<>(List.of(
                "h2load", "-D", Long.toString(duration.toSeconds()), "--warm-up-time=" + warmup.toSeconds(),
                "-c" + clients, "-m" + streams, "-t" + threads));
        if (dataFile != null) {
            command.add("-d");
            command.add(dataFile);
        }
        for (String header : headers) {
            command.add("-H");
            command.add(header);
        }
        command.add("--log-file=" + logFile);
        command.add(url);
        return command;
    }

    static Result parse(String output) {
        double rate = -1;
        long[] requests = null;
        long[] status = null;
        for (String raw : output.split("\n")) {
            final String line = raw.strip();
            Matcher matcher = FINISHED.matcher(line);
            if (matcher.find()) {
                rate = Double.parseDouble(matcher.group(3));
                continue;
            }
            matcher = REQUESTS.matcher(line);
            if (matcher.find()) {
                requests = groups(matcher, 7);
                continue;
            }
            matcher = STATUS.matcher(line);
            if (matcher.find()) {
                status = groups(matcher, 4);
            }
        }
        if (rate < 0 || requests == null || status == null) {
            throw new IllegalArgumentException("not the output of h2load: " + output.strip());
        }
        return new Result(rate, requests[2], requests[3], requests[4], status[0], status[2], status[3]);
    }

    /**
     * Percentiles of the requests in the log that started within {@code duration} of the last one:
     * h2load 1.52 logs the warm-up's requests in some runs and not in others, and the measured part is
     * the end of the log either way.
     */
    static Latencies latencies(List<String> logLines, Duration duration) {
        long last = Long.MIN_VALUE;
        final List<long[]> entries = new ArrayList<>(logLines.size());
        for (String line : logLines) {
            if (line.isBlank()) {
                continue;
            }
            final String[] fields = line.strip().split("\\s+");
            if (fields.length < 3) {
                throw new IllegalArgumentException("not a line of an h2load log: " + line);
            }
            final long start = Long.parseLong(fields[0]);
            entries.add(new long[] {start, Long.parseLong(fields[fields.length - 1])});
            last = Math.max(last, start);
        }
        final long measuredFrom = last == Long.MIN_VALUE ? 0 : last - duration.toNanos() / 1000;
        final Histogram micros = new Histogram(3);
        for (long[] entry : entries) {
            if (entry[0] >= measuredFrom) {
                micros.recordValue(Math.max(0, entry[1]));
            }
        }
        if (micros.getTotalCount() == 0) {
            return new Latencies(0, -1, -1, -1);
        }
        return new Latencies(micros.getTotalCount(), micros.getValueAtPercentile(50) / 1000.0,
                             micros.getValueAtPercentile(90) / 1000.0, micros.getValueAtPercentile(99) / 1000.0);
    }

    private static long[] groups(Matcher matcher, int count) {
        final long[] values = new long[count];
        for (int i = 0; i < count; i++) {
            values[i] = Long.parseLong(matcher.group(i + 1));
        }
        return values;
    }
}
