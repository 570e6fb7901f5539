package io.sextant.notification.db;

import java.util.UUID;

/** A notification a delivery engine has leased: what it needs to deliver it. */
public record ClaimedRow(UUID id, String channel, String address, String subject, String body, String htmlBody,
                         String category, int attempts) {}
