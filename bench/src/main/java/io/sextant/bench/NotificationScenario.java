package io.sextant.bench;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;

import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.sextant.notification.v1.Channel;
import io.sextant.notification.v1.Notification;
import io.sextant.notification.v1.NotificationServiceGrpc;
import io.sextant.notification.v1.SendNotificationRequest;
import io.sextant.notification.v1.SendNotificationResponse;

/**
 * {@code sextant.notification.v1.NotificationService/SendNotification} over gRPC straight to the
 * notification replicas, in turn (as a load balancer in front of them would): an EMAIL with a literal
 * body to one address, its subject {@code <prefix><sequence>} so that the sink can match it to its send.
 * Used from the one sending thread of {@link OpenLoop}.
 */
final class NotificationScenario implements Scenario {

    static final String RECIPIENT = "inbox@bench.example.com";
    static final String BODY = "A notification of the Sextant bench: one short line of text, as a password reset or an "
                               + "alert would carry, with a link https://sextant.example.com/r/0123456789abcdef.";
    /** How a refusal because the delivery queue is full is counted. */
    static final String QUEUE_FULL = "grpc RESOURCE_EXHAUSTED (QUEUE_FULL)";

    private final RoundRobin<NotificationServiceGrpc.NotificationServiceStub> stubs;
    private final String subjectPrefix;
    private final Deliveries deliveries;
    private long sequence;

    NotificationScenario(Connections connections, List<URI> replicas, Duration timeout, String accessToken,
                         String subjectPrefix, Deliveries deliveries) {
        this.subjectPrefix = subjectPrefix;
        this.deliveries = deliveries;
        this.stubs = new RoundRobin<>(replicas.stream().flatMap(replica -> connections.factories().stream()
                .map(factory -> GrpcClients.builder(replica)
                                           .factory(factory)
                                           .responseTimeout(timeout)
                                           .addHeader(HttpHeaderNames.AUTHORIZATION, "Bearer " + accessToken)
                                           .build(NotificationServiceGrpc.NotificationServiceStub.class)))
                .toList());
    }

    /** The request of one sequence number. */
    static SendNotificationRequest request(String subjectPrefix, long sequence) {
        return SendNotificationRequest.newBuilder()
                .setNotification(Notification.newBuilder()
                                             .setChannel(Channel.CHANNEL_EMAIL)
                                             .setRecipient(RECIPIENT)
                                             .setSubject(subjectPrefix + sequence)
                                             .setBody(BODY))
                .build();
    }

    @Override
    public CompletableFuture<Outcome> send() {
        final long number = sequence++;
        if (number >= deliveries.capacity()) {
            throw new IllegalStateException("more sends than the run planned: " + number);
        }
        final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        deliveries.sent(number, System.nanoTime());
        stubs.next().sendNotification(request(subjectPrefix, number), new StreamObserver<>() {
            @Override
            public void onNext(SendNotificationResponse response) {
                deliveries.accepted(number);
            }

            @Override
            public void onError(Throwable failure) {
                outcome.complete(outcome(failure));
            }

            @Override
            public void onCompleted() {
                outcome.complete(Outcome.OK);
            }
        });
        return outcome;
    }

    /**
     * A gRPC error with the reason of its {@code google.rpc.ErrorInfo} when it has one, so that a refusal by
     * the queue bound (QUEUE_FULL) is told apart from a call shed by the service's bound on calls in flight
     * (UNAVAILABLE SERVER_OVERLOADED) and from other answers of the same code.
     */
    static Outcome outcome(Throwable failure) {
        if (failure instanceof StatusRuntimeException status) {
            final Optional<String> reason = reason(status);
            if (reason.isPresent()) {
                return Outcome.error("grpc " + status.getStatus().getCode() + " (" + reason.get() + ")");
            }
        }
        return Outcome.failure(failure);
    }

    private static Optional<String> reason(StatusRuntimeException failure) {
        final com.google.rpc.Status status = StatusProto.fromThrowable(failure);
        if (status == null) {
            return Optional.empty();
        }
        for (Any detail : status.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    final String reason = detail.unpack(ErrorInfo.class).getReason();
                    return reason.isEmpty() ? Optional.empty() : Optional.of(reason);
                } catch (InvalidProtocolBufferException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
