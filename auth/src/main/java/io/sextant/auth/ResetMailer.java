package io.sextant.auth;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.auth.v1.PasswordResetRequestedEvent;
import io.sextant.notification.v1.Channel;
import io.sextant.notification.v1.Notification;
import io.sextant.notification.v1.NotificationServiceGrpc;
import io.sextant.notification.v1.NotificationServiceGrpc.NotificationServiceBlockingStub;
import io.sextant.notification.v1.SendNotificationRequest;
import io.sextant.platform.grpc.ServiceClient;
import io.sextant.platform.identity.ServiceIdentity;

/**
 * Delivers password reset tokens as e-mails through the notification service (NOTIFICATION_TARGET), as auth
 * itself ({@link OwnIdentity}). The e-mail is {@code sensitive} (notification erases it once sent and never
 * shows it), transactional (category {@code password-reset}: opt-outs do not apply), and idempotent on the outbox
 * event's id. Its text is auth's own, or the template PASSWORD_RESET_TEMPLATE with the variables {@code username},
 * {@code token}, {@code reset_url} and {@code expires_at}.
 *
 * <p>A refusal that no retry can change (INVALID_ARGUMENT: an address notification does not accept; NOT_FOUND:
 * no such template) is logged and the request dropped, as the outbox would otherwise retry it forever; anything
 * else (notification down, no e-mail provider configured, a permission missing, the recipient's send limit, whose
 * bucket refills within minutes, so that a flood of other mail at the address delays the reset e-mail but cannot
 * stop it) throws, and the relay retries.
 */
final class ResetMailer implements ResetTokenSender, AutoCloseable {

    static final String CATEGORY = "password-reset";
    private static final Logger log = LoggerFactory.getLogger(ResetMailer.class);
    private static final DateTimeFormatter EXPIRY = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
                                                                     .withZone(ZoneOffset.UTC);

    private final ServiceClient client;
    private final NotificationServiceBlockingStub notifications;
    private final String resetUrl;
    private final String template;

    ResetMailer(AuthConfig config, ServiceIdentity identity) {
        this.client = ServiceClient.builder("notification", config.notificationTarget(),
                                            NotificationServiceGrpc.getServiceDescriptor())
                                   .deadline(config.notificationDeadline())
                                   .build();
        this.notifications = client.clientBuilder().decorator(identity.asService())
                                   .build(NotificationServiceBlockingStub.class);
        this.resetUrl = config.passwordResetUrl();
        this.template = config.passwordResetTemplate();
    }

    @Override
    public void send(UUID requestId, PasswordResetRequestedEvent request, String resetToken, Instant expiresAt) {
        final SendNotificationRequest send = SendNotificationRequest.newBuilder()
                                                                    .setNotification(email(request, resetToken, expiresAt))
                                                                    .setRequestId(requestId.toString())
                                                                    .build();
        try {
            notifications.sendNotification(send);
        } catch (StatusRuntimeException e) {
            final Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.INVALID_ARGUMENT || code == Status.Code.NOT_FOUND) {
                log.error("Notification refused the password reset e-mail of account {} for good ({}: {}); the request"
                          + " is dropped", request.getAccountId(), code, e.getStatus().getDescription());
                return;
            }
            throw e;
        }
    }

    Notification email(PasswordResetRequestedEvent request, String resetToken, Instant expiresAt) {
        final String link = link(resetToken);
        final Notification.Builder email = Notification.newBuilder()
                                                       .setChannel(Channel.CHANNEL_EMAIL)
                                                       .setRecipient(request.getEmail())
                                                       .setCategory(CATEGORY)
                                                       .setSensitive(true);
        if (!template.isEmpty()) {
            return email.setTemplate(template)
                        .putTemplateVariables("username", request.getUsername())
                        .putTemplateVariables("token", resetToken)
                        .putTemplateVariables("reset_url", link)
                        .putTemplateVariables("expires_at", expiresAt.truncatedTo(ChronoUnit.SECONDS).toString())
                        .build();
        }
        final String until = EXPIRY.format(expiresAt);
        final String text = "Hello " + request.getUsername() + ",\n\n"
                            + "someone, hopefully you, asked to reset the password of your account.\n\n"
                            + (link.isEmpty() ? "" : "Choose a new password here: " + link + "\n\nor use this reset token:\n")
                            + (link.isEmpty() ? "Your reset token:\n" : "")
                            + "\n    " + resetToken + "\n\n"
                            + "It works once, until " + until + ". If you did not ask for this, ignore this e-mail:"
                            + " your password stays as it is.\n";
        final String html = "<p>Hello " + html(request.getUsername()) + ",</p>"
                            + "<p>someone, hopefully you, asked to reset the password of your account.</p>"
                            + (link.isEmpty() ? "" : "<p><a href=\"" + html(link) + "\">Choose a new password</a>, or use this reset token:</p>")
                            + (link.isEmpty() ? "<p>Your reset token:</p>" : "")
                            + "<p><code>" + html(resetToken) + "</code></p>"
                            + "<p>It works once, until " + until + ". If you did not ask for this, ignore this e-mail:"
                            + " your password stays as it is.</p>";
        return email.setSubject("Reset your password").setBody(text).setHtmlBody(html).build();
    }

    private String link(String resetToken) {
        if (resetUrl.isEmpty()) {
            return "";
        }
        return resetUrl + (resetUrl.contains("?") ? "&" : "?") + "token="
               + URLEncoder.encode(resetToken, StandardCharsets.UTF_8);
    }

    private static String html(String text) {
        final StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        client.close();
    }
}
