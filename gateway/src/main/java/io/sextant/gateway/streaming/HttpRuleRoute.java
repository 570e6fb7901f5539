package io.sextant.gateway.streaming;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import com.google.api.HttpRule;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.Route;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.sextant.gateway.backends.HttpRulePaths;

/**
 * One binding of a {@code google.api.http} rule as an Armeria route: its HTTP method and its path
 * template as an anchored regular expression, one named group per variable, which captures the whole
 * value the variable gives its field ({@code {name=files/*}} gives {@code name} {@code files/abc}, as
 * the HttpRule spec and the unary transcoder do). Template syntax (HttpRule): segments of literals,
 * {@code *} (one segment), {@code **} (the rest) and {@code {field.path=pattern}} variables, and a
 * final {@code :verb}.
 *
 * @param variables the field path of each variable, in the order of their groups ({@code v0}, {@code v1}...)
 */
record HttpRuleRoute(HttpMethod method, String template, Pattern pattern, List<String> variables) {

    HttpRuleRoute {
        variables = List.copyOf(variables);
    }

    Route route() {
        return Route.builder().methods(method).regex(pattern).build();
    }

    /** The name of the group of the i-th variable. */
    static String group(int i) {
        return "v" + i;
    }

    /** The value of each variable in a request this route matched, in the order of {@link #variables}. */
    List<String> pathValues(ServiceRequestContext ctx) {
        final List<String> values = new ArrayList<>(variables.size());
        for (int i = 0; i < variables.size(); i++) {
            values.add(ctx.pathParam(group(i)));
        }
        return values;
    }

    /** A request's query parameters; none without a query string. */
    static QueryParams query(ServiceRequestContext ctx) {
        return ctx.query() == null ? QueryParams.of() : QueryParams.fromQueryString(ctx.query());
    }

    static HttpRuleRoute of(HttpRule rule) {
        return switch (rule.getPatternCase()) {
            case GET -> parse(HttpMethod.GET, rule.getGet());
            case PUT -> parse(HttpMethod.PUT, rule.getPut());
            case POST -> parse(HttpMethod.POST, rule.getPost());
            case DELETE -> parse(HttpMethod.DELETE, rule.getDelete());
            case PATCH -> parse(HttpMethod.PATCH, rule.getPatch());
            case CUSTOM -> parse(HttpMethod.valueOf(rule.getCustom().getKind().toUpperCase(Locale.ROOT)),
                                 rule.getCustom().getPath());
            case PATTERN_NOT_SET -> throw new IllegalArgumentException("an HTTP rule without a pattern");
        };
    }

    static HttpRuleRoute parse(HttpMethod method, String template) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("an HTTP rule's path must start with '/': " + template);
        }
        final List<String> segments = HttpRulePaths.segments(template.substring(1));
        final int lastIndex = segments.size() - 1;
        final String last = segments.get(lastIndex);
        final int colon = last.indexOf(':', last.lastIndexOf('}') + 1);
        String verb = "";
        if (colon >= 0) {
            verb = last.substring(colon);
            segments.set(lastIndex, last.substring(0, colon));
        }
        final StringBuilder regex = new StringBuilder("^");
        final List<String> variables = new ArrayList<>();
        for (String segment : segments) {
            regex.append('/');
            if (segment.startsWith("{")) {
                if (!segment.endsWith("}")) {
                    throw new IllegalArgumentException("unclosed variable in HTTP rule path " + template);
                }
                final String variable = segment.substring(1, segment.length() - 1);
                final int equals = variable.indexOf('=');
                final String field = equals < 0 ? variable : variable.substring(0, equals);
                final String pattern = equals < 0 ? "*" : variable.substring(equals + 1);
                regex.append("(?<").append(group(variables.size())).append('>');
                final String[] parts = pattern.split("/", -1);
                for (int i = 0; i < parts.length; i++) {
                    regex.append(i == 0 ? "" : "/").append(segmentRegex(parts[i], template));
                }
                regex.append(')');
                variables.add(field);
            } else {
                regex.append(segmentRegex(segment, template));
            }
        }
        regex.append(verb.isEmpty() ? "" : Pattern.quote(verb)).append('$');
        return new HttpRuleRoute(method, template, Pattern.compile(regex.toString()), variables);
    }

    private static String segmentRegex(String segment, String template) {
        if (segment.equals("*")) {
            return "[^/]+";
        }
        if (segment.equals("**")) {
            return ".+";
        }
        if (segment.isEmpty() || segment.contains("{") || segment.contains("}")) {
            throw new IllegalArgumentException("a malformed segment '" + segment + "' in HTTP rule path " + template);
        }
        return Pattern.quote(segment);
    }
}
