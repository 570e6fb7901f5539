package io.sextant.bench;

/**
 * A closed-loop throughput row (wrk or h2load): what one server reached, how fast it answered, what
 * failed, and the CPU each side spent per request (the server's: the mesh, nginx or Keycloak; the
 * generator's: wrk or h2load), so that a figure taken on shared cores can still be compared.
 *
 * @param command         the exact command, with tokens shown as shell variables
 * @param errors          failed requests (non-2xx, socket errors, gRPC statuses other than OK)
 * @param errorNote       what the errors were, or empty
 * @param serverMicros    the server's CPU time per request in microseconds, -1 if unknown
 * @param generatorMicros the generator's CPU time per request in microseconds, -1 if unknown
 */
record Throughput(String name, String server, String command, double requestsPerSecond, double p50Millis,
                  double p99Millis, long requests, long errors, String errorNote, double serverMicros,
                  double generatorMicros) {

    boolean failed() {
        return errors > 0;
    }
}
