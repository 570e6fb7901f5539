package io.sextant.notification.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class WebhookSignatureTest {

    @Test
    void reproducesTheStandardWebhooksReferenceSignature() {
        // the published example of the specification's reference libraries
        final byte[] key = WebhookProvider.parseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

        assertThat(WebhookProvider.signature(List.of(key), "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L,
                                             "{\"test\": 2432232314}"))
                .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void aSecretMustBeWhsecAndBase64OfEnoughBytesAndIsNeverQuoted() {
        assertThatThrownBy(() -> WebhookProvider.parseSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
                .hasMessageContaining("whsec_").hasMessageNotContaining("MfKQ9r8G");
        assertThatThrownBy(() -> WebhookProvider.parseSecret("whsec_not*base64"))
                .hasMessageContaining("base64").hasMessageNotContaining("not*base64");
        assertThatThrownBy(() -> WebhookProvider.parseSecret("whsec_c2hvcnQ="))
                .hasMessageContaining("24 to 64 bytes");
    }

    @Test
    void jsonIsAnObjectOrArrayAndNothingElse() {
        assertThat(WebhookProvider.isJson("{\"a\":1}")).isTrue();
        assertThat(WebhookProvider.isJson(" [1,2] ")).isTrue();
        assertThat(WebhookProvider.isJson("{\"a\":1} trailing")).isFalse();
        assertThat(WebhookProvider.isJson("{not json")).isFalse();
        assertThat(WebhookProvider.isJson("42")).isFalse();
        assertThat(WebhookProvider.isJson("plain words")).isFalse();
    }
}
