package io.sextant.notification.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * A row of {@code templates}.
 *
 * @param locales the locale variants as JSON: {@code {"de": {"subject_template": ..., "body_template": ...,
 *                "html_body_template": ...}}}
 */
public record TemplateRow(String id, String displayName, String channel, String subjectTemplate, String bodyTemplate,
                          String htmlBodyTemplate, String description, List<String> variables, String locales,
                          Instant createTime, Instant updateTime) {

    public static final String COLUMNS = "t.id, t.display_name, t.channel, t.subject_template, t.body_template,"
                                         + " t.html_body_template, t.description, t.variables,"
                                         + " t.locales::text AS locales, t.create_time, t.update_time";

    public TemplateRow {
        variables = List.copyOf(variables);
    }

    /** Maps {@link #COLUMNS}. */
    public static final class Mapper implements RowMapper<TemplateRow> {
        @Override
        public TemplateRow map(ResultSet rs, StatementContext ctx) throws SQLException {
            return new TemplateRow(rs.getString("id"), rs.getString("display_name"), rs.getString("channel"),
                                   rs.getString("subject_template"), rs.getString("body_template"),
                                   rs.getString("html_body_template"), rs.getString("description"),
                                   List.of((String[]) rs.getArray("variables").getArray()), rs.getString("locales"),
                                   rs.getObject("create_time", OffsetDateTime.class).toInstant(),
                                   rs.getObject("update_time", OffsetDateTime.class).toInstant());
        }
    }
}
