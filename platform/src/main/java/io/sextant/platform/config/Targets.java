package io.sextant.platform.config;

import com.linecorp.armeria.client.Endpoint;

/**
 * The forms a {@code <SERVICE>_TARGET} setting takes, for every service and the gateway alike:
 * {@code host:port}, {@code host:port,host:port,...} or {@code dns:///host:port}. What each form
 * means for the calls is {@link io.sextant.platform.grpc.TargetEndpoints}'s; here they are only
 * checked at start, so a wrong one is a start-up error naming its variable.
 */
public final class Targets {

    /** The prefix of a name whose addresses DNS gives (a headless Kubernetes service). */
    public static final String DNS_SCHEME = "dns:///";

    private Targets() {}

    /** Reports a malformed target as a problem of the variable {@code name}. */
    public static void check(Env env, String name, String target) {
        final String problem = problem(target);
        if (problem != null) {
            env.problem(name, problem);
        }
    }

    /** What is wrong with the target, for a start-up error, or null when it is well formed. */
    public static String problem(String target) {
        if (target.startsWith(DNS_SCHEME)) {
            final String hostPort = target.substring(DNS_SCHEME.length());
            if (hostPort.contains(",") || !isHostPort(hostPort)) {
                return "has '" + target + "', which is not dns:///host:port";
            }
            return null;
        }
        for (String part : target.split(",", -1)) {
            if (!isHostPort(part.trim())) {
                return "has '" + part.trim() + "', which is not host:port (nor dns:///host:port)";
            }
        }
        return null;
    }

    private static boolean isHostPort(String hostPort) {
        final int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            return false;
        }
        try {
            final int port = Integer.parseInt(hostPort.substring(colon + 1));
            final Endpoint endpoint = Endpoint.parse(hostPort);
            return port > 0 && port < 65536 && endpoint.hasPort() && !endpoint.host().isBlank();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
