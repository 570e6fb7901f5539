package io.sextant.notification.db;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jdbi.v3.core.Handle;

import io.sextant.platform.resource.FilterField;
import io.sextant.platform.resource.FilterFields;
import io.sextant.platform.resource.KeysetPages;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.PageSizes;
import io.sextant.platform.resource.SortKey;
import io.sextant.platform.resource.SortKeys;
import io.sextant.platform.resource.SqlFilter;

/**
 * The dynamic queries of ListNotifications and ListTemplates: their filter fields, their one order
 * (newest first; templates by name) and keyset pages.
 */
public final class NotificationQueries {

    public static final PageSizes SIZES = new PageSizes(50, 100);

    static final List<String> CHANNELS = List.of("EMAIL", "SMS", "PUSH", "WEBHOOK", "IN_APP");
    static final List<String> STATUSES = List.of("QUEUED", "SCHEDULED", "SENDING", "SENT", "FAILED", "CANCELLED",
                                                 "SUPPRESSED");

    /** ListNotifications' {@code filter}, as the contract documents it. */
    public static final FilterFields FILTER = FilterFields.of(
            FilterField.enumeration("channel", "n.channel", withPrefixed("CHANNEL_", CHANNELS))
                       .withCondition(unprefixed("n.channel", "CHANNEL_")),
            FilterField.enumeration("status", "n.status", withPrefixed("NOTIFICATION_STATUS_", STATUSES))
                       .withCondition(unprefixed("n.status", "NOTIFICATION_STATUS_")),
            FilterField.string("recipient", "n.recipient")
                       .withCondition((op, value) -> "lower(n.recipient) " + op + " lower(" + value + ")"),
            FilterField.string("template", "n.template"),
            FilterField.string("creator", "n.creator"),
            FilterField.string("category", "n.category"),
            FilterField.timestamp("create_time", "n.create_time")
                       .withOperators(FilterField.Operator.LT, FilterField.Operator.LE, FilterField.Operator.GT,
                                      FilterField.Operator.GE),
            FilterField.timestamp("schedule_time", "n.schedule_time")
                       .withOperators(FilterField.Operator.LT, FilterField.Operator.LE, FilterField.Operator.GT,
                                      FilterField.Operator.GE),
            FilterField.timestamp("send_time", "n.send_time")
                       .withOperators(FilterField.Operator.LT, FilterField.Operator.LE, FilterField.Operator.GT,
                                      FilterField.Operator.GE))
            .withExpected("expected comparisons joined by AND: channel = EMAIL|SMS|PUSH|WEBHOOK|IN_APP,"
                          + " status = or != QUEUED|SCHEDULED|SENDING|SENT|FAILED|CANCELLED|SUPPRESSED,"
                          + " recipient, template,"
                          + " creator or category = \"<text>\", or create_time/schedule_time/send_time with <, <=, >, >="
                          + " and an RFC 3339 time in double quotes");

    /** The one order of ListNotifications: newest first. */
    static final SortKeys<NotificationRow> ORDER = SortKeys.builder("n.id", SortKey.Type.UUID, NotificationRow::id)
            .timestamp("create_time", "n.create_time", NotificationRow::createTime)
            .defaultOrder("create_time desc")
            .build();

    /** ListTemplates' {@code filter}: the channel only. */
    public static final FilterFields TEMPLATE_FILTER = FilterFields.of(
            FilterField.enumeration("channel", "t.channel", withPrefixed("CHANNEL_", CHANNELS))
                       .withOperators(FilterField.Operator.EQ)
                       .withCondition(unprefixed("t.channel", "CHANNEL_")))
            .withExpected("expected channel = EMAIL|SMS|PUSH|WEBHOOK|IN_APP");

    /** ListTemplates' order: by name (the id). */
    static final SortKeys<TemplateRow> TEMPLATE_ORDER = SortKeys.builder("t.id", SortKey.Type.STRING, TemplateRow::id)
            .string("name", "t.id", TemplateRow::id)
            .defaultOrder("name")
            .build();

    private NotificationQueries() {}

    /**
     * A page of notifications, newest first; when {@code creator} is not null (a caller who may
     * not read everyone's) only the ones it created and, when {@code recipient} is not null too,
     * the ones addressed to {@code recipient} ({@code users/{id}}).
     */
    public static Page<NotificationRow> list(Handle handle, String filterText, String creator, String recipient,
                                             int pageSize, String pageToken) {
        SqlFilter filter = FILTER.parse(filterText);
        if (creator != null) {
            final Map<String, Object> parameters = new HashMap<>(filter.parameters());
            parameters.put("ownCreator", creator);
            String own = "n.creator = :ownCreator";
            if (recipient != null) {
                parameters.put("ownRecipient", recipient);
                // the LIKE lets PostgreSQL use the partial index notifications_recipient_exact
                own = "(" + own + " OR (n.recipient = :ownRecipient AND n.recipient LIKE 'users/%'))";
            }
            filter = new SqlFilter(own + " AND (" + filter.sql() + ")", parameters,
                                   filter.text() + "|creator=" + creator + "|recipient=" + recipient);
        }
        return KeysetPages.list(handle, "SELECT " + NotificationRow.COLUMNS + " FROM notifications n", "notifications",
                                filter, ORDER.parse(""), SIZES.of(pageSize), pageToken, new NotificationRow.Mapper());
    }

    /** A page of templates by name. */
    public static Page<TemplateRow> templates(Handle handle, String filterText, int pageSize, String pageToken) {
        return KeysetPages.list(handle, "SELECT " + TemplateRow.COLUMNS + " FROM templates t", "templates",
                                TEMPLATE_FILTER.parse(filterText), TEMPLATE_ORDER.parse(""), SIZES.of(pageSize),
                                pageToken, new TemplateRow.Mapper());
    }

    private static List<String> withPrefixed(String prefix, List<String> values) {
        final List<String> all = new ArrayList<>(values);
        values.forEach(v -> all.add(prefix + v));
        return List.copyOf(all);
    }

    /** Compares the column with the value without its prefix ({@code CHANNEL_EMAIL} is {@code EMAIL}). */
    private static FilterField.Condition unprefixed(String column, String prefix) {
        final String regex = "'^" + prefix.toUpperCase(Locale.ROOT) + "'";
        return (op, value) -> column + " " + op + " regexp_replace(" + value + ", " + regex + ", '')";
    }
}
