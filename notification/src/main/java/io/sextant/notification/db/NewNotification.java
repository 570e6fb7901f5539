package io.sextant.notification.db;

import java.time.Instant;
import java.util.UUID;

/**
 * A notification about to be stored: validated, rendered and with its recipient resolved.
 *
 * @param templateVariables the variables as a JSON object of strings
 * @param status            {@code QUEUED} or {@code SCHEDULED}
 */
public record NewNotification(UUID id, String channel, String recipient, String address, String template,
                              String templateVariables, String category, String locale, String subject, String body,
                              String htmlBody, boolean sensitive, String status, Instant scheduleTime,
                              String creator) {}
