package io.sextant.notification.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.prometheus.client.CollectorRegistry;
import io.sextant.platform.config.Env;

/** Two Twilio-compatible gateways on loopback, configured as the service is: the first down, the second up. */
class ProviderChainIT {

    @Test
    void theSmsChannelFallsOverToTheSecondGatewayAndLeavesTheFirstAloneWhileItCools() {
        try (StubServer down = new StubServer(r -> HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE));
             StubServer up = new StubServer(r -> HttpResponse.of(HttpStatus.CREATED, MediaType.JSON_UTF_8,
                                                                 "{\"sid\":\"SM-backup\"}"))) {
            final Map<String, String> settings = new HashMap<>();
            settings.put("SMS_PROVIDERS", "twilio, twilio2");
            settings.put("SMS_TWILIO_ACCOUNT_SID", "AC1");
            settings.put("SMS_TWILIO_AUTH_TOKEN", "token-1");
            settings.put("SMS_TWILIO_FROM", "+15550000001");
            settings.put("SMS_TWILIO_BASE_URL", down.url(""));
            settings.put("SMS_TWILIO2_ACCOUNT_SID", "AC2");
            settings.put("SMS_TWILIO2_AUTH_TOKEN", "token-2");
            settings.put("SMS_TWILIO2_MESSAGING_SERVICE_SID", "MG2");
            settings.put("SMS_TWILIO2_BASE_URL", up.url(""));
            final CollectorRegistry registry = new CollectorRegistry();
            final Map<String, Provider> providers = Providers.read(Env.of(settings), registry);
            try {
                final Provider sms = providers.get(Providers.SMS);
                assertThat(sms.name()).isEqualTo("twilio,twilio2");

                final Message first = new Message(UUID.randomUUID(), "+15551234567", "", "one", "", "", Map.of());
                assertThat(sms.deliver(first)).isEqualTo(new Outcome.Sent("SM-backup"));
                assertThat(down.take().path()).isEqualTo("/2010-04-01/Accounts/AC1/Messages.json");
                final StubServer.Received backup = up.take();
                assertThat(backup.path()).isEqualTo("/2010-04-01/Accounts/AC2/Messages.json");
                assertThat(backup.header("i-twilio-idempotency-token")).isEqualTo(first.id().toString());
                assertThat(backup.form()).containsEntry("MessagingServiceSid", "MG2").containsEntry("Body", "one");

                final Message second = new Message(UUID.randomUUID(), "+15551234567", "", "two", "", "", Map.of());
                assertThat(sms.deliver(second)).isEqualTo(new Outcome.Sent("SM-backup"));
                assertThat(up.take().form()).containsEntry("Body", "two");
                assertThat(down.pending()).isZero();

                assertThat(registry.getSampleValue("sextant_notification_provider_cooling",
                                                   new String[] {"channel", "provider"},
                                                   new String[] {"sms", "twilio"})).isEqualTo(1.0);
                assertThat(registry.getSampleValue("sextant_notification_provider_attempts_total",
                                                   new String[] {"channel", "provider", "outcome"},
                                                   new String[] {"sms", "twilio2", "sent"})).isEqualTo(2.0);
            } finally {
                Providers.close(providers);
            }
        }
    }
}
