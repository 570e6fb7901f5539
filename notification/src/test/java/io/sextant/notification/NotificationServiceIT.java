package io.sextant.notification;

import static io.sextant.platform.testing.GrpcErrors.badRequest;
import static io.sextant.platform.testing.GrpcErrors.code;
import static io.sextant.platform.testing.GrpcErrors.errorInfo;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.auth0.jwt.JWT;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Timestamps;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.notification.v1.BatchSendNotificationsRequest;
import io.sextant.notification.v1.BatchSendNotificationsResponse;
import io.sextant.notification.v1.CancelNotificationRequest;
import io.sextant.notification.v1.Channel;
import io.sextant.notification.v1.CreateTemplateRequest;
import io.sextant.notification.v1.DeliveryOutcome;
import io.sextant.notification.v1.GetNotificationRequest;
import io.sextant.notification.v1.GetTemplateRequest;
import io.sextant.notification.v1.ListNotificationsRequest;
import io.sextant.notification.v1.ListNotificationsResponse;
import io.sextant.notification.v1.ListTemplatesRequest;
import io.sextant.notification.v1.Notification;
import io.sextant.notification.v1.NotificationServiceGrpc.NotificationServiceBlockingStub;
import io.sextant.notification.v1.NotificationStatus;
import io.sextant.notification.v1.RenderTemplateRequest;
import io.sextant.notification.v1.RenderTemplateResponse;
import io.sextant.notification.v1.ScheduleNotificationRequest;
import io.sextant.notification.v1.SendNotificationRequest;
import io.sextant.notification.v1.Template;
import io.sextant.notification.v1.TemplateContent;
import io.sextant.notification.v1.UpdateTemplateRequest;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.identity.Authz;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestKeys;
import io.sextant.platform.testing.TestPostgres;
import io.sextant.platform.testing.TestServers;
import io.sextant.platform.testing.TestTokenExchange;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

/**
 * The notification service over real gRPC on a real PostgreSQL, sending real e-mail over SMTP to
 * GreenMail, with tokens signed by a test key, a small real users service standing in for GetUser
 * (checking its caller as users does), and auth's ExchangeApiKey for the service's own token.
 */
class NotificationServiceIT {

    private static final TestKeys KEYS = TestKeys.generate("notification-it");
    private static final String SENDER_ID = UUID.randomUUID().toString();
    private static final String OTHER_SENDER_ID = UUID.randomUUID().toString();
    private static final String READER_ID = UUID.randomUUID().toString();
    private static final String NOBODY_ID = UUID.randomUUID().toString();
    /** A user the stand-in users service knows. */
    private static final String GRACE_ID = UUID.randomUUID().toString();
    private static final String GRACE_EMAIL = "grace@users.test";
    private static final List<String> USERS_AUTHORIZATION = new CopyOnWriteArrayList<>();
    /** The notification service's own secret, which the stand-in auth exchanges for its token. */
    private static final String SERVICE_SECRET = "sxs_notification-it-secret-0000000000000";

    private static TestTokenExchange auth;
    private static SextantServer fakeUsers;
    private static GreenMail mail;
    private static DbConfig db;
    private static Jdbi jdbi;
    private static SextantServer server;
    private static final List<AutoCloseable> LATER = new ArrayList<>();
    private static String senderToken;
    private static NotificationServiceBlockingStub admin;
    private static NotificationServiceBlockingStub sender;
    private static NotificationServiceBlockingStub otherSender;
    private static NotificationServiceBlockingStub reader;
    private static NotificationServiceBlockingStub nobody;

    @BeforeAll
    static void start() {
        auth = new TestTokenExchange(KEYS, "notification", SERVICE_SECRET, List.of("users.read"));
        fakeUsers = TestNotificationServers.usersKnowing(GRACE_ID, GRACE_EMAIL, USERS_AUTHORIZATION, KEYS);
        mail = TestNotificationServers.greenMail();
        db = TestPostgres.newDatabase("notification");
        jdbi = Jdbi.create(db.url(), db.user(), db.password());
        server = start(db, Map.of("SMTP_PORT", String.valueOf(mail.getSmtp().getPort())));

        senderToken = token(SENDER_ID, "notifications.send");
        admin = stub(server, token(UUID.randomUUID().toString(), "*"));
        sender = stub(server, senderToken);
        otherSender = stub(server, token(OTHER_SENDER_ID, "notifications.send"));
        reader = stub(server, token(READER_ID, "notifications.read"));
        nobody = stub(server, token(NOBODY_ID));
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable closeable : LATER) {
            closeable.close();
        }
        server.close();
        mail.stop();
        fakeUsers.close();
        auth.close();
    }

    /** A notification server on the database, sending to GreenMail unless {@code overrides} say otherwise. */
    private static SextantServer start(DbConfig database, Map<String, String> overrides) {
        final Map<String, String> env = TestNotificationServers.settings(database, fakeUsers.port());
        env.put("AUTH_TARGET", auth.target());
        env.put("SERVICE_SECRET", SERVICE_SECRET);
        env.put("NOTIFICATION_POLL_INTERVAL", "50ms");
        env.put("NOTIFICATION_RETRY_INITIAL", "100ms");
        env.put("NOTIFICATION_RETRY_MAX", "400ms");
        env.put("NOTIFICATION_MAX_ATTEMPTS", "3");
        env.putAll(overrides);
        return TestNotificationServers.start(env, KEYS);
    }

    private static String token(String subject, String... permissions) {
        return KEYS.sign(KEYS.userToken(subject).withClaim("permissions", List.of(permissions)));
    }

    private static NotificationServiceBlockingStub stub(SextantServer target, String token) {
        return TestServers.grpc(target.port()).addHeader("authorization", "Bearer " + token)
                          .build(NotificationServiceBlockingStub.class);
    }

    private static Notification email(String to, String subject, String body) {
        return Notification.newBuilder().setChannel(Channel.CHANNEL_EMAIL).setRecipient(to).setSubject(subject)
                           .setBody(body).build();
    }

    private static Notification send(NotificationServiceBlockingStub stub, Notification notification) {
        return stub.sendNotification(SendNotificationRequest.newBuilder().setNotification(notification).build())
                   .getNotification();
    }

    private static Notification get(NotificationServiceBlockingStub stub, String name) {
        return stub.getNotification(GetNotificationRequest.newBuilder().setName(name).build()).getNotification();
    }

    private static Notification awaitStatus(SextantServer target, String name, NotificationStatus status) {
        final NotificationServiceBlockingStub stub = stub(target, token(UUID.randomUUID().toString(), "*"));
        final Notification[] last = new Notification[1];
        Poll.until(() -> {
            last[0] = get(stub, name);
            assertThat(last[0].getStatus()).isEqualTo(status);
        });
        return last[0];
    }

    /** The messages GreenMail holds for the notification (by its Message-ID). */
    private static List<MimeMessage> mailsOf(GreenMail greenMail, String notificationId) throws Exception {
        final List<MimeMessage> found = new ArrayList<>();
        for (MimeMessage message : greenMail.getReceivedMessages()) {
            if (("<" + notificationId + "@sextant.notification>").equals(message.getMessageID())) {
                found.add(message);
            }
        }
        return found;
    }

    private static long rows(String sql) {
        return jdbi.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    private static Template welcomeTemplate(String id) {
        return admin.createTemplate(CreateTemplateRequest.newBuilder().setTemplateId(id).setTemplate(
                Template.newBuilder()
                        .setDisplayName("Welcome")
                        .setChannel(Channel.CHANNEL_EMAIL)
                        .setSubjectTemplate("Welcome, {{first_name}}")
                        .setBodyTemplate("Hello {{first_name}}, your code is {{code}}.")
                        .setHtmlBodyTemplate("<p>Hello {{first_name}}</p>")
                        .addVariables("first_name")
                        .putLocales("de", TemplateContent.newBuilder()
                                                         .setSubjectTemplate("Willkommen, {{first_name}}")
                                                         .setBodyTemplate("Hallo {{first_name}}, dein Code ist {{code}}.")
                                                         .setHtmlBodyTemplate("<p>Hallo {{first_name}}</p>")
                                                         .build()))
                .build()).getTemplate();
    }

    // ---- sending

    @Test
    void aTemplatedEmailInTheRecipientsLocaleReachesTheMailbox() throws Exception {
        final Template template = welcomeTemplate("welcome-mail");
        assertThat(template.getName()).isEqualTo("templates/welcome-mail");
        assertThat(template.getLocalesMap()).containsKey("de");

        final Notification accepted = send(sender, Notification.newBuilder()
                .setChannel(Channel.CHANNEL_EMAIL).setRecipient("ada@mail.test")
                .setTemplate("templates/welcome-mail").setLocale("de-AT").setCategory("welcome")
                .putTemplateVariables("first_name", "<Ada>").putTemplateVariables("code", "42").build());
        assertThat(accepted.getStatus()).isIn(NotificationStatus.NOTIFICATION_STATUS_QUEUED,
                                              NotificationStatus.NOTIFICATION_STATUS_SENDING,
                                              NotificationStatus.NOTIFICATION_STATUS_SENT);
        assertThat(accepted.getSubject()).isEqualTo("Willkommen, <Ada>");
        assertThat(accepted.getCreator()).isEqualTo("users/" + SENDER_ID);

        final Notification sent = awaitStatus(server, accepted.getName(), NotificationStatus.NOTIFICATION_STATUS_SENT);
        assertThat(sent.getAttempts()).isEqualTo(1);
        assertThat(sent.hasSendTime()).isTrue();
        assertThat(sent.getDeliveryAttemptsList()).hasSize(1);
        assertThat(sent.getDeliveryAttempts(0).getOutcome()).isEqualTo(DeliveryOutcome.DELIVERY_OUTCOME_SENT);
        assertThat(sent.getDeliveryAttempts(0).getProvider()).isEqualTo("smtp");

        final List<MimeMessage> received = mailsOf(mail, accepted.getId());
        assertThat(received).hasSize(1);
        final MimeMessage message = received.get(0);
        assertThat(message.getSubject()).isEqualTo("Willkommen, <Ada>");
        assertThat(message.getAllRecipients()[0].toString()).isEqualTo("ada@mail.test");
        assertThat(message.getHeader("X-Sextant-Category")[0]).isEqualTo("welcome");
        assertThat(message.getContentType()).startsWith("multipart/alternative");
        final MimeMultipart parts = (MimeMultipart) message.getContent();
        assertThat(parts.getCount()).isEqualTo(2);
        assertThat(parts.getBodyPart(0).getContent().toString()).isEqualTo("Hallo <Ada>, dein Code ist 42.");
        // escaped in the HTML alternative only
        assertThat(parts.getBodyPart(1).getContent().toString()).isEqualTo("<p>Hallo &lt;Ada&gt;</p>");
    }

    @Test
    void aLiteralBodyIsSentAsPlainText() throws Exception {
        final Notification accepted = send(sender, email("literal@mail.test", "Plain", "Just text."));
        awaitStatus(server, accepted.getName(), NotificationStatus.NOTIFICATION_STATUS_SENT);
        final MimeMessage message = mailsOf(mail, accepted.getId()).get(0);
        assertThat(message.getSubject()).isEqualTo("Plain");
        assertThat(message.getContentType()).startsWith("text/plain");
        assertThat(message.getContent().toString().strip()).isEqualTo("Just text.");
        assertThat(message.getFrom()[0].toString()).contains("no-reply@sextant.test");
    }

    @Test
    void aUsersRecipientIsResolvedAsTheNotificationServiceSoTheSenderNeedsOnlyNotificationsSend() throws Exception {
        // the sender holds notifications.send and not users.read, which users would refuse it
        final int before = USERS_AUTHORIZATION.size();
        final Notification accepted = send(sender, email("users/" + GRACE_ID, "Hi", "Hello Grace."));
        assertThat(accepted.getRecipient()).isEqualTo("users/" + GRACE_ID);
        awaitStatus(server, accepted.getName(), NotificationStatus.NOTIFICATION_STATUS_SENT);
        assertThat(mailsOf(mail, accepted.getId()).get(0).getAllRecipients()[0].toString()).isEqualTo(GRACE_EMAIL);
        // users got the service's token, never the caller's
        assertThat(USERS_AUTHORIZATION.subList(before, USERS_AUTHORIZATION.size())).singleElement().satisfies(a -> {
            assertThat(a).isNotEqualTo("Bearer " + senderToken);
            final DecodedJWT token = JWT.decode(a.substring("Bearer ".length()));
            assertThat(token.getSubject()).isEqualTo("services/notification");
            assertThat(token.getClaim("permissions").asList(String.class)).containsExactly("users.read");
        });

        final StatusRuntimeException unknown = failure(
                () -> send(sender, email("users/" + UUID.randomUUID(), "Hi", "Nobody.")));
        assertThat(code(unknown)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(unknown).getFieldViolations(0).getField()).isEqualTo("notification.recipient");
    }

    @Test
    void inAppNotificationsLandInTheUsersFeed() {
        final Notification accepted = send(sender, Notification.newBuilder()
                .setChannel(Channel.CHANNEL_IN_APP).setRecipient("users/" + GRACE_ID).setSubject("Build")
                .setBody("Your build is green.").setCategory("builds").build());
        awaitStatus(server, accepted.getName(), NotificationStatus.NOTIFICATION_STATUS_SENT);
        assertThat(rows("SELECT count(*) FROM feed_items WHERE notification_id = '" + accepted.getId()
                        + "' AND user_id = '" + GRACE_ID + "' AND body = 'Your build is green.'")).isEqualTo(1);
    }

    // ---- validation

    @Test
    void badInputIsRefusedNamingTheFieldAndNothingIsStored() {
        welcomeTemplate("welcome-validation");
        final long before = rows("SELECT count(*) FROM notifications");

        final StatusRuntimeException address = failure(() -> send(sender, email("not-an-address", "s", "b")));
        assertThat(code(address)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(address).getFieldViolations(0).getField()).startsWith("notification");
        assertThat(address.getMessage()).contains("e-mail address");

        final StatusRuntimeException category = failure(() -> send(sender, email("x@mail.test", "s", "b")
                .toBuilder().setCategory("Not Valid").build()));
        assertThat(badRequest(category).getFieldViolations(0).getField()).isEqualTo("notification.category");

        final StatusRuntimeException missing = failure(() -> send(sender, Notification.newBuilder()
                .setChannel(Channel.CHANNEL_EMAIL).setRecipient("x@mail.test").setTemplate("templates/welcome-validation")
                .putTemplateVariables("code", "1").build()));
        assertThat(code(missing)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(missing).getFieldViolations(0).getField())
                .isEqualTo("notification.template_variables[\"first_name\"]");

        final StatusRuntimeException used = failure(() -> send(sender, Notification.newBuilder()
                .setChannel(Channel.CHANNEL_EMAIL).setRecipient("x@mail.test").setTemplate("templates/welcome-validation")
                .putTemplateVariables("first_name", "Ada").build()));
        assertThat(badRequest(used).getFieldViolations(0).getField())
                .isEqualTo("notification.template_variables[\"code\"]");

        final StatusRuntimeException wrongChannel = failure(() -> send(sender, Notification.newBuilder()
                .setChannel(Channel.CHANNEL_SMS).setRecipient("+4930123456").setTemplate("templates/welcome-validation")
                .build()));
        // no SMS provider on this branch's server: the channel is refused before the template is read
        assertThat(code(wrongChannel)).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(errorInfo(wrongChannel).getReason()).isEqualTo("CHANNEL_NOT_CONFIGURED");

        final StatusRuntimeException otherChannel = failure(() -> send(sender, Notification.newBuilder()
                .setChannel(Channel.CHANNEL_IN_APP).setRecipient("users/" + GRACE_ID)
                .setTemplate("templates/welcome-validation").build()));
        assertThat(code(otherChannel)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(otherChannel).getFieldViolations(0).getField()).isEqualTo("notification.template");

        final StatusRuntimeException noTemplate = failure(() -> send(sender, Notification.newBuilder()
                .setChannel(Channel.CHANNEL_EMAIL).setRecipient("x@mail.test").setTemplate("templates/no-such")
                .build()));
        assertThat(code(noTemplate)).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(noTemplate.getMessage()).contains("notification.template");

        // a batch is all or nothing: the second request's error names it, the first is not stored
        final StatusRuntimeException batch = failure(() -> sender.batchSendNotifications(
                BatchSendNotificationsRequest.newBuilder()
                        .addRequests(SendNotificationRequest.newBuilder().setNotification(email("b1@mail.test", "s", "b")))
                        .addRequests(SendNotificationRequest.newBuilder().setNotification(Notification.newBuilder()
                                .setChannel(Channel.CHANNEL_EMAIL).setRecipient("b2@mail.test")
                                .setTemplate("templates/welcome-validation").putTemplateVariables("code", "1")))
                        .build()));
        assertThat(badRequest(batch).getFieldViolations(0).getField())
                .isEqualTo("requests[1].notification.template_variables[\"first_name\"]");
        assertThat(rows("SELECT count(*) FROM notifications")).isEqualTo(before);

        final StatusRuntimeException mustache = failure(() -> admin.createTemplate(CreateTemplateRequest.newBuilder()
                .setTemplateId("broken").setTemplate(Template.newBuilder().setChannel(Channel.CHANNEL_EMAIL)
                                                             .setBodyTemplate("{{#open}} never closed"))
                .build()));
        assertThat(badRequest(mustache).getFieldViolations(0).getField()).isEqualTo("template.body_template");

        final StatusRuntimeException variant = failure(() -> admin.createTemplate(CreateTemplateRequest.newBuilder()
                .setTemplateId("broken-variant").setTemplate(Template.newBuilder().setChannel(Channel.CHANNEL_EMAIL)
                        .setBodyTemplate("fine").putLocales("fr", TemplateContent.newBuilder()
                                                                                .setBodyTemplate("{{/close}}").build()))
                .build()));
        assertThat(badRequest(variant).getFieldViolations(0).getField())
                .isEqualTo("template.locales[\"fr\"].body_template");
    }

    // ---- templates

    @Test
    void templatesAreCreatedChangedRenderedAndDeleted() {
        welcomeTemplate("welcome-crud");
        final long stored = rows("SELECT count(*) FROM notifications");
        final RenderTemplateResponse preview = sender.renderTemplate(RenderTemplateRequest.newBuilder()
                .setName("templates/welcome-crud").setLocale("de").putTemplateVariables("first_name", "Bob & Co")
                .putTemplateVariables("code", "7").build());
        assertThat(preview.getSubject()).isEqualTo("Willkommen, Bob & Co");
        assertThat(preview.getBody()).isEqualTo("Hallo Bob & Co, dein Code ist 7.");
        assertThat(preview.getHtmlBody()).isEqualTo("<p>Hallo Bob &amp; Co</p>");
        assertThat(preview.getLocale()).isEqualTo("de");
        assertThat(sender.renderTemplate(RenderTemplateRequest.newBuilder().setName("templates/welcome-crud")
                                                              .setLocale("fr").putTemplateVariables("first_name", "B")
                                                              .putTemplateVariables("code", "7").build())
                         .getSubject()).isEqualTo("Welcome, B");
        assertThat(rows("SELECT count(*) FROM notifications")).isEqualTo(stored);
        final StatusRuntimeException missing = failure(() -> sender.renderTemplate(RenderTemplateRequest.newBuilder()
                .setName("templates/welcome-crud").putTemplateVariables("code", "1").build()));
        assertThat(badRequest(missing).getFieldViolations(0).getField()).isEqualTo("template_variables[\"first_name\"]");

        final Template changed = admin.updateTemplate(UpdateTemplateRequest.newBuilder()
                .setTemplate(Template.newBuilder().setName("templates/welcome-crud").setDescription("changed")
                                     .setBodyTemplate("ignored: not in the mask"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("description"))
                .build()).getTemplate();
        assertThat(changed.getDescription()).isEqualTo("changed");
        assertThat(changed.getBodyTemplate()).startsWith("Hello {{first_name}}");
        assertThat(changed.getLocalesMap()).containsKey("de");

        final StatusRuntimeException badMask = failure(() -> admin.updateTemplate(UpdateTemplateRequest.newBuilder()
                .setTemplate(Template.newBuilder().setName("templates/welcome-crud").setBodyTemplate("{{#x}}"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("body_template")).build()));
        assertThat(badRequest(badMask).getFieldViolations(0).getField()).isEqualTo("template.body_template");

        assertThat(sender.listTemplates(ListTemplatesRequest.newBuilder().setFilter("channel = EMAIL").setPageSize(100)
                                                            .build()).getTemplatesList())
                .extracting(Template::getName).contains("templates/welcome-crud");
        assertThat(code(failure(() -> admin.createTemplate(CreateTemplateRequest.newBuilder()
                .setTemplateId("welcome-crud").setTemplate(Template.newBuilder().setChannel(Channel.CHANNEL_EMAIL)
                                                                   .setBodyTemplate("x")).build()))))
                .isEqualTo(Status.Code.ALREADY_EXISTS);

        admin.deleteTemplate(io.sextant.notification.v1.DeleteTemplateRequest.newBuilder()
                                                                             .setName("templates/welcome-crud").build());
        assertThat(code(failure(() -> sender.getTemplate(GetTemplateRequest.newBuilder()
                                                                           .setName("templates/welcome-crud").build()))))
                .isEqualTo(Status.Code.NOT_FOUND);
    }

    // ---- scheduling and cancelling

    @Test
    void aScheduledNotificationCanBeCancelledOnceAndASentOneNot() {
        final Notification scheduled = sender.scheduleNotification(ScheduleNotificationRequest.newBuilder()
                .setNotification(email("later@mail.test", "Later", "In an hour.").toBuilder()
                                         .setScheduleTime(Timestamps.fromMillis(Instant.now().plus(Duration.ofHours(1))
                                                                                       .toEpochMilli())))
                .build()).getNotification();
        assertThat(scheduled.getStatus()).isEqualTo(NotificationStatus.NOTIFICATION_STATUS_SCHEDULED);

        final Notification cancelled = sender.cancelNotification(CancelNotificationRequest.newBuilder()
                .setName(scheduled.getName()).build()).getNotification();
        assertThat(cancelled.getStatus()).isEqualTo(NotificationStatus.NOTIFICATION_STATUS_CANCELLED);
        assertThat(sender.cancelNotification(CancelNotificationRequest.newBuilder().setName(scheduled.getName()).build())
                         .getNotification().getStatus()).isEqualTo(NotificationStatus.NOTIFICATION_STATUS_CANCELLED);
        assertThat(rows("SELECT count(*) FROM notifications WHERE id = '" + scheduled.getId()
                        + "' AND next_attempt_at IS NULL")).isEqualTo(1);

        // a schedule that comes due is delivered then, not before
        final Instant due = Instant.now().plus(Duration.ofSeconds(2));
        final Notification soon = sender.scheduleNotification(ScheduleNotificationRequest.newBuilder()
                .setNotification(email("soon@mail.test", "Soon", "In two seconds.").toBuilder()
                                         .setScheduleTime(Timestamps.fromMillis(due.toEpochMilli())))
                .build()).getNotification();
        final Notification delivered = awaitStatus(server, soon.getName(), NotificationStatus.NOTIFICATION_STATUS_SENT);
        assertThat(Timestamps.toMillis(delivered.getSendTime())).isGreaterThanOrEqualTo(due.toEpochMilli());

        final Notification sent = send(sender, email("now@mail.test", "Now", "Now."));
        awaitStatus(server, sent.getName(), NotificationStatus.NOTIFICATION_STATUS_SENT);
        final StatusRuntimeException late = failure(() -> sender.cancelNotification(
                CancelNotificationRequest.newBuilder().setName(sent.getName()).build()));
        assertThat(code(late)).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(errorInfo(late).getReason()).isEqualTo("DELIVERY_STARTED");
    }

    @Test
    void aCancelThatWinsTheRaceIsNeverSentAndOneThatLosesIsSent() throws Exception {
        final int count = 40;
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final List<Future<Boolean>> outcomes = new ArrayList<>();
            final List<String> ids = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                final Notification accepted = send(sender, email("race" + i + "@mail.test", "Race", "Race " + i));
                ids.add(accepted.getId());
                outcomes.add(pool.submit(() -> {
                    try {
                        sender.cancelNotification(CancelNotificationRequest.newBuilder()
                                                                           .setName(accepted.getName()).build());
                        return true;
                    } catch (StatusRuntimeException e) {
                        assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION);
                        return false;
                    }
                }));
            }
            for (int i = 0; i < count; i++) {
                final String name = "notifications/" + ids.get(i);
                if (outcomes.get(i).get()) {
                    assertThat(get(sender, name).getStatus()).isEqualTo(NotificationStatus.NOTIFICATION_STATUS_CANCELLED);
                } else {
                    awaitStatus(server, name, NotificationStatus.NOTIFICATION_STATUS_SENT);
                }
            }
            // let anything that would wrongly go out go out, then count
            Thread.sleep(500);
            for (int i = 0; i < count; i++) {
                assertThat(mailsOf(mail, ids.get(i))).as("mails of " + ids.get(i))
                        .hasSize(outcomes.get(i).get() ? 0 : 1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- idempotency

    @Test
    void aRepeatedRequestIdReturnsTheFirstNotification() throws Exception {
        final String key = UUID.randomUUID().toString();
        final SendNotificationRequest request = SendNotificationRequest.newBuilder()
                .setNotification(email("once@mail.test", "Once", "Only once.")).setRequestId(key).build();
        final Notification first = sender.sendNotification(request).getNotification();
        final Notification again = sender.sendNotification(request).getNotification();
        assertThat(again.getId()).isEqualTo(first.getId());
        // the key is the caller's: another caller's same key is another notification
        final Notification others = otherSender.sendNotification(request).getNotification();
        assertThat(others.getId()).isNotEqualTo(first.getId());
        // in a batch too
        final BatchSendNotificationsResponse batch = sender.batchSendNotifications(
                BatchSendNotificationsRequest.newBuilder().addRequests(request)
                                             .addRequests(request.toBuilder().setRequestId(UUID.randomUUID().toString()))
                                             .build());
        assertThat(batch.getNotifications(0).getId()).isEqualTo(first.getId());
        assertThat(batch.getNotifications(1).getId()).isNotEqualTo(first.getId());

        awaitStatus(server, first.getName(), NotificationStatus.NOTIFICATION_STATUS_SENT);
        awaitStatus(server, others.getName(), NotificationStatus.NOTIFICATION_STATUS_SENT);
        assertThat(mailsOf(mail, first.getId())).hasSize(1);
    }

    // ---- who sees what

    @Test
    void permissionsDecideWhoSendsSeesAndCancels() {
        final StatusRuntimeException denied = failure(() -> send(nobody, email("x@mail.test", "s", "b")));
        assertThat(code(denied)).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(code(failure(() -> sender.createTemplate(CreateTemplateRequest.newBuilder().setTemplate(
                Template.newBuilder().setChannel(Channel.CHANNEL_EMAIL).setBodyTemplate("x")).build()))))
                .isEqualTo(Status.Code.PERMISSION_DENIED);

        final Notification mine = sender.scheduleNotification(ScheduleNotificationRequest.newBuilder()
                .setNotification(email("authz@mail.test", "Authz", "b").toBuilder().setCategory("authz-test")
                                         .setScheduleTime(Timestamps.fromMillis(Instant.now().plus(Duration.ofHours(2))
                                                                                       .toEpochMilli())))
                .build()).getNotification();

        // the creator, a reader and an administrator see it; another sender does not
        assertThat(get(sender, mine.getName()).getId()).isEqualTo(mine.getId());
        assertThat(get(reader, mine.getName()).getId()).isEqualTo(mine.getId());
        assertThat(get(admin, mine.getName()).getId()).isEqualTo(mine.getId());
        assertThat(code(failure(() -> get(otherSender, mine.getName())))).isEqualTo(Status.Code.NOT_FOUND);
        final String filter = "category = \"authz-test\"";
        assertThat(otherSender.listNotifications(ListNotificationsRequest.newBuilder().setFilter(filter).build())
                              .getNotificationsList()).isEmpty();
        assertThat(nobody.listNotifications(ListNotificationsRequest.newBuilder().setFilter(filter).build())
                         .getNotificationsList()).isEmpty();
        assertThat(reader.listNotifications(ListNotificationsRequest.newBuilder().setFilter(filter).build())
                         .getNotificationsList()).extracting(Notification::getId).containsExactly(mine.getId());

        // cancelling others' needs notifications.manage; who cannot even see it gets NOT_FOUND
        assertThat(code(failure(() -> otherSender.cancelNotification(
                CancelNotificationRequest.newBuilder().setName(mine.getName()).build())))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(failure(() -> reader.cancelNotification(
                CancelNotificationRequest.newBuilder().setName(mine.getName()).build()))))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(admin.cancelNotification(CancelNotificationRequest.newBuilder().setName(mine.getName()).build())
                        .getNotification().getStatus()).isEqualTo(NotificationStatus.NOTIFICATION_STATUS_CANCELLED);
    }

    @Test
    void sensitiveContentIsNeverReturnedAndErasedOnceFinal() throws Exception {
        final Notification accepted = send(sender, email("secret@mail.test", "Your code", "The code is 123456.")
                .toBuilder().setSensitive(true).build());
        assertThat(accepted.getBody()).isEmpty();
        assertThat(accepted.getSubject()).isEmpty();
        final Notification sent = awaitStatus(server, accepted.getName(), NotificationStatus.NOTIFICATION_STATUS_SENT);
        assertThat(sent.getBody()).isEmpty();
        assertThat(mailsOf(mail, accepted.getId()).get(0).getContent().toString()).contains("123456");
        assertThat(rows("SELECT count(*) FROM notifications WHERE id = '" + accepted.getId()
                        + "' AND body = '' AND subject = '' AND template_variables = '{}'::jsonb")).isEqualTo(1);
    }

    // ---- history

    @Test
    void theHistoryIsFilteredAndPagedNewestFirst() {
        final List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(0, send(otherSender, email("page" + i + "@mail.test", "Page", "p" + i).toBuilder()
                                                                                       .setCategory("paging").build())
                               .getId());
        }
        final List<String> seen = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            final ListNotificationsResponse page = otherSender.listNotifications(ListNotificationsRequest.newBuilder()
                    .setFilter("category = \"paging\" AND channel = EMAIL").setPageSize(2).setPageToken(token).build());
            assertThat(page.getNotificationsCount()).isLessThanOrEqualTo(2);
            page.getNotificationsList().forEach(n -> seen.add(n.getId()));
            token = page.getNextPageToken();
            pages++;
        } while (!token.isEmpty());
        assertThat(seen).isEqualTo(ids);
        assertThat(pages).isEqualTo(3);

        final StatusRuntimeException bad = failure(() -> otherSender.listNotifications(
                ListNotificationsRequest.newBuilder().setFilter("colour = \"red\"").build()));
        assertThat(badRequest(bad).getFieldViolations(0).getField()).isEqualTo("filter");
        assertThat(otherSender.listNotifications(ListNotificationsRequest.newBuilder()
                .setFilter("category = \"paging\" AND status = CANCELLED").build()).getNotificationsList()).isEmpty();
    }

    // ---- delivery: retries, failures, replicas

    @Test
    void retriesWithBackoffWhileTheSmtpServerIsDownThenFailsOrSends() throws Exception {
        final int port = TestNotificationServers.freePort();
        final DbConfig own = TestPostgres.newDatabase("notification");
        final SextantServer down = start(own, Map.of("SMTP_PORT", String.valueOf(port),
                                                    "NOTIFICATION_RETRY_INITIAL", "1s", "NOTIFICATION_RETRY_MAX", "2s"));
        LATER.add(down);
        final NotificationServiceBlockingStub stub = stub(down, senderToken);

        final Notification doomed = send(stub, email("doomed@mail.test", "Doomed", "Never."));
        final Notification failed = awaitStatus(down, doomed.getName(), NotificationStatus.NOTIFICATION_STATUS_FAILED);
        assertThat(failed.getAttempts()).isEqualTo(3);
        assertThat(failed.getError()).isNotEmpty();
        assertThat(failed.getDeliveryAttemptsList()).hasSize(3)
                .allSatisfy(a -> assertThat(a.getOutcome()).isEqualTo(DeliveryOutcome.DELIVERY_OUTCOME_RETRYABLE));
        // backoff: at least half of 1 s, then of 2 s, between attempts
        final long first = Timestamps.toMillis(failed.getDeliveryAttempts(0).getAttemptTime());
        final long second = Timestamps.toMillis(failed.getDeliveryAttempts(1).getAttemptTime());
        final long third = Timestamps.toMillis(failed.getDeliveryAttempts(2).getAttemptTime());
        assertThat(second - first).isGreaterThanOrEqualTo(450);
        assertThat(third - second).isGreaterThanOrEqualTo(950);

        final Notification patient = send(stub, email("patient@mail.test", "Patient", "Eventually."));
        Poll.until(() -> assertThat(get(stub, patient.getName()).getDeliveryAttemptsList()).isNotEmpty());
        final GreenMail late = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        late.start();
        try {
            final Notification sent = awaitStatus(down, patient.getName(), NotificationStatus.NOTIFICATION_STATUS_SENT);
            assertThat(sent.getDeliveryAttemptsList()).extracting(a -> a.getOutcome())
                    .startsWith(DeliveryOutcome.DELIVERY_OUTCOME_RETRYABLE).endsWith(DeliveryOutcome.DELIVERY_OUTCOME_SENT);
            assertThat(sent.getError()).isNotEmpty();
            assertThat(mailsOf(late, patient.getId())).hasSize(1);
            assertThat(mailsOf(late, doomed.getId())).isEmpty();
        } finally {
            late.stop();
        }
    }

    @Test
    void aFullQueueRefusesNewNotifications() {
        final DbConfig own = TestPostgres.newDatabase("notification");
        final SextantServer small = start(own, Map.of("NOTIFICATION_QUEUE_MAX", "3"));
        LATER.add(small);
        final NotificationServiceBlockingStub stub = stub(small, senderToken);
        final ScheduleNotificationRequest request = ScheduleNotificationRequest.newBuilder()
                .setNotification(Notification.newBuilder().setChannel(Channel.CHANNEL_IN_APP)
                                             .setRecipient("users/" + GRACE_ID).setBody("later")
                                             .setScheduleTime(Timestamps.fromMillis(
                                                     Instant.now().plus(Duration.ofHours(1)).toEpochMilli())))
                .build();
        for (int i = 0; i < 3; i++) {
            stub.scheduleNotification(request);
        }
        final StatusRuntimeException full = failure(() -> stub.scheduleNotification(request));
        assertThat(code(full)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(errorInfo(full).getReason()).isEqualTo("QUEUE_FULL");
    }

    @Test
    void twoReplicasShareTheQueueWithoutSendingAnyTwiceOrLosingAnyWhenOneStops() throws Exception {
        final SextantServer second = start(db, Map.of("SMTP_PORT", String.valueOf(mail.getSmtp().getPort())));
        boolean secondOpen = true;
        try {
            final BatchSendNotificationsRequest.Builder batch = BatchSendNotificationsRequest.newBuilder();
            for (int i = 0; i < 300; i++) {
                batch.addRequests(SendNotificationRequest.newBuilder().setNotification(
                        email("bulk" + i + "@mail.test", "Bulk", "Bulk " + i).toBuilder().setCategory("bulk").build()));
            }
            final List<String> ids = sender.batchSendNotifications(batch.build()).getNotificationsList().stream()
                                           .map(Notification::getId).toList();
            assertThat(ids).hasSize(300).doesNotHaveDuplicates();
            final Set<String> wanted = new HashSet<>(ids);
            Poll.until(() -> assertThat(received(wanted)).hasSizeGreaterThanOrEqualTo(60));
            second.close();
            secondOpen = false;

            Poll.until(Duration.ofSeconds(60), () -> assertThat(rows(
                    "SELECT count(*) FROM notifications WHERE category = 'bulk' AND status = 'SENT'")).isEqualTo(300));
            final List<String> messages = received(wanted);
            assertThat(messages).hasSize(300);
            assertThat(new HashSet<>(messages)).hasSize(300);
            // both replicas delivered some
            assertThat(rows("SELECT count(DISTINCT a.instance) FROM delivery_attempts a JOIN notifications n"
                            + " ON n.id = a.notification_id WHERE n.category = 'bulk'")).isEqualTo(2);
            assertThat(rows("SELECT count(*) FROM delivery_attempts a JOIN notifications n ON n.id = a.notification_id"
                            + " WHERE n.category = 'bulk'")).isEqualTo(300);
        } finally {
            if (secondOpen) {
                second.close();
            }
        }
    }

    /** The notification ids among {@code wanted} of every message GreenMail received (repeats kept). */
    private static List<String> received(Set<String> wanted) throws Exception {
        final List<String> found = new ArrayList<>();
        for (MimeMessage message : mail.getReceivedMessages()) {
            final String id = message.getMessageID() == null ? ""
                              : message.getMessageID().replace("<", "").replace("@sextant.notification>", "");
            if (wanted.contains(id)) {
                found.add(id);
            }
        }
        return found;
    }

    @Test
    void aCrashedReplicasExpiredLeasesAreTakenOverAndLiveOnesAreNot() throws Exception {
        final UUID expired = UUID.randomUUID();
        final UUID live = UUID.randomUUID();
        jdbi.useHandle(h -> {
            for (UUID id : List.of(expired, live)) {
                h.createUpdate("INSERT INTO notifications (id, channel, recipient, address, subject, body, status,"
                               + " schedule_time, next_attempt_at, lease_owner, lease_until, creator)"
                               + " VALUES (:id, 'EMAIL', 'lease@mail.test', 'lease@mail.test', 'Lease', 'Taken over',"
                               + " 'SENDING', now(), now(), 'crashed-replica', now() + :lease * interval '1 second',"
                               + " 'users/x')")
                 .bind("id", id).bind("lease", id.equals(expired) ? -1 : 3600).execute();
            }
        });
        awaitStatus(server, "notifications/" + expired, NotificationStatus.NOTIFICATION_STATUS_SENT);
        assertThat(mailsOf(mail, expired.toString())).hasSize(1);
        Thread.sleep(500);
        assertThat(get(admin, "notifications/" + live).getStatus()).isEqualTo(NotificationStatus.NOTIFICATION_STATUS_SENDING);
        assertThat(mailsOf(mail, live.toString())).isEmpty();
        jdbi.useHandle(h -> h.execute("UPDATE notifications SET status = 'CANCELLED', next_attempt_at = NULL,"
                                      + " lease_owner = NULL, lease_until = NULL WHERE id = ?", live));
    }

    @Test
    void withoutAuthAUsersRecipientIsUnavailableWithTheReasonAndAddressesStillWork() throws Exception {
        final String nowhere;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nowhere = "127.0.0.1:" + socket.getLocalPort();
        }
        final SextantServer noAuth = start(db, Map.of("SMTP_PORT", String.valueOf(mail.getSmtp().getPort()),
                                                      "AUTH_TARGET", nowhere));
        try {
            final NotificationServiceBlockingStub via = stub(noAuth, senderToken);
            final StatusRuntimeException e = failure(() -> send(via, email("users/" + GRACE_ID, "Hi", "Hello.")));
            assertThat(code(e)).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(errorInfo(e).getReason()).isEqualTo("SERVICE_TOKEN_UNAVAILABLE");
            assertThat(e.getStatus().getDescription()).contains("notification.recipient").contains("auth cannot be reached");

            assertThat(send(via, email("plain@mail.test", "Hi", "Hello.")).getRecipient()).isEqualTo("plain@mail.test");
        } finally {
            noAuth.close();
        }
    }
}
