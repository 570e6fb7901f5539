package io.sextant.notification;

import io.sextant.notification.v1.NotificationServiceGrpc;
import io.sextant.platform.server.NotBuiltService;

/**
 * Wires the notification service: what {@link NotificationMain} runs and what the tests start. Until the notification
 * issue builds its RPCs (channels, templates, delivery), it is the platform's skeleton: its own database, its contract,
 * health, metrics and docs, and every RPC answering UNIMPLEMENTED (NOT_BUILT_YET).
 */
public final class NotificationServer {

    /** The service on PORT (8003 by default). */
    public static final NotBuiltService SERVICE = new NotBuiltService(
            "notification", 8003, new NotificationServiceGrpc.NotificationServiceImplBase() { }, "the notification issue (channels, templates, delivery)");

    private NotificationServer() {}
}
