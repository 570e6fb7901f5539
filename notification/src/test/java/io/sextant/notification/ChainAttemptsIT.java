package io.sextant.notification;

import static io.sextant.notification.NotificationTesting.stub;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;

import io.sextant.notification.v1.Channel;
import io.sextant.notification.v1.DeliveryOutcome;
import io.sextant.notification.v1.GetNotificationRequest;
import io.sextant.notification.v1.Notification;
import io.sextant.notification.v1.NotificationServiceGrpc.NotificationServiceBlockingStub;
import io.sextant.notification.v1.NotificationStatus;
import io.sextant.notification.v1.SendNotificationRequest;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestPostgres;

/**
 * A fallback chain inside the real service: two Twilio-style SMS providers configured from the
 * environment, both real HTTP servers on loopback, the first one broken; the delivery attempt names
 * the provider that sent.
 */
class ChainAttemptsIT {

    private static final NotificationTesting TESTING = new NotificationTesting("chain-attempts-it");

    private static Server sms;
    private static SextantServer server;
    private static NotificationServiceBlockingStub admin;

    @BeforeAll
    static void start() {
        sms = Server.builder().http(0)
                    .service("prefix:/broken/", (ctx, req) -> HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR))
                    .service("prefix:/ok/", (ctx, req) -> HttpResponse.of(HttpStatus.CREATED, MediaType.JSON_UTF_8,
                                                                          "{\"sid\":\"SM1\",\"status\":\"queued\"}"))
                    .build();
        sms.start().join();
        final Map<String, String> env = new HashMap<>(Map.of("SMS_PROVIDERS", "broken,backup"));
        for (String name : new String[] {"BROKEN", "BACKUP"}) {
            env.put("SMS_" + name + "_KIND", "twilio");
            env.put("SMS_" + name + "_ACCOUNT_SID", "AC" + "0".repeat(32));
            env.put("SMS_" + name + "_AUTH_TOKEN", "token");
            env.put("SMS_" + name + "_FROM", "+15550000000");
            env.put("SMS_" + name + "_BASE_URL", "http://127.0.0.1:" + sms.activeLocalPort()
                                                 + (name.equals("BROKEN") ? "/broken" : "/ok"));
        }
        server = TESTING.start(TestPostgres.newDatabase("notification"), env);
        admin = stub(server, TESTING.token(UUID.randomUUID().toString(), "*"));
    }

    @AfterAll
    static void stop() {
        server.close();
        sms.stop().join();
    }

    @Test
    void theAttemptNamesTheProviderThatSentNotTheChain() {
        final Notification sent = admin.sendNotification(SendNotificationRequest.newBuilder().setNotification(
                Notification.newBuilder().setChannel(Channel.CHANNEL_SMS).setRecipient("+4930123456").setBody("Hi"))
                                                                 .build()).getNotification();
        final Notification[] last = new Notification[1];
        Poll.until(() -> {
            last[0] = admin.getNotification(GetNotificationRequest.newBuilder().setName(sent.getName()).build())
                           .getNotification();
            assertThat(last[0].getStatus()).isEqualTo(NotificationStatus.NOTIFICATION_STATUS_SENT);
        });
        assertThat(last[0].getDeliveryAttemptsList()).hasSize(1);
        assertThat(last[0].getDeliveryAttempts(0).getProvider()).isEqualTo("backup");
        assertThat(last[0].getDeliveryAttempts(0).getOutcome()).isEqualTo(DeliveryOutcome.DELIVERY_OUTCOME_SENT);
    }
}
