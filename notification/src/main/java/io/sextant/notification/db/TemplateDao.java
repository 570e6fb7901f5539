package io.sextant.notification.db;

import java.util.Optional;

import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The templates. */
@RegisterRowMapper(TemplateRow.Mapper.class)
public interface TemplateDao {

    @SqlQuery("SELECT " + TemplateRow.COLUMNS + " FROM templates t WHERE t.id = :id")
    Optional<TemplateRow> find(@Bind("id") String id);

    /** Inserts the template unless its id is taken; returns whether it inserted. */
    @SqlUpdate("INSERT INTO templates (id, display_name, channel, subject_template, body_template, html_body_template,"
               + " description, variables, locales) VALUES (:t.id, :t.displayName, :t.channel, :t.subjectTemplate,"
               + " :t.bodyTemplate, :t.htmlBodyTemplate, :t.description, :variables, CAST(:t.locales AS jsonb))"
               + " ON CONFLICT (id) DO NOTHING")
    boolean insert(@BindMethods("t") TemplateRow template, @Bind("variables") String[] variables);

    /** Replaces the changeable fields of the template; returns whether it exists. */
    @SqlUpdate("UPDATE templates SET display_name = :t.displayName, subject_template = :t.subjectTemplate,"
               + " body_template = :t.bodyTemplate, html_body_template = :t.htmlBodyTemplate,"
               + " description = :t.description, variables = :variables, locales = CAST(:t.locales AS jsonb),"
               + " update_time = now() WHERE id = :t.id")
    boolean update(@BindMethods("t") TemplateRow template, @Bind("variables") String[] variables);

    /** Locks the template's row for the rest of the transaction. */
    @SqlQuery("SELECT " + TemplateRow.COLUMNS + " FROM templates t WHERE t.id = :id FOR UPDATE")
    Optional<TemplateRow> lock(@Bind("id") String id);

    @SqlUpdate("DELETE FROM templates WHERE id = :id")
    boolean delete(@Bind("id") String id);
}
