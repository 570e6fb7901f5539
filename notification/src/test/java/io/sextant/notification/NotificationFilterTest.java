package io.sextant.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.sextant.notification.db.NotificationQueries;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.resource.SqlFilter;

/** ListNotifications' and ListTemplates' filters: what the contract documents parses into bound SQL; the rest names `filter`. */
class NotificationFilterTest {

    @Test
    void theDocumentedComparisonsBecomeBoundSql() {
        final SqlFilter filter = NotificationQueries.FILTER.parse(
                "channel = EMAIL AND status != NOTIFICATION_STATUS_SENT AND recipient = \"Ada@Example.com\""
                + " AND template = \"templates/welcome\" AND creator = \"users/x\" AND category = \"welcome\""
                + " AND create_time >= \"2026-01-01T00:00:00Z\" AND send_time < \"2026-02-01T00:00:00Z\"");
        assertThat(filter.parameters()).hasSize(8);
        assertThat(filter.parameters().values()).contains("EMAIL", "NOTIFICATION_STATUS_SENT", "Ada@Example.com");
        // values only ever as placeholders; the prefixed enum names are stripped in SQL
        assertThat(filter.sql()).doesNotContain("Ada@Example.com").doesNotContain("welcome")
                                .contains("regexp_replace").contains("lower(n.recipient)");
        assertThat(NotificationQueries.FILTER.parse("").sql()).isNotBlank();
        assertThat(NotificationQueries.TEMPLATE_FILTER.parse("channel = CHANNEL_IN_APP").parameters())
                .containsValue("CHANNEL_IN_APP");
    }

    @Test
    void anythingElseIsInvalidArgumentOnFilter() {
        for (String bad : new String[] {"colour = \"red\"", "channel = FAX", "create_time = \"2026-01-01T00:00:00Z\"",
                                        "status = SENT OR status = FAILED", "recipient = unquoted", "category"}) {
            assertThatThrownBy(() -> NotificationQueries.FILTER.parse(bad))
                    .as(bad)
                    .isInstanceOfSatisfying(ServiceException.class, e -> {
                        assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.violations()).extracting(v -> v.getField()).containsExactly("filter");
                    });
        }
        assertThatThrownBy(() -> NotificationQueries.TEMPLATE_FILTER.parse("channel != EMAIL"))
                .isInstanceOf(ServiceException.class);
    }
}
