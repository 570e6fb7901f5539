package io.sextant.bench;

import java.util.OptionalLong;

import picocli.CommandLine.Option;

/** Where the mesh under test is. */
final class TargetOptions {

    @Option(names = "--gateway", defaultValue = "http://localhost:8000",
            description = "The gateway (REST and gRPC). Default: ${DEFAULT-VALUE}.")
    String gateway;

    @Option(names = "--auth", defaultValue = "localhost:8001",
            description = "The auth service (gRPC). Default: ${DEFAULT-VALUE}.")
    String auth;

    @Option(names = "--mesh-pid",
            description = "The mesh's process id (the one listening on the gateway's port, see README), "
                          + "to report its CPU time per successful response.")
    Long meshPid;

    OptionalLong meshPid() {
        return meshPid == null ? OptionalLong.empty() : OptionalLong.of(meshPid);
    }

    Endpoints endpoints() {
        return new Endpoints(Endpoints.parse(gateway), Endpoints.parse(auth));
    }

    String options() {
        return "--gateway " + gateway + " --auth " + auth + (meshPid == null ? "" : " --mesh-pid <pid of the mesh>");
    }
}
