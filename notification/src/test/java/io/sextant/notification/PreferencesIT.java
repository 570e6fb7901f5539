package io.sextant.notification;

import static io.sextant.notification.NotificationTesting.anonymous;
import static io.sextant.notification.NotificationTesting.stub;
import static io.sextant.platform.testing.GrpcErrors.badRequest;
import static io.sextant.platform.testing.GrpcErrors.code;
import static io.sextant.platform.testing.GrpcErrors.errorInfo;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.protobuf.FieldMask;
import com.icegreen.greenmail.util.GreenMail;

import io.grpc.Status;
import io.sextant.notification.v1.CancelNotificationRequest;
import io.sextant.notification.v1.Channel;
import io.sextant.notification.v1.GetNotificationPreferencesRequest;
import io.sextant.notification.v1.GetNotificationRequest;
import io.sextant.notification.v1.ListNotificationsRequest;
import io.sextant.notification.v1.Notification;
import io.sextant.notification.v1.NotificationPreferences;
import io.sextant.notification.v1.NotificationServiceGrpc.NotificationServiceBlockingStub;
import io.sextant.notification.v1.NotificationStatus;
import io.sextant.notification.v1.OptOut;
import io.sextant.notification.v1.ScheduleNotificationRequest;
import io.sextant.notification.v1.SendNotificationRequest;
import io.sextant.notification.v1.UnsubscribeRequest;
import io.sextant.notification.v1.UnsubscribeResponse;
import io.sextant.notification.v1.UpdateNotificationPreferencesRequest;
import io.sextant.notification.prefs.UnsubscribeLinks;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.resource.ProtoTime;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestPostgres;
import jakarta.mail.internet.MimeMessage;

/**
 * Recipients' preferences over real gRPC on a real PostgreSQL with the real delivery engine: opt-outs
 * by channel and category that suppress what is due (transactional categories excepted), the
 * one-click unsubscribe links of real e-mails received by GreenMail, and the history a recipient
 * sees of what was addressed to them.
 */
class PreferencesIT {

    private static final NotificationTesting TESTING = new NotificationTesting("preferences-it");
    private static final String URL = "https://api.example.test/v1/notifications:unsubscribe";

    private static GreenMail mail;
    private static DbConfig db;
    private static SextantServer server;
    private static NotificationServiceBlockingStub admin;

    @BeforeAll
    static void start() {
        mail = TestNotificationServers.greenMail();
        db = TestPostgres.newDatabase("notification");
        server = TESTING.start(db, Map.of(
                "SMTP_HOST", "127.0.0.1", "SMTP_PORT", String.valueOf(mail.getSmtp().getPort()), "SMTP_TLS", "none",
                "SMTP_FROM", "Sextant <no-reply@sextant.test>", "SMTP_TIMEOUT", "1s", "NOTIFICATION_LEASE", "5s",
                "UNSUBSCRIBE_URL", URL));
        admin = stub(server, TESTING.token(UUID.randomUUID().toString(), "*"));
    }

    @AfterAll
    static void stop() {
        server.close();
        mail.stop();
    }

    /** The fields a refusal names. */
    private static List<String> fields(io.grpc.StatusRuntimeException e) {
        return badRequest(e).getFieldViolationsList().stream().map(v -> v.getField()).toList();
    }

    private static NotificationServiceBlockingStub user(String id, String... permissions) {
        return stub(server, TESTING.token(id, permissions));
    }

    private static NotificationPreferences get(NotificationServiceBlockingStub stub, String name) {
        return stub.getNotificationPreferences(GetNotificationPreferencesRequest.newBuilder().setName(name).build())
                   .getPreferences();
    }

    private static NotificationPreferences update(NotificationServiceBlockingStub stub, String name, OptOut... optOuts) {
        return stub.updateNotificationPreferences(UpdateNotificationPreferencesRequest.newBuilder().setPreferences(
                NotificationPreferences.newBuilder().setName(name).addAllOptOuts(List.of(optOuts))).build())
                   .getPreferences();
    }

    private static OptOut optOut(Channel channel, String category) {
        return OptOut.newBuilder().setChannel(channel).setCategory(category).build();
    }

    private static Notification send(Channel channel, String recipient, String category, String subject) {
        return admin.sendNotification(SendNotificationRequest.newBuilder().setNotification(
                Notification.newBuilder().setChannel(channel).setRecipient(recipient).setCategory(category)
                            .setSubject(subject).setBody("Text of " + subject)).build()).getNotification();
    }

    private static Notification await(String name, NotificationStatus status) {
        final Notification[] last = new Notification[1];
        Poll.until(() -> {
            last[0] = admin.getNotification(GetNotificationRequest.newBuilder().setName(name).build()).getNotification();
            assertThat(last[0].getStatus()).isEqualTo(status);
        });
        return last[0];
    }

    private static MimeMessage mailOf(Notification n) throws Exception {
        for (MimeMessage message : mail.getReceivedMessages()) {
            if (("<" + n.getId() + "@sextant.notification>").equals(message.getMessageID())) {
                return message;
            }
        }
        throw new AssertionError("no e-mail of " + n.getName());
    }

    // ---- the preferences resource

    @Test
    void aUserReadsAndReplacesTheirOwnOptOutsAndOthersNeedPermissions() {
        final String id = UUID.randomUUID().toString();
        final NotificationServiceBlockingStub ada = user(id);
        final NotificationPreferences fresh = get(ada, "users/me/notificationPreferences");
        assertThat(fresh.getName()).isEqualTo("users/" + id + "/notificationPreferences");
        assertThat(fresh.getOptOutsList()).isEmpty();
        assertThat(fresh.hasUpdateTime()).isFalse();

        final Instant before = Instant.now().minusSeconds(1);
        final NotificationPreferences changed = update(ada, "users/me/notificationPreferences",
                                                       optOut(Channel.CHANNEL_SMS, ""),
                                                       optOut(Channel.CHANNEL_UNSPECIFIED, "digest"),
                                                       optOut(Channel.CHANNEL_EMAIL, "newsletter"),
                                                       optOut(Channel.CHANNEL_EMAIL, "newsletter"));
        assertThat(changed.getOptOutsList()).containsExactly(optOut(Channel.CHANNEL_UNSPECIFIED, "digest"),
                                                             optOut(Channel.CHANNEL_EMAIL, "newsletter"),
                                                             optOut(Channel.CHANNEL_SMS, ""));
        assertThat(ProtoTime.instant(changed.getUpdateTime())).isAfter(before);
        assertThat(get(ada, "users/" + id + "/notificationPreferences")).isEqualTo(changed);

        // others: a stranger sees nothing, a reader reads but cannot change, a manager changes
        final String name = "users/" + id + "/notificationPreferences";
        assertThat(code(failure(() -> get(user(UUID.randomUUID().toString()), name)))).isEqualTo(Status.Code.NOT_FOUND);
        final NotificationServiceBlockingStub reader = user(UUID.randomUUID().toString(), "notifications.read");
        assertThat(get(reader, name).getOptOutsList()).hasSize(3);
        assertThat(code(failure(() -> update(reader, name)))).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(update(user(UUID.randomUUID().toString(), "notifications.manage"), name).getOptOutsList()).isEmpty();
        assertThat(get(ada, "users/me/notificationPreferences").getOptOutsList()).isEmpty();
    }

    @Test
    void badPreferencesAreRefusedNamingTheField() {
        final NotificationServiceBlockingStub ada = user(UUID.randomUUID().toString());
        assertThat(fields(failure(() -> update(ada, "users/me/notificationPreferences",
                                                   optOut(Channel.CHANNEL_UNSPECIFIED, "")))))
                .contains("preferences.opt_outs[0]");
        assertThat(fields(failure(() -> update(ada, "users/me/notificationPreferences",
                                                   optOut(Channel.CHANNEL_EMAIL, "Not A Category")))))
                .contains("preferences.opt_outs[0].category");
        assertThat(fields(failure(() -> get(ada, "users/nobody/notificationPreferences")))).contains("name");
        assertThat(fields(failure(() -> ada.updateNotificationPreferences(
                UpdateNotificationPreferencesRequest.newBuilder()
                        .setPreferences(NotificationPreferences.newBuilder().setName("users/me/notificationPreferences"))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("update_time")).build()))))
                .contains("update_mask");
        final OptOut[] many = new OptOut[101];
        for (int i = 0; i < many.length; i++) {
            many[i] = optOut(Channel.CHANNEL_EMAIL, "c" + i);
        }
        assertThat(fields(failure(() -> update(ada, "users/me/notificationPreferences", many))))
                .contains("preferences.opt_outs");
        // a service has no preferences of its own
        final NotificationServiceBlockingStub service = stub(server, TESTING.serviceToken("api-keys/" + UUID.randomUUID(),
                                                                                        "notifications.send"));
        assertThat(errorInfo(failure(() -> get(service, "users/me/notificationPreferences"))).getReason())
                .isEqualTo("NO_USER");
    }

    // ---- what opt-outs do

    @Test
    void optedOutNotificationsAreSuppressedWhenDueAndTransactionalOnesStillGo() {
        final String id = UUID.randomUUID().toString();
        final NotificationServiceBlockingStub ada = user(id);
        final Notification scheduled = admin.scheduleNotification(ScheduleNotificationRequest.newBuilder().setNotification(
                Notification.newBuilder().setChannel(Channel.CHANNEL_IN_APP).setRecipient("users/" + id)
                            .setCategory("newsletter").setBody("Later")
                            .setScheduleTime(ProtoTime.timestamp(Instant.now().plusSeconds(2)))).build())
                                             .getNotification();
        update(ada, "users/me/notificationPreferences", optOut(Channel.CHANNEL_IN_APP, "newsletter"),
               optOut(Channel.CHANNEL_UNSPECIFIED, "password-reset"));

        final Notification newsletter = await(send(Channel.CHANNEL_IN_APP, "users/" + id, "newsletter", "News").getName(),
                                              NotificationStatus.NOTIFICATION_STATUS_SUPPRESSED);
        assertThat(newsletter.getError()).contains("opted out").contains("'newsletter'").contains("IN_APP");
        assertThat(newsletter.getAttempts()).isZero();
        assertThat(newsletter.getDeliveryAttemptsList()).isEmpty();
        // scheduled before the opt-out: decided when due
        await(scheduled.getName(), NotificationStatus.NOTIFICATION_STATUS_SUPPRESSED);
        // another category, and a transactional one despite its opt-out
        await(send(Channel.CHANNEL_IN_APP, "users/" + id, "mentions", "Mention").getName(),
              NotificationStatus.NOTIFICATION_STATUS_SENT);
        await(send(Channel.CHANNEL_IN_APP, "users/" + id, "password-reset", "Reset").getName(),
              NotificationStatus.NOTIFICATION_STATUS_SENT);
        // a suppressed notification is final: nothing to cancel, and the filter finds it
        assertThat(errorInfo(failure(() -> admin.cancelNotification(
                CancelNotificationRequest.newBuilder().setName(newsletter.getName()).build()))).getReason())
                .isEqualTo("DELIVERY_STARTED");
        assertThat(admin.listNotifications(ListNotificationsRequest.newBuilder().setFilter(
                "status = SUPPRESSED AND recipient = \"users/" + id + "\"").build()).getNotificationsList())
                .extracting(Notification::getName).containsExactlyInAnyOrder(newsletter.getName(), scheduled.getName());
    }

    @Test
    void anEmailCarriesAOneClickUnsubscribeLinkThatWorksWithoutSignIn() throws Exception {
        final String to = "grace." + UUID.randomUUID() + "@example.test";
        final Notification news = await(send(Channel.CHANNEL_EMAIL, to, "newsletter", "News").getName(),
                                        NotificationStatus.NOTIFICATION_STATUS_SENT);
        final MimeMessage message = mailOf(news);
        assertThat(message.getHeader("List-Unsubscribe-Post", null)).isEqualTo("List-Unsubscribe=One-Click");
        final String link = message.getHeader("List-Unsubscribe", null);
        final Matcher matcher = Pattern.compile("^<" + Pattern.quote(URL) + "\\?token=([A-Za-z0-9._-]+)>$").matcher(link);
        assertThat(matcher.matches()).as(link).isTrue();
        final String token = URLDecoder.decode(matcher.group(1), StandardCharsets.UTF_8);

        // a transactional e-mail has no link
        final Notification reset = await(send(Channel.CHANNEL_EMAIL, to, "password-reset", "Reset").getName(),
                                         NotificationStatus.NOTIFICATION_STATUS_SENT);
        assertThat(mailOf(reset).getHeader("List-Unsubscribe")).isNull();

        // forged or damaged tokens are refused; the real one works without a token, twice
        final NotificationServiceBlockingStub anyone = anonymous(server);
        final String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA" + token.substring(token.lastIndexOf('.') + 5);
        for (String bad : List.of(forged, "u1.x.y", "nonsense", token + "x")) {
            assertThat(fields(failure(() -> anyone.unsubscribe(UnsubscribeRequest.newBuilder().setToken(bad).build()))))
                    .as(bad).contains("token");
        }
        final UnsubscribeResponse done = anyone.unsubscribe(UnsubscribeRequest.newBuilder().setToken(token).build());
        assertThat(done.getChannel()).isEqualTo(Channel.CHANNEL_EMAIL);
        assertThat(done.getCategory()).isEqualTo("newsletter");
        assertThat(anyone.unsubscribe(UnsubscribeRequest.newBuilder().setToken(token).build())).isEqualTo(done);

        // the address (in any case) gets no more newsletters, but other categories and other addresses still go
        await(send(Channel.CHANNEL_EMAIL, to.toUpperCase(), "newsletter", "News 2").getName(),
              NotificationStatus.NOTIFICATION_STATUS_SUPPRESSED);
        await(send(Channel.CHANNEL_EMAIL, to, "product-updates", "Update").getName(),
              NotificationStatus.NOTIFICATION_STATUS_SENT);
        await(send(Channel.CHANNEL_EMAIL, "other." + to, "newsletter", "News 3").getName(),
              NotificationStatus.NOTIFICATION_STATUS_SENT);
    }

    @Test
    void aLinkOfAnEmailToAUserOptsTheUserOutAndAnyReplicaChecksIt() {
        final String id = UUID.randomUUID().toString();
        final NotificationServiceBlockingStub ada = user(id);
        // another replica on the same database signs with the same key (an e-mail to users/{id} takes
        // the user's address from the users service; the link names the user, not the address)
        final Map<String, String> headers = new UnsubscribeLinks(Jdbi.create(db.url(), db.user(), db.password()).installPlugins(), URL)
                .headers("users/" + id, "ada@example.test", "");
        final Matcher matcher = Pattern.compile("^<" + Pattern.quote(URL) + "\\?token=([A-Za-z0-9._-]+)>$")
                                       .matcher(headers.get("List-Unsubscribe"));
        assertThat(matcher.matches()).isTrue();

        final UnsubscribeResponse done = anonymous(server).unsubscribe(
                UnsubscribeRequest.newBuilder().setToken(matcher.group(1)).build());
        assertThat(done.getChannel()).isEqualTo(Channel.CHANNEL_EMAIL);
        assertThat(done.getCategory()).isEmpty();
        assertThat(get(ada, "users/me/notificationPreferences").getOptOutsList())
                .containsExactly(optOut(Channel.CHANNEL_EMAIL, ""));
    }

    // ---- the recipient's view of the history

    @Test
    void aRecipientSeesWhatWasAddressedToThemButCannotCancelIt() {
        final String id = UUID.randomUUID().toString();
        final NotificationServiceBlockingStub ada = user(id);
        final Notification scheduled = admin.scheduleNotification(ScheduleNotificationRequest.newBuilder().setNotification(
                Notification.newBuilder().setChannel(Channel.CHANNEL_IN_APP).setRecipient("users/" + id)
                            .setBody("For Ada").setScheduleTime(ProtoTime.timestamp(Instant.now().plusSeconds(3600))))
                                                                                      .build()).getNotification();
        send(Channel.CHANNEL_IN_APP, "users/" + UUID.randomUUID(), "", "For someone else");

        assertThat(ada.getNotification(GetNotificationRequest.newBuilder().setName(scheduled.getName()).build())
                      .getNotification().getBody()).isEqualTo("For Ada");
        assertThat(ada.listNotifications(ListNotificationsRequest.getDefaultInstance()).getNotificationsList())
                .extracting(Notification::getName).containsExactly(scheduled.getName());
        assertThat(code(failure(() -> ada.cancelNotification(
                CancelNotificationRequest.newBuilder().setName(scheduled.getName()).build()))))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        final NotificationServiceBlockingStub stranger = user(UUID.randomUUID().toString());
        assertThat(code(failure(() -> stranger.getNotification(
                GetNotificationRequest.newBuilder().setName(scheduled.getName()).build()))))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(stranger.listNotifications(ListNotificationsRequest.getDefaultInstance()).getNotificationsList())
                .isEmpty();
    }
}
