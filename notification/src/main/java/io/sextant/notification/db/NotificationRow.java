package io.sextant.notification.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * A row of {@code notifications}.
 *
 * @param channel           {@code EMAIL}, {@code SMS}, {@code PUSH}, {@code WEBHOOK} or {@code IN_APP}
 * @param recipient         as the request gave it (an address, or {@code users/{id}})
 * @param address           where it goes: the recipient, with {@code users/{id}} resolved for EMAIL and SMS
 * @param templateVariables the variables as a JSON object of strings
 * @param status            {@code QUEUED}, {@code SCHEDULED}, {@code SENDING}, {@code SENT}, {@code FAILED}, {@code CANCELLED}
 * @param sendTime          null until SENT
 */
public record NotificationRow(UUID id, String channel, String recipient, String address, String template,
                              String templateVariables, String category, String locale, String subject, String body,
                              String htmlBody, boolean sensitive, String status, int attempts, String error,
                              Instant scheduleTime, Instant sendTime, String creator, Instant createTime,
                              Instant updateTime) {

    /** The columns {@link Mapper} reads, for a query over {@code notifications n}. */
    public static final String COLUMNS =
            "n.id, n.channel, n.recipient, n.address, n.template, n.template_variables::text AS template_variables,"
            + " n.category, n.locale, n.subject, n.body, n.html_body, n.sensitive, n.status, n.attempts, n.error,"
            + " n.schedule_time, n.send_time, n.creator, n.create_time, n.update_time";

    /** The statuses after which nothing changes. */
    public static boolean isFinal(String status) {
        return status.equals("SENT") || status.equals("FAILED") || status.equals("CANCELLED")
               || status.equals("SUPPRESSED");
    }

    /** Maps {@link #COLUMNS}. */
    public static final class Mapper implements RowMapper<NotificationRow> {
        @Override
        public NotificationRow map(ResultSet rs, StatementContext ctx) throws SQLException {
            final OffsetDateTime sent = rs.getObject("send_time", OffsetDateTime.class);
            return new NotificationRow(rs.getObject("id", UUID.class), rs.getString("channel"),
                                       rs.getString("recipient"), rs.getString("address"), rs.getString("template"),
                                       rs.getString("template_variables"), rs.getString("category"),
                                       rs.getString("locale"), rs.getString("subject"), rs.getString("body"),
                                       rs.getString("html_body"), rs.getBoolean("sensitive"), rs.getString("status"),
                                       rs.getInt("attempts"), rs.getString("error"),
                                       rs.getObject("schedule_time", OffsetDateTime.class).toInstant(),
                                       sent == null ? null : sent.toInstant(), rs.getString("creator"),
                                       rs.getObject("create_time", OffsetDateTime.class).toInstant(),
                                       rs.getObject("update_time", OffsetDateTime.class).toInstant());
        }
    }
}
