package io.sextant.platform.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;

import com.linecorp.armeria.client.grpc.GrpcClients;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.sextant.platform.server.SextantServer;

/** Checks what every service serves from its first day: health, readiness, metrics, docs, its contract. */
public final class ServiceSmoke {

    private ServiceSmoke() {}

    public static void assertOperable(SextantServer server) {
        final var health = TestServers.get(server.port(), "/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"ok\"");
        final var ready = TestServers.get(server.port(), "/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"database\":\"up\"");
        assertThat(TestServers.get(server.port(), "/metrics").body()).contains("jvm_memory_bytes_used").contains("hikaricp_connections");
        assertThat(TestServers.get(server.port(), "/docs/").statusCode()).isEqualTo(200);
    }

    /** Every unary RPC of the service answers UNIMPLEMENTED with reason NOT_BUILT_YET and says so. */
    public static void assertNotBuiltYet(SextantServer server, ServiceDescriptor service) {
        // any Armeria stub's channel carries any method of the server
        final Channel channel = GrpcClients.newClient("http://127.0.0.1:" + server.port(),
                                                      HealthGrpc.HealthBlockingStub.class).getChannel();
        for (MethodDescriptor<?, ?> method : service.getMethods()) {
            if (method.getType() != MethodDescriptor.MethodType.UNARY) {
                continue;
            }
            final StatusRuntimeException e = callDefault(channel, method);
            assertThat(e.getStatus().getCode()).as(method.getFullMethodName()).isEqualTo(Status.Code.UNIMPLEMENTED);
            assertThat(e.getStatus().getDescription()).contains(method.getFullMethodName()).contains("not built yet");
            assertThat(StatusProto.fromThrowable(e).getDetailsList()).anySatisfy(d -> {
                assertThat(d.is(ErrorInfo.class)).isTrue();
                assertThat(unpack(d).getReason()).isEqualTo("NOT_BUILT_YET");
            });
        }
    }

    @SuppressWarnings("unchecked")
    private static <Q, R> StatusRuntimeException callDefault(Channel channel, MethodDescriptor<Q, R> method) {
        final Q request = ((MethodDescriptor.PrototypeMarshaller<Q>) method.getRequestMarshaller()).getMessagePrototype();
        try {
            ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                                          request);
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError(method.getFullMethodName() + " succeeded");
    }

    private static ErrorInfo unpack(Any any) {
        try {
            return any.unpack(ErrorInfo.class);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
