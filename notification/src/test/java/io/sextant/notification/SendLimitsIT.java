package io.sextant.notification;

import static io.sextant.platform.testing.GrpcErrors.code;
import static io.sextant.platform.testing.GrpcErrors.details;
import static io.sextant.platform.testing.GrpcErrors.errorInfo;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Durations;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import com.icegreen.greenmail.util.GreenMail;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.notification.v1.BatchSendNotificationsRequest;
import io.sextant.notification.v1.Channel;
import io.sextant.notification.v1.Notification;
import io.sextant.notification.v1.NotificationServiceGrpc.NotificationServiceBlockingStub;
import io.sextant.notification.v1.SendNotificationRequest;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.TestKeys;
import io.sextant.platform.testing.TestPostgres;
import io.sextant.platform.testing.TestServers;
import io.sextant.platform.testing.TestTokenExchange;

/**
 * The send limits over real gRPC on a real PostgreSQL: per caller and per recipient, in memory, and
 * in the database shared by two notification servers. E-mail goes to GreenMail; {@code users/{id}}
 * recipients are resolved by a small real users service.
 */
class SendLimitsIT {

    private static final TestKeys KEYS = TestKeys.generate("send-limits-it");
    private static final String GRACE_ID = UUID.randomUUID().toString();
    /** Grace's address in her profile, in another case than callers write it. */
    private static final String GRACE_EMAIL = "Grace.Hopper@Users.test";

    private static SextantServer fakeUsers;
    private static GreenMail mail;
    private static Jdbi memoryDb;
    private static SextantServer inMemory;
    private static SextantServer sharedOne;
    private static SextantServer sharedTwo;
    private static Jdbi sharedDb;
    private static final List<AutoCloseable> LATER = new ArrayList<>();
    private static TestTokenExchange auth;

    @BeforeAll
    static void start() {
        fakeUsers = TestNotificationServers.usersKnowing(GRACE_ID, GRACE_EMAIL, new CopyOnWriteArrayList<>(), KEYS);
        auth = new TestTokenExchange(KEYS, "notification", TestNotificationServers.SERVICE_SECRET, List.of("users.read"));
        LATER.add(auth);
        mail = TestNotificationServers.greenMail();
        final DbConfig memory = TestPostgres.newDatabase("sendlimits");
        memoryDb = Jdbi.create(memory.url(), memory.user(), memory.password());
        inMemory = start(memory, Map.of("SEND_LIMIT_CALLER", "8/1h", "SEND_LIMIT_RECIPIENT", "3/1h"));
        final DbConfig shared = TestPostgres.newDatabase("sendlimits_shared");
        sharedDb = Jdbi.create(shared.url(), shared.user(), shared.password());
        final Map<String, String> postgres = Map.of("SEND_LIMIT_CALLER", "4/1h", "SEND_LIMIT_RECIPIENT", "2/1h",
                                                    "SEND_LIMIT_STORE", "postgres");
        sharedOne = start(shared, postgres);
        sharedTwo = start(shared, postgres);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable closeable : LATER) {
            closeable.close();
        }
        mail.stop();
        fakeUsers.close();
    }

    private static SextantServer start(DbConfig database, Map<String, String> limits) {
        final Map<String, String> env = TestNotificationServers.settings(database, fakeUsers.port());
        env.put("SMTP_PORT", String.valueOf(mail.getSmtp().getPort()));
        env.put("AUTH_TARGET", auth.target());
        env.putAll(limits);
        final SextantServer server = TestNotificationServers.start(env, KEYS);
        LATER.add(0, server);
        return server;
    }

    /** A caller of its own (a user with notifications.send) on the server. */
    private static NotificationServiceBlockingStub newCaller(SextantServer server) {
        final String token = KEYS.sign(KEYS.userToken(UUID.randomUUID().toString())
                                           .withClaim("permissions", List.of("notifications.send")));
        return TestServers.grpc(server.port()).addHeader("authorization", "Bearer " + token)
                          .build(NotificationServiceBlockingStub.class);
    }

    private static Notification email(String to) {
        return Notification.newBuilder().setChannel(Channel.CHANNEL_EMAIL).setRecipient(to).setSubject("Hello")
                           .setBody("Hello there").build();
    }

    private static Notification send(NotificationServiceBlockingStub caller, Notification notification) {
        return send(caller, notification, "");
    }

    private static Notification send(NotificationServiceBlockingStub caller, Notification notification, String requestId) {
        return caller.sendNotification(SendNotificationRequest.newBuilder().setNotification(notification)
                                                              .setRequestId(requestId).build())
                     .getNotification();
    }

    private static BatchSendNotificationsRequest batch(Notification... notifications) {
        final BatchSendNotificationsRequest.Builder batch = BatchSendNotificationsRequest.newBuilder();
        for (Notification notification : notifications) {
            batch.addRequests(SendNotificationRequest.newBuilder().setNotification(notification));
        }
        return batch.build();
    }

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID() + "@mail.test";
    }

    private static long stored(Jdbi db, String address) {
        return db.withHandle(h -> h.createQuery("SELECT count(*) FROM notifications WHERE lower(address) = lower(:a)")
                                   .bind("a", address).mapTo(Long.class).one());
    }

    /** The refusal's ErrorInfo, after checking it is RESOURCE_EXHAUSTED with the reason and a RetryInfo. */
    private static ErrorInfo refusedWith(StatusRuntimeException e, String reason, boolean retryInfo) {
        assertThat(code(e)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        final ErrorInfo info = errorInfo(e);
        assertThat(info.getReason()).isEqualTo(reason);
        assertThat(info.getDomain()).isEqualTo("notification.sextant.io");
        final var retry = details(e).getDetailsList().stream().filter(d -> d.is(RetryInfo.class)).findFirst();
        assertThat(retry.isPresent()).as("a RetryInfo").isEqualTo(retryInfo);
        if (retryInfo) {
            final long seconds = Long.parseLong(info.getMetadataOrThrow("retry_after_seconds"));
            assertThat(seconds).isPositive();
            try {
                assertThat(Durations.toSeconds(retry.get().unpack(RetryInfo.class).getRetryDelay())).isEqualTo(seconds);
            } catch (InvalidProtocolBufferException ex) {
                throw new AssertionError(ex);
            }
        }
        return info;
    }

    @Test
    void aCallerOverItsLimitIsRefusedWhileAnotherCallerStillSends() {
        final NotificationServiceBlockingStub greedy = newCaller(inMemory);
        for (int i = 0; i < 8; i++) {
            send(greedy, email(unique("greedy" + i)));
        }
        final String ninth = unique("ninth");
        final ErrorInfo info = refusedWith(failure(() -> send(greedy, email(ninth))), SendLimits.CALLER_LIMITED, true);
        assertThat(info.getMetadataMap()).containsEntry("limit", "8").containsEntry("period_seconds", "3600");
        assertThat(stored(memoryDb, ninth)).isZero();

        final NotificationServiceBlockingStub other = newCaller(inMemory);
        assertThat(send(other, email(unique("other"))).getName()).startsWith("notifications/");
    }

    @Test
    void aBatchTakesOneTokenPerNotificationAllOrNone() {
        final NotificationServiceBlockingStub caller = newCaller(inMemory);
        caller.batchSendNotifications(batch(email(unique("a")), email(unique("b")), email(unique("c")),
                                            email(unique("d")), email(unique("e"))));
        // 5 of 8 taken: a batch of 4 is refused whole, then a batch of 3 fits
        final String refused = unique("refused");
        refusedWith(failure(() -> caller.batchSendNotifications(batch(email(refused), email(unique("f")),
                                                                      email(unique("g")), email(unique("h"))))),
                    SendLimits.CALLER_LIMITED, true);
        assertThat(stored(memoryDb, refused)).isZero();
        assertThat(caller.batchSendNotifications(batch(email(unique("i")), email(unique("j")), email(unique("k"))))
                         .getNotificationsCount()).isEqualTo(3);
    }

    @Test
    void aBatchLargerThanTheCallersLimitSaysToSendSmallerBatches() {
        final NotificationServiceBlockingStub caller = newCaller(inMemory);
        final Notification[] nine = new Notification[9];
        for (int i = 0; i < nine.length; i++) {
            nine[i] = email(unique("big" + i));
        }
        final StatusRuntimeException e = failure(() -> caller.batchSendNotifications(batch(nine)));
        refusedWith(e, SendLimits.CALLER_LIMITED, false);
        assertThat(e.getStatus().getDescription()).contains("9 notifications", "smaller batches");
        // nothing was taken: the caller still has all 8
        final Notification[] eight = new Notification[8];
        System.arraycopy(nine, 0, eight, 0, 8);
        assertThat(caller.batchSendNotifications(batch(eight)).getNotificationsCount()).isEqualTo(8);
    }

    @Test
    void aRecipientOverItsLimitRefusesTheBatchNamingTheFieldAndStoresNothingOfIt() {
        final NotificationServiceBlockingStub caller = newCaller(inMemory);
        // users/{id} and the address the profile gives share one budget, whatever the case
        send(caller, email("users/" + GRACE_ID));
        send(caller, email("grace.hopper@users.test"));
        send(caller, email("GRACE.HOPPER@USERS.TEST"));
        final String bystander = unique("bystander");
        final StatusRuntimeException e = failure(() -> caller.batchSendNotifications(
                batch(email(bystander), email("users/" + GRACE_ID))));
        final ErrorInfo info = refusedWith(e, SendLimits.RECIPIENT_LIMITED, true);
        assertThat(info.getMetadataMap()).containsEntry("field", "requests[1].notification.recipient")
                                         .containsEntry("limit", "3").containsEntry("period_seconds", "3600");
        assertThat(e.getStatus().getDescription()).startsWith("requests[1].notification.recipient: ")
                                                   .doesNotContain("grace", "Grace");
        assertThat(stored(memoryDb, bystander)).as("nothing of the refused batch").isZero();
        assertThat(stored(memoryDb, GRACE_EMAIL)).isEqualTo(3);

        // the refused batch gave back what it took: the bystander still has 3, the caller 5 of 8
        for (int i = 0; i < 3; i++) {
            send(caller, email(bystander));
        }
        refusedWith(failure(() -> send(caller, email(bystander))), SendLimits.RECIPIENT_LIMITED, true);
        send(caller, email(unique("seventh")));
        send(caller, email(unique("eighth")));
        refusedWith(failure(() -> send(caller, email(unique("ninth")))), SendLimits.CALLER_LIMITED, true);
    }

    @Test
    void anotherChannelOfTheSamePersonHasItsOwnBudget() {
        final NotificationServiceBlockingStub caller = newCaller(inMemory);
        final String user = "users/" + UUID.randomUUID();
        final Notification inApp = Notification.newBuilder().setChannel(Channel.CHANNEL_IN_APP).setRecipient(user)
                                               .setSubject("Hi").setBody("In the app").build();
        for (int i = 0; i < 3; i++) {
            send(caller, inApp);
        }
        final StatusRuntimeException e = failure(() -> send(caller, inApp));
        assertThat(refusedWith(e, SendLimits.RECIPIENT_LIMITED, true).getMetadataMap())
                .containsEntry("field", "notification.recipient");
    }

    @Test
    void aFloodOfOtherMailCannotHoldBackAPasswordResetEmail() {
        final NotificationServiceBlockingStub caller = newCaller(inMemory);
        final String victim = unique("victim");
        for (int i = 0; i < 3; i++) {
            send(caller, email(victim));
        }
        refusedWith(failure(() -> send(caller, email(victim))), SendLimits.RECIPIENT_LIMITED, true);
        // a transactional category counts in a budget of its own per recipient
        final Notification reset = email(victim).toBuilder().setCategory("password-reset").build();
        send(caller, reset);
        send(caller, reset);
        send(caller, reset);
        refusedWith(failure(() -> send(caller, reset)), SendLimits.RECIPIENT_LIMITED, true);
        assertThat(stored(memoryDb, victim)).isEqualTo(6);
    }

    @Test
    void anIdempotentRepeatTakesNoToken() {
        final NotificationServiceBlockingStub caller = newCaller(inMemory);
        final String to = unique("repeat");
        final String requestId = UUID.randomUUID().toString();
        final Notification first = send(caller, email(to), requestId);
        for (int i = 0; i < 5; i++) {
            assertThat(send(caller, email(to), requestId).getName()).isEqualTo(first.getName());
        }
        send(caller, email(to));
        send(caller, email(to));
        refusedWith(failure(() -> send(caller, email(to))), SendLimits.RECIPIENT_LIMITED, true);
        assertThat(stored(memoryDb, to)).isEqualTo(3);
    }

    @Test
    void twoServersOnOneDatabaseShareTheLimitsInPostgres() {
        final String token = KEYS.sign(KEYS.userToken(UUID.randomUUID().toString())
                                           .withClaim("permissions", List.of("notifications.send")));
        final NotificationServiceBlockingStub one = TestServers.grpc(sharedOne.port())
                .addHeader("authorization", "Bearer " + token).build(NotificationServiceBlockingStub.class);
        final NotificationServiceBlockingStub two = TestServers.grpc(sharedTwo.port())
                .addHeader("authorization", "Bearer " + token).build(NotificationServiceBlockingStub.class);
        final String to = unique("shared");
        send(one, email(to));
        send(two, email(to));
        refusedWith(failure(() -> send(one, email(to))), SendLimits.RECIPIENT_LIMITED, true);
        send(two, email(unique("shared")));
        send(one, email(unique("shared")));
        // 4 of 4 taken by this caller across both servers
        refusedWith(failure(() -> send(two, email(unique("shared")))), SendLimits.CALLER_LIMITED, true);
        final long rows = sharedDb.withHandle(h -> h.createQuery("SELECT count(*) FROM rate_limit_buckets WHERE id = :id")
                                                    .bind("id", "recipient:EMAIL:" + to).mapTo(Long.class).one());
        assertThat(rows).as("the bucket is a row of the service's database").isEqualTo(1);

        // and another caller still sends through either
        final NotificationServiceBlockingStub other = newCaller(sharedTwo);
        assertThat(send(other, email(unique("other"))).getName()).startsWith("notifications/");
    }
}
