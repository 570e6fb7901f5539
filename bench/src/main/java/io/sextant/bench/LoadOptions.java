package io.sextant.bench;

import java.time.Duration;

import picocli.CommandLine.Option;

/** The options that shape a run, shared by the scenario commands and {@code max}. */
final class LoadOptions {

    @Option(names = "--rate", defaultValue = "1000",
            description = "Requests per second, sent at fixed intended times (for max: the first step). Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--warmup", defaultValue = "10s", description = "Sent but not recorded. Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--duration", defaultValue = "30s", description = "Measured time. Default: ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = "--connections", defaultValue = "16",
            description = "HTTP/2 connections, used in turn. Default: ${DEFAULT-VALUE}.")
    int connections;

    @Option(names = "--threads", defaultValue = "2",
            description = "Client event-loop threads. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--max-outstanding", defaultValue = "10000",
            description = "Requests sent and not yet answered; past it a request is dropped and counted as an error. "
                          + "Default: ${DEFAULT-VALUE}.")
    int maxOutstanding;

    @Option(names = "--timeout", defaultValue = "10s",
            description = "A response slower than this is an error. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    Load load() {
        return new Load(rate, warmup, duration, connections, threads, maxOutstanding, timeout);
    }
}
