package io.sextant.bench;

import java.time.Duration;

/**
 * The shape of one run: the arrival rate, how long to warm up and to measure, the connections, the
 * bound on outstanding requests and the time a response may take before it counts as an error.
 */
record Load(double rate, Duration warmup, Duration duration, int connections, int threads, int maxOutstanding,
            Duration timeout) {

    /** Access tokens live 15 minutes and a run uses one token throughout. */
    static final Duration LONGEST_RUN = Duration.ofMinutes(14);

    Load {
        if (warmup.plus(duration).compareTo(LONGEST_RUN) > 0) {
            throw new IllegalArgumentException("warm-up plus duration must stay within " + LONGEST_RUN.toMinutes()
                                               + " minutes: the run uses one access token, and tokens live 15");
        }
        if (connections < 1 || threads < 1 || maxOutstanding < 1) {
            throw new IllegalArgumentException("connections, threads and the outstanding bound must be at least 1");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the timeout must be positive: " + timeout);
        }
    }

    Schedule schedule() {
        return new Schedule(rate, warmup, duration);
    }

    Load withRate(double newRate) {
        return new Load(newRate, warmup, duration, connections, threads, maxOutstanding, timeout);
    }

    /** The command-line options that give this load, for the report's "exact commands". */
    String options() {
        return "--rate " + Format.rate(rate) + " --warmup " + Format.duration(warmup) + " --duration "
               + Format.duration(duration) + " --connections " + connections + " --threads " + threads
               + " --max-outstanding " + maxOutstanding + " --timeout " + Format.duration(timeout);
    }
}
