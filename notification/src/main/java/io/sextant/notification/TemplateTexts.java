package io.sextant.notification;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;

import io.sextant.notification.db.TemplateRow;
import io.sextant.notification.v1.TemplateContent;
import io.sextant.platform.error.Errors;

/**
 * Mustache (JMustache) for templates: checking that texts compile, choosing a locale variant and
 * rendering it. Subjects and plain texts are rendered as they are; only HTML bodies escape the
 * values {@code {{x}}} inserts ({@code {{{x}}}} inserts them as they are). A variable name with dots
 * ({@code user.name}) is a path, as in Mustache: {@code {{user.name}}}, or {@code {{name}}} inside
 * {@code {{#user}}}. A variable the texts use but the request lacks is an error naming it, as is a
 * declared one that is missing.
 */
final class TemplateTexts {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Map<String, String>>> LOCALES = new TypeReference<>() {};

    private static final Mustache.Compiler PLAIN = Mustache.compiler().escapeHTML(false).standardsMode(false)
                                                           .strictSections(false);
    private static final Mustache.Compiler HTML = PLAIN.escapeHTML(true);

    /** The texts of one variant. */
    record Content(String subject, String body, String html) {}

    /** What a template rendered to, and which variant ({@code ""} for the template's own texts). */
    record Rendered(String subject, String body, String html, String locale) {}

    private TemplateTexts() {}

    /** Checks that a text compiles: INVALID_ARGUMENT naming {@code field} with the parser's words. */
    static void check(String field, String text, boolean html) {
        if (text.isEmpty()) {
            return;
        }
        try {
            (html ? HTML : PLAIN).compile(text);
        } catch (MustacheException e) {
            throw Errors.invalidField(field, "is not a valid Mustache template: " + e.getMessage());
        }
    }

    /** The locale variants of a stored template. */
    static Map<String, Content> locales(TemplateRow row) {
        final Map<String, Map<String, String>> stored;
        try {
            stored = JSON.readValue(row.locales(), LOCALES);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("templates.locales of " + row.id() + " is not the JSON this service writes", e);
        }
        final Map<String, Content> locales = new LinkedHashMap<>();
        stored.forEach((tag, texts) -> locales.put(tag, new Content(texts.getOrDefault("subject_template", ""),
                                                                    texts.getOrDefault("body_template", ""),
                                                                    texts.getOrDefault("html_body_template", ""))));
        return locales;
    }

    /** The locale variants as the column stores them. */
    static String localesJson(Map<String, TemplateContent> locales) {
        final Map<String, Map<String, String>> stored = new LinkedHashMap<>();
        locales.forEach((tag, content) -> stored.put(tag, Map.of("subject_template", content.getSubjectTemplate(),
                                                                 "body_template", content.getBodyTemplate(),
                                                                 "html_body_template", content.getHtmlBodyTemplate())));
        try {
            return JSON.writeValueAsString(stored);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The variant for a locale: the exact tag (case-insensitively), else its language alone, else
     * the template's own texts (locale {@code ""}).
     */
    static Map.Entry<String, Content> choose(TemplateRow row, String locale) {
        final Content own = new Content(row.subjectTemplate(), row.bodyTemplate(), row.htmlBodyTemplate());
        if (locale.isEmpty()) {
            return Map.entry("", own);
        }
        final Map<String, Content> locales = locales(row);
        final String wanted = locale.toLowerCase(Locale.ROOT);
        final String language = wanted.split("-", 2)[0];
        for (String tag : List.of(wanted, language)) {
            for (Map.Entry<String, Content> variant : locales.entrySet()) {
                if (variant.getKey().toLowerCase(Locale.ROOT).equals(tag)) {
                    return variant;
                }
            }
        }
        return Map.entry("", own);
    }

    /**
     * Renders the template's variant for {@code locale} with the variables.
     *
     * @param variablesField the request field of the variables, for errors ({@code notification.template_variables})
     */
    static Rendered render(TemplateRow row, Map<String, String> variables, String locale, String variablesField) {
        for (String declared : row.variables()) {
            if (!variables.containsKey(declared)) {
                throw Errors.invalidField(variablesField + "[\"" + declared + "\"]",
                                          "is missing: the template " + row.id() + " declares it");
            }
        }
        final Map.Entry<String, Content> variant = choose(row, locale);
        final Content texts = variant.getValue();
        final Map<String, Object> context = nest(variables, variablesField);
        return new Rendered(render(PLAIN, texts.subject(), context, variablesField),
                            render(PLAIN, texts.body(), context, variablesField),
                            render(HTML, texts.html(), context, variablesField), variant.getKey());
    }

    /** {@code a.b = x} as {@code {a: {b: x}}}; a name that is both a value and a path is an error naming it. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> nest(Map<String, String> variables, String variablesField) {
        final Map<String, Object> root = new HashMap<>();
        for (Map.Entry<String, String> variable : new java.util.TreeMap<>(variables).entrySet()) {
            final String[] path = variable.getKey().split("\\.");
            Map<String, Object> at = root;
            for (int i = 0; i < path.length; i++) {
                final Object there = at.get(path[i]);
                if (i == path.length - 1) {
                    if (there != null) {
                        throw conflict(variablesField, variable.getKey());
                    }
                    at.put(path[i], variable.getValue());
                } else if (there == null) {
                    final Map<String, Object> inner = new HashMap<>();
                    at.put(path[i], inner);
                    at = inner;
                } else if (there instanceof Map<?, ?> inner) {
                    at = (Map<String, Object>) inner;
                } else {
                    throw conflict(variablesField, variable.getKey());
                }
            }
        }
        return root;
    }

    private static RuntimeException conflict(String variablesField, String name) {
        return Errors.invalidField(variablesField + "[\"" + name + "\"]",
                                   "is both a value and a path of other variables (a.b and a.b.c cannot both be set)");
    }

    private static String render(Mustache.Compiler compiler, String text, Map<String, Object> context,
                                 String variablesField) {
        if (text.isEmpty()) {
            return "";
        }
        final Template template;
        try {
            template = compiler.compile(text);
        } catch (MustacheException e) {
            // stored texts were checked when stored; a failure here is a template changed outside the API
            throw new IllegalStateException("a stored template does not compile: " + e.getMessage(), e);
        }
        try {
            return template.execute(context);
        } catch (MustacheException.Context e) {
            throw Errors.invalidField(variablesField + "[\"" + e.key + "\"]",
                                      "is missing: the template uses it on line " + e.lineNo);
        } catch (MustacheException e) {
            throw Errors.invalidField(variablesField, "cannot be rendered into the template: " + e.getMessage());
        }
    }
}
