package io.sextant.platform.resource;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.resource.FilterField.Operator;

/**
 * The fields of one resource that a List method's {@code filter} may name, and the parser of that
 * filter: the AIP-160 subset of comparisons joined by {@code AND}, parsed into a SQL condition whose
 * every value is a bound parameter (never spliced in). An error is INVALID_ARGUMENT on
 * {@code filter} that says what was expected and at which position.
 *
 * <pre>
 * filter     = [ comparison { "AND" comparison } ]
 * comparison = field operator value
 * operator   = "=" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;="       (each field allows some)
 * value      = string | "true" | "false" | word          (by the field's type)
 * string     = '"' { char | '\"' | '\\' } '"'            (a time: RFC 3339 in a string)
 * </pre>
 *
 * <pre>{@code
 * static final FilterFields FILTER = FilterFields.of(
 *         FilterField.string("channel", "n.channel"),
 *         FilterField.enumeration("state", "n.state", List.of("PENDING", "SENT", "FAILED")),
 *         FilterField.timestamp("create_time", "n.create_time"));
 * SqlFilter where = FILTER.parse(request.getFilter());   // where.sql(), where.parameters()
 * }</pre>
 */
public final class FilterFields {

    /** The times a filter may name: RFC 3339's four-digit years, in UTC. */
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");
    /** Longest first, so that {@code <=} is not read as {@code <}. */
    private static final List<Operator> BY_LENGTH =
            List.of(Operator.NE, Operator.LE, Operator.GE, Operator.EQ, Operator.LT, Operator.GT);

    private final Map<String, FilterField> fields;
    private final String expected;

    private FilterFields(Map<String, FilterField> fields, String expected) {
        this.fields = fields;
        this.expected = expected;
    }

    /** The fields, in the order the messages list them. */
    public static FilterFields of(FilterField... fields) {
        final Map<String, FilterField> byName = new LinkedHashMap<>();
        for (FilterField field : fields) {
            if (byName.put(field.name(), field) != null) {
                throw new IllegalArgumentException("filter field " + field.name() + " declared twice");
            }
        }
        if (byName.isEmpty()) {
            throw new IllegalArgumentException("a filter needs at least one field");
        }
        final List<String> each = new ArrayList<>();
        for (FilterField field : byName.values()) {
            each.add(describe(field));
        }
        return new FilterFields(java.util.Collections.unmodifiableMap(byName),
                                "expected comparisons joined by AND: " + Lists.or(each));
    }

    /**
     * The same fields with another closing sentence of every error message (it says what a filter
     * looks like; by default one is made from the fields).
     */
    public FilterFields withExpected(String sentence) {
        return new FilterFields(fields, sentence);
    }

    /** The fields by name, in declaration order. */
    public Map<String, FilterField> fields() {
        return fields;
    }

    /** The closing sentence of every error message. */
    public String expected() {
        return expected;
    }

    /** Parses a filter; an empty (or blank) one is {@code true}. */
    public SqlFilter parse(String filter) {
        return new Parser(filter).parse();
    }

    private static String describe(FilterField field) {
        final List<String> operators = field.operators().stream().map(Operator::text).toList();
        return switch (field.type()) {
            case STRING -> field.name() + " " + String.join("|", operators) + " \"<string>\"";
            case BOOL -> field.name() + " " + String.join("|", operators) + " true|false";
            case TIMESTAMP -> field.name() + " " + String.join("|", operators) + " \"<RFC 3339 time>\"";
            case ENUM -> field.name() + " " + String.join("|", operators) + " " + String.join("|", field.values());
            case INTEGER -> field.name() + " " + String.join("|", operators) + " <integer>";
        };
    }

    private final class Parser {

        private final String text;
        private final List<String> conditions = new ArrayList<>();
        private final Map<String, Object> parameters = new LinkedHashMap<>();
        private int pos;

        Parser(String text) {
            this.text = text;
        }

        SqlFilter parse() {
            skipSpaces();
            if (pos == text.length()) {
                return new SqlFilter("true", Map.of(), text.strip());
            }
            comparison();
            while (true) {
                skipSpaces();
                if (pos == text.length()) {
                    break;
                }
                final int at = pos;
                final String word = identifier();
                if (!word.equals("AND")) {
                    throw bad(at, word.isEmpty() ? "expected AND" : "expected AND, found '" + word + "'"
                                                                    + (word.equalsIgnoreCase("or") || word.equalsIgnoreCase("not")
                                                                       ? " (only AND is supported)" : ""));
                }
                comparison();
            }
            return new SqlFilter(String.join(" AND ", conditions), parameters, text.strip());
        }

        private void comparison() {
            skipSpaces();
            final int fieldAt = pos;
            final String name = identifier();
            if (name.isEmpty()) {
                throw bad(fieldAt, "expected a field name (" + String.join(", ", fields.keySet()) + ")");
            }
            skipSpaces();
            final int opAt = pos;
            final Operator op = operator();
            skipSpaces();
            final int valueAt = pos;
            final FilterField field = fields.get(name);
            if (field == null) {
                throw bad(fieldAt, "unknown field '" + name + "': filter on " + Lists.or(List.copyOf(fields.keySet())));
            }
            if (!field.operators().contains(op)) {
                final String allowed = Lists.or(field.operators().stream().map(Operator::text).toList());
                throw bad(opAt, name + " takes " + allowed + switch (field.type()) {
                    case STRING -> " and a string in double quotes";
                    case ENUM -> " and one of " + Lists.or(field.values());
                    case BOOL, TIMESTAMP, INTEGER -> "";
                });
            }
            final Object value = switch (field.type()) {
                case STRING -> field.normalize().apply(string(valueAt));
                case BOOL -> {
                    final String word = identifier();
                    if (!word.equals("true") && !word.equals("false")) {
                        throw bad(valueAt, name + " takes true or false (without quotes)");
                    }
                    yield Boolean.valueOf(word);
                }
                case ENUM -> {
                    final String word = identifier();
                    if (!field.values().contains(word)) {
                        throw bad(valueAt, name + " takes " + Lists.or(field.values()) + " (without quotes)");
                    }
                    yield word;
                }
                case TIMESTAMP -> time(name, valueAt);
                case INTEGER -> integer(name, valueAt);
            };
            conditions.add(field.condition().sql(op.sql(), bind(value)));
        }

        private OffsetDateTime time(String name, int valueAt) {
            final String value = string(valueAt);
            final Instant time;
            try {
                time = OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeException e) {
                throw bad(valueAt, name + " takes an RFC 3339 time such as \"2026-01-01T00:00:00Z\", not \""
                                   + value + "\"");
            }
            // RFC 3339 has four-digit years; ISO 8601's longer ones ("+999999999-...") would
            // overflow OffsetDateTime in UTC or PostgreSQL's timestamptz (a 500 instead of a 400)
            if (time.isBefore(EARLIEST) || time.isAfter(LATEST)) {
                throw bad(valueAt, name + " takes a time from year 0001 to 9999 (UTC), not \"" + value + "\"");
            }
            return OffsetDateTime.ofInstant(time, ZoneOffset.UTC);
        }

        /** A whole number without quotes: an optional '-', then 1 to 18 ASCII digits (no overflow). */
        private Long integer(String name, int valueAt) {
            final int start = pos;
            if (pos < text.length() && text.charAt(pos) == '-') {
                pos++;
            }
            while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
                pos++;
            }
            final String digits = text.substring(start, pos);
            final int length = digits.startsWith("-") ? digits.length() - 1 : digits.length();
            if (length == 0 || length > 18 || pos < text.length() && !Character.isWhitespace(text.charAt(pos))) {
                throw bad(valueAt, name + " takes a whole number of at most 18 digits (without quotes)");
            }
            return Long.valueOf(digits);
        }

        private String bind(Object value) {
            final String name = "f" + parameters.size();
            parameters.put(name, value);
            return ":" + name;
        }

        private String identifier() {
            final int start = pos;
            while (pos < text.length()
                   && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
                pos++;
            }
            return text.substring(start, pos);
        }

        private Operator operator() {
            for (Operator op : BY_LENGTH) {
                if (text.startsWith(op.text(), pos)) {
                    pos += op.text().length();
                    return op;
                }
            }
            throw bad(pos, "expected a comparison operator (=, !=, <, <=, >, >=)");
        }

        /** A double-quoted string; {@code \"} and {@code \\} escape. */
        private String string(int at) {
            if (pos >= text.length() || text.charAt(pos) != '"') {
                throw bad(at, "expected a value in double quotes");
            }
            pos++;
            final StringBuilder sb = new StringBuilder();
            while (pos < text.length()) {
                final char c = text.charAt(pos++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c == '\\' && pos < text.length()) {
                    sb.append(text.charAt(pos++));
                } else {
                    sb.append(c);
                }
            }
            throw bad(at, "the string that starts here has no closing double quote");
        }

        private void skipSpaces() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private ServiceException bad(int at, String what) {
            return Errors.invalidField("filter", what + " at position " + (at + 1) + "; " + expected);
        }
    }
}
