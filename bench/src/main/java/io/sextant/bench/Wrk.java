package io.sextant.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * wrk 4.x (HTTP/1.1, keep-alive, closed loop): the command the report runs and the figures it prints.
 * Its C client costs a few microseconds per request, so what it reaches is the server's throughput,
 * not the generator's. Its latencies are not corrected for coordinated omission (the open-loop Java
 * generator's are); the report takes throughput from wrk and the p99 target from the Java generator.
 */
final class Wrk {

    private static final Pattern PERCENTILE = Pattern.compile("^\\s*(50|75|90|99)%\\s+([\\d.]+)(us|ms|s|m)\\s*$");
    private static final Pattern REQUESTS = Pattern.compile("^\\s*(\\d+) requests in ([\\d.]+)(us|ms|s|m)");
    private static final Pattern NON_2XX = Pattern.compile("^\\s*Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern SOCKET_ERRORS = Pattern.compile(
            "^\\s*Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern RATE = Pattern.compile("^Requests/sec:\\s+([\\d.]+)");
    /** What the peers' scripts print from done(): of the 2xx bodies they sampled, how many lacked what they must hold. */
    private static final Pattern BODIES = Pattern.compile("^bodies checked: (\\d+), without [^:]+: (\\d+)");

    private Wrk() {}

    /**
     * What wrk printed.
     *
     * @param socketErrors connect, read and write errors and timeouts together
     * @param wrongBodies  2xx answers a script found without what they must hold (0 without such a script)
     */
    record Result(long requests, double seconds, double requestsPerSecond, double p50Millis, double p90Millis,
                  double p99Millis, long non2xx, long socketErrors, long wrongBodies) {

        long errors() {
            return non2xx + socketErrors + wrongBodies;
        }
    }

    /**
     * {@code wrk -t<threads> -c<connections> -d<duration> --timeout <timeout> --latency [-H ...] [-s script] url [-- args]}.
     */
    static List<String> command(int threads, int connections, Duration duration, Duration timeout, List<String> headers,
                                String script, String url, List<String> scriptArgs) {
        final List<String> command = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections,
                                                             "-d" + duration.toSeconds() + "s",
                                                             "--timeout", duration(timeout), "--latency"));
        for (String header : headers) {
            command.add("-H");
            command.add(header);
        }
        if (script != null) {
            command.add("-s");
            command.add(script);
        }
        command.add(url);
        if (!scriptArgs.isEmpty()) {
            command.add("--");
            command.addAll(scriptArgs);
        }
        return command;
    }

    private static String duration(Duration timeout) {
        return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + "s" : timeout.toMillis() + "ms";
    }

    static Result parse(String output) {
        double p50 = -1;
        double p90 = -1;
        double p99 = -1;
        long requests = -1;
        double seconds = -1;
        double rate = -1;
        long non2xx = 0;
        long socketErrors = 0;
        long wrongBodies = 0;
        for (String line : output.split("\n")) {
            Matcher matcher = PERCENTILE.matcher(line);
            if (matcher.matches()) {
                final double millis = millis(matcher.group(2), matcher.group(3));
                switch (matcher.group(1)) {
                    case "50" -> p50 = millis;
                    case "90" -> p90 = millis;
                    case "99" -> p99 = millis;
                    default -> { }
                }
                continue;
            }
            matcher = REQUESTS.matcher(line);
            if (matcher.find()) {
                requests = Long.parseLong(matcher.group(1));
                seconds = millis(matcher.group(2), matcher.group(3)) / 1000;
                continue;
            }
            matcher = NON_2XX.matcher(line);
            if (matcher.find()) {
                non2xx = Long.parseLong(matcher.group(1));
                continue;
            }
            matcher = SOCKET_ERRORS.matcher(line);
            if (matcher.find()) {
                for (int i = 1; i <= 4; i++) {
                    socketErrors += Long.parseLong(matcher.group(i));
                }
                continue;
            }
            matcher = RATE.matcher(line);
            if (matcher.find()) {
                rate = Double.parseDouble(matcher.group(1));
                continue;
            }
            matcher = BODIES.matcher(line);
            if (matcher.find()) {
                wrongBodies = Long.parseLong(matcher.group(2));
            }
        }
        if (requests < 0 || rate < 0 || p99 < 0) {
            throw new IllegalArgumentException("not the output of wrk --latency: " + output.strip());
        }
        return new Result(requests, seconds, rate, p50, p90, p99, non2xx, socketErrors, wrongBodies);
    }

    static double millis(String number, String unit) {
        final double value = Double.parseDouble(number);
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "us" -> value / 1000;
            case "ms" -> value;
            case "s" -> value * 1000;
            case "m" -> value * 60_000;
            default -> throw new IllegalArgumentException("unknown unit " + unit);
        };
    }
}
