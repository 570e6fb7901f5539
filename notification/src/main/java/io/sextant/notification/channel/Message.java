package io.sextant.notification.channel;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What a provider delivers: one rendered notification to one resolved address.
 *
 * @param id        the notification id: the idempotency key for providers that take one
 * @param recipient the resolved address: an e-mail address, an E.164 phone number, a device token, a
 *                  webhook URL, or a user's resource name for the in-app feed
 * @param subject   the e-mail subject or push title; empty for SMS
 * @param body      the plain text
 * @param htmlBody  the HTML alternative of an e-mail; empty for none
 * @param category  what the message is about ({@code password-reset}); providers may pass it on
 * @param headers   extra protocol headers (an e-mail's {@code List-Unsubscribe}); never null
 */
public record Message(UUID id, String recipient, String subject, String body, String htmlBody, String category,
                      Map<String, String> headers) {

    public Message {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(recipient, "recipient");
        subject = subject == null ? "" : subject;
        body = body == null ? "" : body;
        htmlBody = htmlBody == null ? "" : htmlBody;
        category = category == null ? "" : category;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}
