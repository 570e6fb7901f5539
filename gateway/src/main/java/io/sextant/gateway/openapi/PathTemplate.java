package io.sextant.gateway.openapi;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.sextant.gateway.backends.HttpRulePaths;

/**
 * An HttpRule path template as an OpenAPI path. OpenAPI path parameters cannot span a {@code /}, so
 * a variable bound to a resource-name pattern is spread over its segments: each {@code *} becomes a
 * parameter named after the collection literal before it plus {@code _id}, each {@code **} plus
 * {@code _path} (a literal with other characters than letters and digits has them as {@code _}):
 * <ul>
 *   <li>{@code /v1/{name=users/*}} → {@code /v1/users/{users_id}}; the field {@code name} carries
 *       {@code users/{users_id}}</li>
 *   <li>{@code /v1/{name=files/*}/share-links/*} → {@code /v1/files/{files_id}/share-links/{share_links_id}}</li>
 *   <li>{@code /v1/shared/{token}} → unchanged: a variable without a pattern is one parameter named by its field</li>
 * </ul>
 * A custom verb ({@code :share}) stays as it is.
 */
record PathTemplate(String path, List<Parameter> parameters) {

    /** One OpenAPI path parameter: its name, the request field it fills, and that field's pattern. */
    record Parameter(String name, String fieldPath, String fieldPattern) {}

    PathTemplate {
        parameters = List.copyOf(parameters);
    }

    /** The request fields bound in the path, as field paths ({@code file.name}). */
    Set<String> boundFieldPaths() {
        final Set<String> fields = new HashSet<>();
        for (Parameter parameter : parameters) {
            if (!parameter.fieldPath().isEmpty()) {
                fields.add(parameter.fieldPath());
            }
        }
        return fields;
    }

    static PathTemplate parse(String template) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("an HTTP rule's path must start with '/': " + template);
        }
        final List<String> segments = HttpRulePaths.segments(template.substring(1));
        final String last = segments.get(segments.size() - 1);
        final int close = last.lastIndexOf('}');
        final int colon = last.indexOf(':', close + 1);
        String verb = "";
        if (colon >= 0) {
            verb = last.substring(colon);
            segments.set(segments.size() - 1, last.substring(0, colon));
        }
        final List<Parameter> parameters = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        final StringBuilder path = new StringBuilder();
        String previousLiteral = "";
        for (String segment : segments) {
            if (segment.startsWith("{")) {
                if (!segment.endsWith("}")) {
                    throw new IllegalArgumentException("unclosed variable in HTTP rule path " + template);
                }
                final String variable = segment.substring(1, segment.length() - 1);
                final int equals = variable.indexOf('=');
                final String field = equals < 0 ? variable : variable.substring(0, equals);
                if (equals < 0) {
                    final String name = unique(field, names);
                    path.append('/').append('{').append(name).append('}');
                    parameters.add(new Parameter(name, field, null));
                    continue;
                }
                final String pattern = variable.substring(equals + 1);
                final StringBuilder fieldPattern = new StringBuilder();
                String literal = previousLiteral;
                final List<Parameter> ofField = new ArrayList<>();
                for (String part : pattern.split("/", -1)) {
                    final String piece;
                    if (part.equals("*") || part.equals("**")) {
                        final String name = unique(identifier(literal.isEmpty() ? field : literal)
                                                   + (part.equals("*") ? "_id" : "_path"), names);
                        ofField.add(new Parameter(name, field, null));
                        piece = "{" + name + "}";
                    } else {
                        literal = part;
                        piece = part;
                    }
                    path.append('/').append(piece);
                    fieldPattern.append(fieldPattern.length() == 0 ? "" : "/").append(piece);
                }
                ofField.forEach(p -> parameters.add(new Parameter(p.name(), field, fieldPattern.toString())));
                previousLiteral = literal;
            } else if (segment.equals("*") || segment.equals("**")) {
                // a wildcard outside any variable matches a segment that fills no field
                final String name = unique(identifier(previousLiteral.isEmpty() ? "segment" : previousLiteral)
                                           + (segment.equals("*") ? "_id" : "_path"), names);
                path.append('/').append('{').append(name).append('}');
                parameters.add(new Parameter(name, "", null));
            } else {
                path.append('/').append(segment);
                previousLiteral = segment;
            }
        }
        return new PathTemplate(path.append(verb).toString(), parameters);
    }

    private static String identifier(String literal) {
        return literal.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    }

    private static String unique(String name, Set<String> taken) {
        String candidate = name;
        for (int n = 2; !taken.add(candidate); n++) {
            candidate = name + "_" + n;
        }
        return candidate;
    }
}
