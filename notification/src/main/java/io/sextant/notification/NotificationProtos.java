package io.sextant.notification;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sextant.notification.db.AttemptRow;
import io.sextant.notification.db.NotificationRow;
import io.sextant.notification.db.PreferencesDao.OptOutRow;
import io.sextant.notification.db.TemplateRow;
import io.sextant.notification.prefs.Preferences;
import io.sextant.notification.v1.Channel;
import io.sextant.notification.v1.DeliveryAttempt;
import io.sextant.notification.v1.DeliveryOutcome;
import io.sextant.notification.v1.Notification;
import io.sextant.notification.v1.NotificationPreferences;
import io.sextant.notification.v1.NotificationStatus;
import io.sextant.notification.v1.OptOut;
import io.sextant.notification.v1.Template;
import io.sextant.notification.v1.TemplateContent;
import io.sextant.platform.resource.ProtoTime;

/** Rows to protos and back: channel and status names, times, JSON maps. */
final class NotificationProtos {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> STRINGS = new TypeReference<>() {};

    private NotificationProtos() {}

    /** {@code CHANNEL_EMAIL} as stored: {@code EMAIL}. */
    static String channel(Channel channel) {
        return channel.name().substring("CHANNEL_".length());
    }

    /** The provider key of a stored channel: {@code email}, {@code in_app}. */
    static String providerKey(String channel) {
        return channel.toLowerCase(Locale.ROOT);
    }

    static String json(Map<String, String> values) {
        try {
            return JSON.writeValueAsString(new LinkedHashMap<>(values));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> strings(String json) {
        try {
            return JSON.readValue(json, STRINGS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not the JSON this service writes: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * The notification as clients see it: a sensitive one never shows its content or variables,
     * whatever its status.
     */
    static Notification toNotification(NotificationRow row, List<AttemptRow> attempts) {
        final Notification.Builder out = Notification.newBuilder()
                .setName("notifications/" + row.id())
                .setId(row.id().toString())
                .setChannel(Channel.valueOf("CHANNEL_" + row.channel()))
                .setRecipient(row.recipient())
                .setTemplate(row.template())
                .setSensitive(row.sensitive())
                .setStatus(NotificationStatus.valueOf("NOTIFICATION_STATUS_" + row.status()))
                .setAttempts(row.attempts())
                .setError(row.error())
                .setScheduleTime(ProtoTime.timestamp(row.scheduleTime()))
                .setCreator(row.creator())
                .setCategory(row.category())
                .setLocale(row.locale())
                .setCreateTime(ProtoTime.timestamp(row.createTime()))
                .setUpdateTime(ProtoTime.timestamp(row.updateTime()));
        if (!row.sensitive()) {
            out.setSubject(row.subject()).setBody(row.body()).setHtmlBody(row.htmlBody())
               .putAllTemplateVariables(strings(row.templateVariables()));
        }
        if (row.sendTime() != null) {
            out.setSendTime(ProtoTime.timestamp(row.sendTime()));
        }
        for (AttemptRow attempt : attempts) {
            out.addDeliveryAttempts(DeliveryAttempt.newBuilder()
                                                   .setAttemptTime(ProtoTime.timestamp(attempt.attemptTime()))
                                                   .setProvider(attempt.provider())
                                                   .setOutcome(DeliveryOutcome.valueOf("DELIVERY_OUTCOME_" + attempt.outcome()))
                                                   .setDetail(attempt.detail()));
        }
        return out.build();
    }

    static Template toTemplate(TemplateRow row) {
        final Template.Builder out = Template.newBuilder()
                .setName("templates/" + row.id())
                .setId(row.id())
                .setDisplayName(row.displayName())
                .setChannel(Channel.valueOf("CHANNEL_" + row.channel()))
                .setSubjectTemplate(row.subjectTemplate())
                .setBodyTemplate(row.bodyTemplate())
                .setHtmlBodyTemplate(row.htmlBodyTemplate())
                .setDescription(row.description())
                .addAllVariables(row.variables());
        TemplateTexts.locales(row).forEach((tag, content) -> out.putLocales(tag, TemplateContent.newBuilder()
                .setSubjectTemplate(content.subject())
                .setBodyTemplate(content.body())
                .setHtmlBodyTemplate(content.html())
                .build()));
        if (row.createTime() != null) {
            out.setCreateTime(ProtoTime.timestamp(row.createTime())).setUpdateTime(ProtoTime.timestamp(row.updateTime()));
        }
        return out.build();
    }

    /** A stored channel ({@code EMAIL}) as the enum; {@code *} is CHANNEL_UNSPECIFIED (every channel). */
    static Channel toChannel(String channel) {
        return channel.equals("*") ? Channel.CHANNEL_UNSPECIFIED : Channel.valueOf("CHANNEL_" + channel);
    }

    static NotificationPreferences toPreferences(Preferences.UserPreferences preferences) {
        final NotificationPreferences.Builder out = NotificationPreferences.newBuilder()
                .setName("users/" + preferences.user() + "/notificationPreferences");
        for (OptOutRow o : preferences.optOuts()) {
            out.addOptOuts(OptOut.newBuilder().setChannel(toChannel(o.channel()))
                                 .setCategory(o.category().equals("*") ? "" : o.category()));
        }
        if (preferences.updateTime() != null) {
            out.setUpdateTime(ProtoTime.timestamp(preferences.updateTime()));
        }
        return out.build();
    }

    /** The opt-outs of a request as stored: an unset channel or an empty category is {@code *}. */
    static List<OptOutRow> optOuts(List<OptOut> optOuts) {
        final List<OptOutRow> rows = new ArrayList<>();
        for (OptOut o : optOuts) {
            rows.add(new OptOutRow(o.getChannel() == Channel.CHANNEL_UNSPECIFIED ? "*" : channel(o.getChannel()),
                                   o.getCategory().isEmpty() ? "*" : o.getCategory()));
        }
        return rows;
    }
}
