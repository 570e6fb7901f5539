package io.sextant.bench;

import picocli.CommandLine.Option;

/** Where the mesh under test is. */
final class TargetOptions {

    @Option(names = "--gateway", defaultValue = "http://localhost:8000",
            description = "The gateway (REST and gRPC). Default: ${DEFAULT-VALUE}.")
    String gateway;

    @Option(names = "--auth", defaultValue = "localhost:8001",
            description = "The auth service (gRPC). Default: ${DEFAULT-VALUE}.")
    String auth;

    Endpoints endpoints() {
        return new Endpoints(Endpoints.parse(gateway), Endpoints.parse(auth));
    }

    String options() {
        return "--gateway " + gateway + " --auth " + auth;
    }
}
