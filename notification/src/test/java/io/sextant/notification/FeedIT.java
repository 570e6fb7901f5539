package io.sextant.notification;

import static io.sextant.platform.testing.GrpcErrors.badRequest;
import static io.sextant.platform.testing.GrpcErrors.code;
import static io.sextant.platform.testing.GrpcErrors.errorInfo;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.ClientFactory;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.sextant.notification.v1.BatchSendNotificationsRequest;
import io.sextant.notification.v1.Channel;
import io.sextant.notification.v1.CreateTemplateRequest;
import io.sextant.notification.v1.FeedItem;
import io.sextant.notification.v1.ListFeedItemsRequest;
import io.sextant.notification.v1.ListFeedItemsResponse;
import io.sextant.notification.v1.MarkFeedItemsReadRequest;
import io.sextant.notification.v1.Notification;
import io.sextant.notification.v1.NotificationServiceGrpc.NotificationServiceBlockingStub;
import io.sextant.notification.v1.NotificationServiceGrpc.NotificationServiceStub;
import io.sextant.notification.v1.NotificationStatus;
import io.sextant.notification.v1.SendNotificationRequest;
import io.sextant.notification.v1.Template;
import io.sextant.notification.v1.WatchFeedRequest;
import io.sextant.platform.config.Env;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.identity.RevocationSet;
import io.sextant.platform.identity.TokenVerifier;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestKeys;
import io.sextant.platform.testing.TestPostgres;
import io.sextant.platform.testing.TestServers;

/**
 * The in-app feed as its users read it (ListFeedItems, MarkFeedItemsRead, WatchFeed) over real gRPC
 * on a real PostgreSQL, the items written by the real delivery engine from IN_APP notifications an
 * admin sends.
 */
class FeedIT {

    private static final TestKeys KEYS = TestKeys.generate("feed-it");

    private static SextantServer server;
    private static NotificationServiceBlockingStub admin;

    @BeforeAll
    static void start() {
        final DbConfig db = TestPostgres.newDatabase("notification");
        final Map<String, String> env = new HashMap<>(Map.of(
                "PORT", "0", "SHUTDOWN_GRACE", "500ms", "DB_URL", db.url(), "DB_USER", db.user(),
                // IN_APP recipients are users/{id} as they are: the users service is never asked
                "USERS_TARGET", "127.0.0.1:9", "NOTIFICATION_POLL_INTERVAL", "50ms",
                // nor is auth, for the service's own token
                "AUTH_TARGET", "127.0.0.1:9", "SERVICE_SECRET", "sxs_feed-it-never-exchanged-000000000"));
        if (!db.password().isEmpty()) {
            env.put("DB_PASSWORD", db.password());
        }
        final Clock clock = Clock.systemUTC();
        final TokenVerifier verifier = new TokenVerifier(kid -> kid.equals(KEYS.kid()) ? KEYS.publicKey() : null,
                                                         new RevocationSet(clock), clock);
        server = NotificationServer.newServer(NotificationServer.readConfig(Env.of(env)), verifier, Map.of()).start();
        admin = stub(token(UUID.randomUUID().toString(), "*"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String token(String subject, String... permissions) {
        return KEYS.sign(KEYS.userToken(subject).withClaim("permissions", List.of(permissions)));
    }

    private static NotificationServiceBlockingStub stub(String token) {
        return TestServers.grpc(server.port()).addHeader("authorization", "Bearer " + token)
                          .build(NotificationServiceBlockingStub.class);
    }

    private static NotificationServiceStub asyncStub(String token) {
        return TestServers.grpc(server.port()).addHeader("authorization", "Bearer " + token)
                          .build(NotificationServiceStub.class);
    }

    /** Sends an IN_APP notification to the user as the admin and waits until it is in the feed (SENT). */
    private static Notification deliver(String userId, String subject) {
        final Notification sent = sendInApp(userId, subject);
        awaitSent(sent.getName());
        return sent;
    }

    private static Notification sendInApp(String userId, String subject) {
        return admin.sendNotification(SendNotificationRequest.newBuilder().setNotification(
                Notification.newBuilder().setChannel(Channel.CHANNEL_IN_APP).setRecipient("users/" + userId)
                            .setSubject(subject).setBody("Text of " + subject).setCategory("mentions")).build())
                    .getNotification();
    }

    private static void awaitSent(String name) {
        Poll.until(() -> assertThat(admin.getNotification(
                io.sextant.notification.v1.GetNotificationRequest.newBuilder().setName(name).build())
                              .getNotification().getStatus()).isEqualTo(NotificationStatus.NOTIFICATION_STATUS_SENT));
    }

    private static ListFeedItemsResponse list(NotificationServiceBlockingStub stub, int size, String token,
                                              boolean unreadOnly) {
        return stub.listFeedItems(ListFeedItemsRequest.newBuilder().setPageSize(size).setPageToken(token)
                                                      .setUnreadOnly(unreadOnly).build());
    }

    private static List<String> subjects(List<FeedItem> items) {
        return items.stream().map(FeedItem::getSubject).toList();
    }

    private static double watchers() {
        final Double value = server.registry().getSampleValue("notification_feed_watchers");
        return value == null ? -1 : value;
    }

    @Test
    void aUserListsTheirOwnFeedNewestFirstInPagesWithTheUnreadCount() {
        final String ada = UUID.randomUUID().toString();
        final NotificationServiceBlockingStub asAda = stub(token(ada));
        final List<Notification> sent = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            sent.add(deliver(ada, "item " + i));
        }

        final ListFeedItemsResponse first = list(asAda, 2, "", false);
        assertThat(subjects(first.getItemsList())).containsExactly("item 5", "item 4");
        assertThat(first.getUnreadCount()).isEqualTo(5);
        final FeedItem newest = first.getItems(0);
        assertThat(newest.getName()).isEqualTo("feed/items/" + newest.getId());
        assertThat(newest.getNotification()).isEqualTo(sent.get(4).getName());
        assertThat(newest.getBody()).isEqualTo("Text of item 5");
        assertThat(newest.getCategory()).isEqualTo("mentions");
        assertThat(newest.getRead()).isFalse();
        assertThat(newest.hasReadTime()).isFalse();
        assertThat(newest.hasCreateTime()).isTrue();
        final ListFeedItemsResponse second = list(asAda, 2, first.getNextPageToken(), false);
        assertThat(subjects(second.getItemsList())).containsExactly("item 3", "item 2");
        final ListFeedItemsResponse third = list(asAda, 2, second.getNextPageToken(), false);
        assertThat(subjects(third.getItemsList())).containsExactly("item 1");
        assertThat(third.getNextPageToken()).isEmpty();

        // a page token of the whole feed does not fit unread_only
        final StatusRuntimeException mixed = failure(() -> list(asAda, 2, first.getNextPageToken(), true));
        assertThat(code(mixed)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(mixed).getFieldViolations(0).getField()).isEqualTo("page_token");

        // another user sees none of it, and the admin who sent it has an empty feed of their own
        final ListFeedItemsResponse other = list(stub(token(UUID.randomUUID().toString())), 0, "", false);
        assertThat(other.getItemsList()).isEmpty();
        assertThat(other.getUnreadCount()).isZero();
        assertThat(list(admin, 0, "", false).getItemsList()).isEmpty();
        // nor can they use Ada's page token
        final StatusRuntimeException foreign = failure(
                () -> list(stub(token(UUID.randomUUID().toString())), 2, first.getNextPageToken(), false));
        assertThat(code(foreign)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void itemsAreMarkedReadByNameOrAllIdempotently() {
        final String bob = UUID.randomUUID().toString();
        final NotificationServiceBlockingStub asBob = stub(token(bob));
        for (int i = 1; i <= 4; i++) {
            deliver(bob, "note " + i);
        }
        final List<FeedItem> items = list(asBob, 0, "", false).getItemsList();
        assertThat(items).hasSize(4);

        final MarkFeedItemsReadRequest two = MarkFeedItemsReadRequest.newBuilder()
                                                                     .addNames(items.get(0).getName())
                                                                     .addNames(items.get(2).getName()).build();
        assertThat(asBob.markFeedItemsRead(two).getUnreadCount()).isEqualTo(2);
        final List<FeedItem> after = list(asBob, 0, "", false).getItemsList();
        assertThat(after.get(0).getRead()).isTrue();
        assertThat(after.get(0).hasReadTime()).isTrue();
        assertThat(after.get(1).getRead()).isFalse();
        assertThat(subjects(list(asBob, 0, "", true).getItemsList())).containsExactly("note 3", "note 1");
        assertThat(list(asBob, 0, "", true).getUnreadCount()).isEqualTo(2);

        // again: nothing changes, the first read time stays
        assertThat(asBob.markFeedItemsRead(two).getUnreadCount()).isEqualTo(2);
        assertThat(list(asBob, 0, "", false).getItems(0).getReadTime()).isEqualTo(after.get(0).getReadTime());

        // someone else cannot mark Bob's items read: their call changes nothing of Bob's
        final String eve = UUID.randomUUID().toString();
        assertThat(stub(token(eve)).markFeedItemsRead(MarkFeedItemsReadRequest.newBuilder()
                                                             .addNames(items.get(1).getName()).build())
                                   .getUnreadCount()).isZero();
        assertThat(list(asBob, 0, "", true).getUnreadCount()).isEqualTo(2);

        assertThat(asBob.markFeedItemsRead(MarkFeedItemsReadRequest.newBuilder().setAll(true).build())
                        .getUnreadCount()).isZero();
        assertThat(list(asBob, 0, "", true).getItemsList()).isEmpty();
        assertThat(list(asBob, 0, "", false).getItemsList()).allMatch(FeedItem::getRead);
        assertThat(asBob.markFeedItemsRead(MarkFeedItemsReadRequest.newBuilder().setAll(true).build())
                        .getUnreadCount()).isZero();
    }

    @Test
    void badRequestsNameTheirFieldAndAServiceTokenHasNoFeed() {
        final NotificationServiceBlockingStub someone = stub(token(UUID.randomUUID().toString()));
        final StatusRuntimeException neither = failure(
                () -> someone.markFeedItemsRead(MarkFeedItemsReadRequest.getDefaultInstance()));
        assertThat(code(neither)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(neither.getStatus().getDescription()).contains("set either names");
        final StatusRuntimeException both = failure(() -> someone.markFeedItemsRead(
                MarkFeedItemsReadRequest.newBuilder().setAll(true).addNames("feed/items/" + UUID.randomUUID()).build()));
        assertThat(code(both)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        final StatusRuntimeException badName = failure(() -> someone.markFeedItemsRead(
                MarkFeedItemsReadRequest.newBuilder().addNames("notifications/" + UUID.randomUUID()).build()));
        assertThat(code(badName)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(badName).getFieldViolations(0).getField()).isEqualTo("names[0]");
        final StatusRuntimeException bigPage = failure(() -> list(someone, 101, "", false));
        assertThat(badRequest(bigPage).getFieldViolations(0).getField()).isEqualTo("page_size");

        final NotificationServiceBlockingStub service = stub(KEYS.sign(
                KEYS.userToken("api-keys/" + UUID.randomUUID()).withClaim("kind", "service")
                    .withClaim("permissions", List.of("*"))));
        final StatusRuntimeException noFeed = failure(() -> list(service, 0, "", false));
        assertThat(code(noFeed)).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(errorInfo(noFeed).getReason()).isEqualTo("NO_USER_FEED");
        assertThat(code(failure(() -> service.markFeedItemsRead(MarkFeedItemsReadRequest.newBuilder().setAll(true)
                                                                                        .build()))))
                .isEqualTo(Status.Code.FAILED_PRECONDITION);
        final Recorder recorder = new Recorder();
        asyncStub(KEYS.sign(KEYS.userToken("api-keys/" + UUID.randomUUID()).withClaim("kind", "service")))
                .watchFeed(WatchFeedRequest.getDefaultInstance(), recorder);
        final StatusRuntimeException watchNoFeed = (StatusRuntimeException) recorder.done.join();
        assertThat(code(watchNoFeed)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    }

    @Test
    void aWatchGetsTheItemsThatArriveAfterItStartsAndSinceReplaysEarlierOnes() throws Exception {
        final String cleo = UUID.randomUUID().toString();
        final Notification before = deliver(cleo, "before the watch");
        final Recorder live = new Recorder();
        asyncStub(token(cleo)).watchFeed(WatchFeedRequest.getDefaultInstance(), live);
        final Recorder replaying = new Recorder();
        asyncStub(token(cleo)).watchFeed(WatchFeedRequest.newBuilder().setSince(
                com.google.protobuf.util.Timestamps.fromMillis(System.currentTimeMillis() - 60_000)).build(), replaying);
        final FeedItem replayed = replaying.next();
        assertThat(replayed.getNotification()).isEqualTo(before.getName());
        Poll.until(() -> assertThat(watchers()).isGreaterThanOrEqualTo(2));

        // someone else's item does not reach Cleo's streams
        deliver(UUID.randomUUID().toString(), "not Cleo's");
        final Notification after = sendInApp(cleo, "after the watch");
        final FeedItem item = live.next();
        assertThat(item.getNotification()).isEqualTo(after.getName());
        assertThat(item.getSubject()).isEqualTo("after the watch");
        assertThat(item.getName()).isEqualTo("feed/items/" + item.getId());
        assertThat(replaying.next().getNotification()).isEqualTo(after.getName());
        // and nothing else: not the earlier item, not someone else's, not a second copy
        assertThat(live.items.poll(1500, TimeUnit.MILLISECONDS)).isNull();
        assertThat(replaying.items.poll(10, TimeUnit.MILLISECONDS)).isNull();

        // since the first item's time: only what came after it
        final Recorder resumed = new Recorder();
        asyncStub(token(cleo)).watchFeed(WatchFeedRequest.newBuilder().setSince(replayed.getCreateTime()).build(),
                                         resumed);
        assertThat(resumed.next().getNotification()).isEqualTo(after.getName());
        assertThat(resumed.items.poll(700, TimeUnit.MILLISECONDS)).isNull();

        live.cancel();
        replaying.cancel();
        resumed.cancel();
        Poll.until(() -> assertThat(watchers()).isEqualTo(0));
        // a cancelled stream gets nothing more
        deliver(cleo, "after the cancel");
        assertThat(live.items.poll(1000, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aWatcherThatDoesNotReadIsEndedInsteadOfBufferedWithoutBound() {
        final String dan = UUID.randomUUID().toString();
        // big items, so that the transport's window fills after a few and the rest wait in the watcher
        admin.createTemplate(CreateTemplateRequest.newBuilder().setTemplateId("big-feed-item").setTemplate(
                Template.newBuilder().setChannel(Channel.CHANNEL_IN_APP)
                        .setBodyTemplate("{{n}} " + "x".repeat(20_000)).addVariables("n")).build());
        final Recorder stalled = new Recorder(true);
        // on a connection of its own: a stream that is not read fills the connection's window too
        final ClientFactory own = ClientFactory.builder().build();
        TestServers.grpc(server.port()).factory(own).addHeader("authorization", "Bearer " + token(dan))
                   .build(NotificationServiceStub.class).watchFeed(WatchFeedRequest.getDefaultInstance(), stalled);
        Poll.until(() -> assertThat(watchers()).isGreaterThanOrEqualTo(1));
        // ~200 items of 20 KB: more than the transport's window (1 MiB) and the watcher's queue hold;
        // in batches of 25, as the answers carry the rendered bodies
        for (int b = 0; b < 8; b++) {
            final BatchSendNotificationsRequest.Builder batch = BatchSendNotificationsRequest.newBuilder();
            for (int i = 0; i < 25; i++) {
                batch.addRequests(SendNotificationRequest.newBuilder().setNotification(
                        Notification.newBuilder().setChannel(Channel.CHANNEL_IN_APP).setRecipient("users/" + dan)
                                    .setTemplate("templates/big-feed-item")
                                    .putTemplateVariables("n", String.valueOf(b * 25 + i))));
            }
            admin.batchSendNotifications(batch.build());
        }
        // the server gives up on it (the end waits behind the unread items: gRPC delivers it after them)
        Poll.until(() -> assertThat(watchers()).isEqualTo(0));
        stalled.call.get().request(Integer.MAX_VALUE);
        final Throwable ended = stalled.done.orTimeout(60, TimeUnit.SECONDS).join();
        assertThat(code((StatusRuntimeException) ended)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(errorInfo((StatusRuntimeException) ended).getReason()).isEqualTo("WATCHER_TOO_SLOW");
        // what it got before the end: what the transport held, not all 200
        assertThat(stalled.items.size()).isLessThan(200);
        own.close();
    }

    /** Collects a stream's items; {@code stalled} reads none (flow control: the server must hold them). */
    private static final class Recorder implements ClientResponseObserver<WatchFeedRequest, FeedItem> {
        final BlockingQueue<FeedItem> items = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> done = new CompletableFuture<>();
        private final boolean stalled;
        private final AtomicReference<ClientCallStreamObserver<WatchFeedRequest>> call = new AtomicReference<>();

        Recorder() {
            this(false);
        }

        Recorder(boolean stalled) {
            this.stalled = stalled;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchFeedRequest> requestStream) {
            call.set(requestStream);
            if (stalled) {
                requestStream.disableAutoRequestWithInitial(0);
            }
        }

        FeedItem next() throws InterruptedException {
            final FeedItem item = items.poll(20, TimeUnit.SECONDS);
            assertThat(item).as("an item within 20 s (stream ended: %s)", done.getNow(null)).isNotNull();
            return item;
        }

        void cancel() {
            call.get().cancel("the test is done", null);
        }

        @Override
        public void onNext(FeedItem value) {
            items.add(value);
        }

        @Override
        public void onError(Throwable t) {
            done.complete(t);
        }

        @Override
        public void onCompleted() {
            done.complete(null);
        }
    }
}
