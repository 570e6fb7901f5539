package io.sextant.platform.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodOptions;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.EmptyProto;

import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.sextant.api.v1.Access;
import io.sextant.api.v1.MethodPolicy;
import io.sextant.api.v1.PolicyProto;
import io.sextant.api.v1.RateLimitGroup;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.monitoring.v1.MonitoringServiceGrpc;
import io.sextant.notification.v1.NotificationServiceGrpc;
import io.sextant.storage.v1.StorageServiceGrpc;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * Every RPC of every service declares its policy in its contract, and the declarations say what the
 * Java lists and checks said before they were removed (TokenlessAuthMethods, the gateway's
 * PublicRoutes and RouteGroup, the services' own permission checks).
 */
class ContractPoliciesTest {

    private static final List<ServiceDescriptor> SERVICES = List.of(
            AuthServiceGrpc.getServiceDescriptor(), UsersServiceGrpc.getServiceDescriptor(),
            NotificationServiceGrpc.getServiceDescriptor(), StorageServiceGrpc.getServiceDescriptor(),
            MonitoringServiceGrpc.getServiceDescriptor());

    private static List<Descriptors.MethodDescriptor> methods() {
        return SERVICES.stream()
                       .flatMap(s -> ((ProtoServiceDescriptorSupplier) s.getSchemaDescriptor()).getServiceDescriptor()
                                                                                                .getMethods().stream())
                       .toList();
    }

    private static String name(Descriptors.MethodDescriptor method) {
        return method.getService().getFullName() + "/" + method.getName();
    }

    private static Set<String> where(java.util.function.Predicate<RpcPolicy> test) {
        return methods().stream().map(RpcPolicy::of).filter(test).map(RpcPolicy::fullMethodName)
                        .collect(Collectors.toSet());
    }

    @Test
    void everyRpcOfEveryServiceDeclaresItsPolicyExplicitly() {
        assertThat(methods()).hasSizeGreaterThan(70);
        assertThat(methods().stream().filter(m -> !m.getOptions().hasExtension(PolicyProto.policy)).map(m -> name(m)))
                .as("RPCs without (sextant.api.v1.policy)").isEmpty();
        assertThat(methods().stream().filter(m -> m.getOptions().getExtension(PolicyProto.policy).getAccess()
                                                  == Access.ACCESS_UNSPECIFIED).map(m -> name(m)))
                .as("RPCs whose access is left unspecified").isEmpty();
    }

    @Test
    void thePublicRpcsAreTheFormerTokenlessAuthMethodsTheShareLinkAndPublicFileDownloadsAndTheUnsubscribeLink() {
        assertThat(where(RpcPolicy::isPublic)).containsExactlyInAnyOrder(
                "sextant.auth.v1.AuthService/Register",
                "sextant.auth.v1.AuthService/Login",
                "sextant.auth.v1.AuthService/RefreshToken",
                "sextant.auth.v1.AuthService/Logout",
                "sextant.auth.v1.AuthService/RequestPasswordReset",
                "sextant.auth.v1.AuthService/ConfirmPasswordReset",
                "sextant.auth.v1.AuthService/ExchangeApiKey",
                "sextant.auth.v1.AuthService/GetJwks",
                "sextant.storage.v1.StorageService/DownloadSharedFile",
                // files their owner made PUBLIC (and so avatars): the file id is the link
                "sextant.storage.v1.StorageService/DownloadPublicFile",
                "sextant.storage.v1.StorageService/DownloadPublicThumbnail",
                // the one-click unsubscribe of RFC 8058: a mail client posts it; the signed token is the credential
                "sextant.notification.v1.NotificationService/Unsubscribe");
        // where auth's own server ignored a bad token: those, and the revocation stream
        assertThat(where(p -> p.tokenOptional() && p.fullMethodName().startsWith("sextant.auth.")))
                .containsAll(where(p -> p.isPublic() && p.fullMethodName().startsWith("sextant.auth.")))
                .contains("sextant.auth.v1.AuthService/WatchRevocations")
                .hasSize(9);
    }

    @Test
    void theAuthRateLimitGroupIsTheFormerRouteGroupList() {
        assertThat(where(p -> p.rateLimitGroup() == RateLimitGroup.RATE_LIMIT_GROUP_AUTH)).containsExactlyInAnyOrder(
                "sextant.auth.v1.AuthService/Register",
                "sextant.auth.v1.AuthService/Login",
                "sextant.auth.v1.AuthService/RequestPasswordReset",
                "sextant.auth.v1.AuthService/ConfirmPasswordReset",
                "sextant.auth.v1.AuthService/ExchangeApiKey");
        assertThat(where(p -> p.rateLimitGroup() == RateLimitGroup.RATE_LIMIT_GROUP_UNSPECIFIED)).isEmpty();
    }

    @Test
    void theInternalRpcsAreExactlyThoseWithoutAnHttpRuleAndNameTheirCallers() {
        final Set<String> withoutHttpRule = methods().stream()
                                                     .filter(m -> !m.getOptions().hasExtension(AnnotationsProto.http))
                                                     .map(ContractPoliciesTest::name).collect(Collectors.toSet());
        assertThat(where(RpcPolicy::isInternal)).isEqualTo(withoutHttpRule);
        final Map<String, List<String>> callers = new TreeMap<>();
        methods().stream().map(RpcPolicy::of).filter(RpcPolicy::isInternal)
                 .forEach(p -> callers.put(p.methodName(), p.callers()));
        assertThat(callers).containsExactlyInAnyOrderEntriesOf(Map.of(
                "WatchRevocations", List.of("gateway", "users", "notification", "storage", "monitoring"),
                "CreateAccount", List.of("users"),
                "DisableAccount", List.of("users"),
                "RevokeAccountAccess", List.of("users"),
                // operators only
                "RotateSigningKey", List.of(),
                "GetUserGrants", List.of("auth"),
                "ProvisionUser", List.of("auth"),
                "Heartbeat", List.of("auth", "gateway", "users", "notification", "storage")));
        // the former Java check of ProvisionUser: auth's own service token, nothing else
        assertThat(where(RpcPolicy::requireServiceIdentity)).containsExactly("sextant.users.v1.UsersService/ProvisionUser");
        assertThat(where(RpcPolicy::tokenless)).containsExactly("sextant.auth.v1.AuthService/WatchRevocations");
    }

    @Test
    void thePlainPermissionsAreTheOnesTheServicesCheckedFirst() {
        final Map<String, String> permissions = new TreeMap<>();
        methods().stream().map(RpcPolicy::of).filter(p -> !p.permission().isEmpty())
                 .forEach(p -> permissions.put(p.fullMethodName(), p.permission()));
        final Map<String, String> expected = new TreeMap<>();
        for (String m : List.of("ListUsers", "SearchUsers", "GetUserGrants")) {
            expected.put("sextant.users.v1.UsersService/" + m, "users.read");
        }
        for (String m : List.of("CreateUser", "UpdateUser", "ReplaceUser", "DeleteUser", "AddUserRole", "RemoveUserRole",
                                "ProvisionUser")) {
            expected.put("sextant.users.v1.UsersService/" + m, "users.write");
        }
        for (String m : List.of("CreateRole", "UpdateRole", "DeleteRole")) {
            expected.put("sextant.users.v1.UsersService/" + m, "roles.manage");
        }
        expected.put("sextant.auth.v1.AuthService/CreateAccount", "users.write");
        expected.put("sextant.auth.v1.AuthService/DisableAccount", "users.write");
        expected.put("sextant.auth.v1.AuthService/RotateSigningKey", "auth.keys.rotate");
        for (String m : List.of("SendNotification", "ScheduleNotification", "BatchSendNotifications", "ListTemplates",
                                "GetTemplate", "RenderTemplate")) {
            expected.put("sextant.notification.v1.NotificationService/" + m, "notifications.send");
        }
        for (String m : List.of("CreateTemplate", "UpdateTemplate", "DeleteTemplate")) {
            expected.put("sextant.notification.v1.NotificationService/" + m, "notifications.manage");
        }
        expected.put("sextant.storage.v1.StorageService/UpdateStorageQuota", "files.admin");
        assertThat(permissions).isEqualTo(expected);
    }

    @Test
    void aMethodWithoutTheOptionIsAuthenticatedInTheApiGroup() {
        final RpcPolicy policy = RpcPolicy.of(io.grpc.health.v1.HealthGrpc.getCheckMethod());
        assertThat(policy.access()).isEqualTo(Access.ACCESS_AUTHENTICATED);
        assertThat(policy.rateLimitGroup()).isEqualTo(RateLimitGroup.RATE_LIMIT_GROUP_API);
        assertThat(policy.permission()).isEmpty();
        assertThat(policy.tokenOptional()).isFalse();
    }

    @Test
    void aContradictoryDeclarationIsRefusedWhenRead() throws DescriptorValidationException {
        final MethodPolicy internal = MethodPolicy.newBuilder().setAccess(Access.ACCESS_INTERNAL).addCallers("users").build();
        final Descriptors.ServiceDescriptor service = service(
                method("InternalWithRoute", MethodOptions.newBuilder().setExtension(PolicyProto.policy, internal)
                                                         .setExtension(AnnotationsProto.http,
                                                                       HttpRule.newBuilder().setGet("/v1/x").build())),
                method("PublicWithCallers", MethodOptions.newBuilder().setExtension(PolicyProto.policy,
                        MethodPolicy.newBuilder().setAccess(Access.ACCESS_PUBLIC).addCallers("users").build())),
                method("ServiceIdentityWithoutCallers", MethodOptions.newBuilder().setExtension(PolicyProto.policy,
                        MethodPolicy.newBuilder().setAccess(Access.ACCESS_INTERNAL).setRequireServiceIdentity(true).build())),
                method("Internal", MethodOptions.newBuilder().setExtension(PolicyProto.policy, internal)));
        assertThatThrownBy(() -> RpcPolicy.of(service.findMethodByName("InternalWithRoute")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("test.policy.v1.TestService/InternalWithRoute")
                .hasMessageContaining("google.api.http");
        assertThatThrownBy(() -> RpcPolicy.of(service.findMethodByName("PublicWithCallers")))
                .hasMessageContaining("for ACCESS_INTERNAL methods only");
        assertThatThrownBy(() -> RpcPolicy.of(service.findMethodByName("ServiceIdentityWithoutCallers")))
                .hasMessageContaining("needs the callers");
        assertThat(RpcPolicy.of(service.findMethodByName("Internal")).callers()).containsExactly("users");
    }

    private static MethodDescriptorProto method(String name, MethodOptions.Builder options) {
        return MethodDescriptorProto.newBuilder().setName(name).setInputType(".google.protobuf.Empty")
                                    .setOutputType(".google.protobuf.Empty").setOptions(options).build();
    }

    private static Descriptors.ServiceDescriptor service(MethodDescriptorProto... methods)
            throws DescriptorValidationException {
        final FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("test/policy/v1/test.proto").setPackage("test.policy.v1").setSyntax("proto3")
                .addDependency("google/protobuf/empty.proto")
                .addService(ServiceDescriptorProto.newBuilder().setName("TestService").addAllMethod(List.of(methods)))
                .build();
        return Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[] {EmptyProto.getDescriptor()})
                                         .findServiceByName("TestService");
    }
}
