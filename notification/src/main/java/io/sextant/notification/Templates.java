package io.sextant.notification;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jdbi.v3.core.Jdbi;

import io.sextant.notification.db.NotificationQueries;
import io.sextant.notification.db.TemplateDao;
import io.sextant.notification.db.TemplateRow;
import io.sextant.notification.v1.Channel;
import io.sextant.notification.v1.Template;
import io.sextant.notification.v1.TemplateContent;
import io.sextant.platform.error.Errors;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.UpdateMask;

/** Templates: their rules (texts compile, the channel's content rules for every variant) and storage. */
final class Templates {

    private final Jdbi jdbi;

    Templates(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    TemplateRow get(String id) {
        return jdbi.withExtension(TemplateDao.class, dao -> dao.find(id))
                   .orElseThrow(() -> Errors.notFound("template", "templates/" + id));
    }

    Page<TemplateRow> list(String filter, int pageSize, String pageToken) {
        return jdbi.withHandle(h -> NotificationQueries.templates(h, filter, pageSize, pageToken));
    }

    /** Creates the template under {@code id} (a UUID when empty); ALREADY_EXISTS when taken. */
    TemplateRow create(String id, Template template) {
        final String chosen = id.isEmpty() ? UUID.randomUUID().toString() : id;
        check(template, "template.");
        final TemplateRow row = row(chosen, template);
        return jdbi.inTransaction(h -> {
            final TemplateDao dao = h.attach(TemplateDao.class);
            if (!dao.insert(row, row.variables().toArray(String[]::new))) {
                throw Errors.alreadyExists("TEMPLATE_EXISTS", "template 'templates/" + chosen + "' exists already");
            }
            return dao.find(chosen).orElseThrow();
        });
    }

    /** Changes the named fields of the template, checked as a whole afterwards. */
    TemplateRow update(String id, Template request, List<String> paths) {
        if (paths.contains("body_template") && request.getBodyTemplate().isEmpty()) {
            throw Errors.invalidField("template.body_template", "cannot be cleared");
        }
        return jdbi.inTransaction(h -> {
            final TemplateDao dao = h.attach(TemplateDao.class);
            final TemplateRow current = dao.lock(id).orElseThrow(() -> Errors.notFound("template", "templates/" + id));
            final Template changed = UpdateMask.apply(NotificationProtos.toTemplate(current), request, paths);
            check(changed, "template.");
            final TemplateRow row = row(id, changed);
            dao.update(row, row.variables().toArray(String[]::new));
            return dao.find(id).orElseThrow();
        });
    }

    void delete(String id) {
        if (!jdbi.withExtension(TemplateDao.class, dao -> dao.delete(id))) {
            throw Errors.notFound("template", "templates/" + id);
        }
    }

    /** The texts compile, and every variant keeps to the channel's content rules. */
    static void check(Template template, String prefix) {
        final boolean email = template.getChannel() == Channel.CHANNEL_EMAIL;
        final boolean subjectAllowed = email || template.getChannel() == Channel.CHANNEL_PUSH
                                       || template.getChannel() == Channel.CHANNEL_IN_APP;
        checkContent(prefix, template.getSubjectTemplate(), template.getBodyTemplate(), template.getHtmlBodyTemplate(),
                     email, subjectAllowed);
        for (Map.Entry<String, TemplateContent> variant : template.getLocalesMap().entrySet()) {
            final TemplateContent content = variant.getValue();
            checkContent(prefix + "locales[\"" + variant.getKey() + "\"].", content.getSubjectTemplate(),
                         content.getBodyTemplate(), content.getHtmlBodyTemplate(), email, subjectAllowed);
        }
    }

    private static void checkContent(String prefix, String subject, String body, String html, boolean email,
                                     boolean subjectAllowed) {
        if (!subject.isEmpty() && !subjectAllowed) {
            throw Errors.invalidField(prefix + "subject_template", "must be empty for this channel");
        }
        if (!html.isEmpty() && !email) {
            throw Errors.invalidField(prefix + "html_body_template", "is only for the EMAIL channel");
        }
        if (body.isEmpty()) {
            throw Errors.invalidField(prefix + "body_template", "is required");
        }
        TemplateTexts.check(prefix + "subject_template", subject, false);
        TemplateTexts.check(prefix + "body_template", body, false);
        TemplateTexts.check(prefix + "html_body_template", html, true);
    }

    private static TemplateRow row(String id, Template template) {
        return new TemplateRow(id, template.getDisplayName(), NotificationProtos.channel(template.getChannel()),
                               template.getSubjectTemplate(), template.getBodyTemplate(),
                               template.getHtmlBodyTemplate(), template.getDescription(),
                               template.getVariablesList(), TemplateTexts.localesJson(template.getLocalesMap()),
                               null, null);
    }
}
