package io.sextant.notification.db;

import java.util.UUID;

/**
 * A notification a delivery engine has leased: what it needs to deliver it.
 *
 * @param recipient the recipient as requested ({@code users/{id}} or the address)
 * @param address   where it goes: the recipient with {@code users/{id}} resolved
 * @param optedOut  the recipient's opt-out that stops it ({@code EMAIL/newsletter}, {@code * /newsletter},
 *                  {@code EMAIL/*}), or null when it is to be delivered
 */
public record ClaimedRow(UUID id, String channel, String recipient, String address, String subject, String body,
                         String htmlBody, String category, int attempts, String optedOut) {}
