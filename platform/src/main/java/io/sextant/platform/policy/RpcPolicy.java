package io.sextant.platform.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import com.google.api.AnnotationsProto;
import com.google.protobuf.Descriptors;

import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.sextant.api.v1.Access;
import io.sextant.api.v1.MethodPolicy;
import io.sextant.api.v1.PolicyProto;
import io.sextant.api.v1.RateLimitGroup;

/**
 * The access policy of one RPC as its contract declares it (the method option
 * {@code sextant.api.v1.policy}), with the defaults filled in: what the platform's interceptor, the
 * gateway's edge and the OpenAPI document read, so that no Java list of method names decides access.
 * Read once per full method name and cached.
 *
 * <p>An RPC without the option (grpc.health.v1, reflection) is authenticated, in the API rate-limit
 * group, without a plain permission. A contradictory declaration (callers on a method that is not
 * internal, an internal method with a {@code google.api.http} rule) fails when it is read, which is
 * at the start of every server that hosts it.
 *
 * @param fullMethodName          {@code sextant.users.v1.UsersService/ListUsers}
 * @param access                  public, authenticated or internal (never unspecified)
 * @param callers                 internal only: the services that may call it ({@code auth})
 * @param requireServiceIdentity  internal only: the caller must show the own token of a listed service
 * @param tokenless               internal only: no token needed, a bad one ignored
 * @param rateLimitGroup          API or AUTH (never unspecified)
 * @param permission              the plain permission it needs, or empty
 */
public record RpcPolicy(String fullMethodName, Access access, List<String> callers, boolean requireServiceIdentity,
                        boolean tokenless, RateLimitGroup rateLimitGroup, String permission) {

    private static final ConcurrentMap<String, RpcPolicy> CACHE = new ConcurrentHashMap<>();

    public RpcPolicy {
        callers = List.copyOf(callers);
    }

    /** The policy of a gRPC method; the default one when it has no protobuf descriptor. */
    public static RpcPolicy of(MethodDescriptor<?, ?> method) {
        final RpcPolicy cached = CACHE.get(method.getFullMethodName());
        if (cached != null) {
            return cached;
        }
        if (method.getSchemaDescriptor() instanceof ProtoMethodDescriptorSupplier supplier) {
            return of(supplier.getMethodDescriptor());
        }
        return CACHE.computeIfAbsent(method.getFullMethodName(),
                                     name -> read(name, MethodPolicy.getDefaultInstance(), false));
    }

    /** The policy of a protobuf method. */
    public static RpcPolicy of(Descriptors.MethodDescriptor method) {
        final String name = method.getService().getFullName() + "/" + method.getName();
        return CACHE.computeIfAbsent(name, n -> read(n, method.getOptions().getExtension(PolicyProto.policy),
                                                     method.getOptions().hasExtension(AnnotationsProto.http)));
    }

    /** Reached without a token (a bad one is ignored rather than refused): public, or internal and tokenless. */
    public boolean tokenOptional() {
        return access == Access.ACCESS_PUBLIC || tokenless;
    }

    public boolean isPublic() {
        return access == Access.ACCESS_PUBLIC;
    }

    /** For the services of the mesh only: the gateway never forwards it. */
    public boolean isInternal() {
        return access == Access.ACCESS_INTERNAL;
    }

    /** The method name without its service ({@code ProvisionUser}), for messages. */
    public String methodName() {
        return fullMethodName.substring(fullMethodName.lastIndexOf('/') + 1);
    }

    private static RpcPolicy read(String fullMethodName, MethodPolicy declared, boolean hasHttpRule) {
        final Access access = declared.getAccess() == Access.ACCESS_UNSPECIFIED ? Access.ACCESS_AUTHENTICATED
                                                                               : declared.getAccess();
        final List<String> problems = new ArrayList<>();
        if (access == Access.UNRECOGNIZED || declared.getRateLimitGroup() == RateLimitGroup.UNRECOGNIZED) {
            problems.add("an access or rate-limit group this platform does not know");
        }
        if (access != Access.ACCESS_INTERNAL) {
            if (declared.getCallersCount() > 0 || declared.getRequireServiceIdentity() || declared.getTokenless()) {
                problems.add("callers, require_service_identity and tokenless are for ACCESS_INTERNAL methods only");
            }
        } else {
            if (hasHttpRule) {
                problems.add("an ACCESS_INTERNAL method must not have a google.api.http rule (the gateway would serve it)");
            }
            if (declared.getRequireServiceIdentity() && declared.getCallersCount() == 0) {
                problems.add("require_service_identity needs the callers it admits");
            }
            if (declared.getRequireServiceIdentity() && declared.getTokenless()) {
                problems.add("a tokenless method cannot require a service identity");
            }
        }
        for (String caller : declared.getCallersList()) {
            if (!caller.matches("[a-z][a-z0-9-]*")) {
                problems.add("caller '" + caller + "' is not a service name");
            }
        }
        if (declared.getTokenless() && !declared.getPermission().isEmpty()) {
            problems.add("a tokenless method cannot require a permission");
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the policy of " + fullMethodName + " in its contract is wrong: "
                                            + String.join("; ", problems));
        }
        final RateLimitGroup group = declared.getRateLimitGroup() == RateLimitGroup.RATE_LIMIT_GROUP_UNSPECIFIED
                                     ? RateLimitGroup.RATE_LIMIT_GROUP_API : declared.getRateLimitGroup();
        return new RpcPolicy(fullMethodName, access, declared.getCallersList(), declared.getRequireServiceIdentity(),
                             declared.getTokenless(), group, declared.getPermission());
    }
}
