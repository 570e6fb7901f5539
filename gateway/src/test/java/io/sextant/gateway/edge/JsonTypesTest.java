package io.sextant.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors.Descriptor;

import io.sextant.auth.v1.Token;
import io.sextant.notification.v1.Notification;
import io.sextant.notification.v1.UpdateTemplateRequest;
import io.sextant.platform.error.ServiceException;

/** What ProtoJSON allows for each kind of field passes; a value of another JSON type is refused, naming the field. */
class JsonTypesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static void check(String json, Descriptor message) throws Exception {
        JsonTypes.check(JSON.readTree(json), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"recipient\": \"a@example.com\", \"sensitive\": true, \"attempts\": 3}",
            "{\"attempts\": \"3\", \"channel\": \"CHANNEL_EMAIL\"}",
            "{\"channel\": 1, \"template_variables\": {\"name\": \"Ada\"}}",
            "{\"templateVariables\": {}, \"scheduleTime\": \"2030-01-01T00:00:00Z\"}",
            "{\"recipient\": null, \"schedule_time\": null, \"template_variables\": null}",
            "{\"unknownField\": 42}",
    })
    void whatProtoJsonAllowsPasses(String json) {
        assertThatCode(() -> check(json, Notification.getDescriptor())).doesNotThrowAnyException();
    }

    @Test
    void int64AsNumberOrStringAndFieldMaskAsString() {
        assertThatCode(() -> check("{\"expiresIn\": 900}", Token.getDescriptor())).doesNotThrowAnyException();
        assertThatCode(() -> check("{\"expires_in\": \"900\"}", Token.getDescriptor())).doesNotThrowAnyException();
        assertThatCode(() -> check("{\"updateMask\": \"subject,body\"}", UpdateTemplateRequest.getDescriptor()))
                .doesNotThrowAnyException();
        assertRefused("{\"updateMask\": [\"subject\"]}", UpdateTemplateRequest.getDescriptor(), "update_mask");
    }

    @Test
    void aValueOfAnotherJsonTypeIsRefusedNamingTheField() {
        assertRefused("{\"recipient\": 123}", Notification.getDescriptor(), "recipient");
        assertRefused("{\"recipient\": false}", Notification.getDescriptor(), "recipient");
        assertRefused("{\"sensitive\": \"yes\"}", Notification.getDescriptor(), "sensitive");
        assertRefused("{\"attempts\": true}", Notification.getDescriptor(), "attempts");
        assertRefused("{\"channel\": true}", Notification.getDescriptor(), "channel");
        assertRefused("{\"scheduleTime\": 1700000000}", Notification.getDescriptor(), "schedule_time");
        assertRefused("{\"templateVariables\": {\"name\": 7}}", Notification.getDescriptor(), "template_variables[name]");
        assertRefused("{\"templateVariables\": [\"a\"]}", Notification.getDescriptor(), "template_variables");
        assertRefused("{\"tokenType\": [\"Bearer\"]}", Token.getDescriptor(), "token_type");
    }

    private static void assertRefused(String json, Descriptor message, String field) {
        assertThatThrownBy(() -> check(json, message))
                .isInstanceOfSatisfying(ServiceException.class, e -> {
                    assertThat(e.violations()).hasSize(1);
                    assertThat(e.violations().get(0).getField()).isEqualTo(field);
                    assertThat(e.getMessage()).startsWith(field + ": must be");
                });
    }
}
