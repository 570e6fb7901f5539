package io.sextant.users;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;

/**
 * ListUsers' {@code filter} (an AIP-160 subset): comparisons joined by {@code AND}, parsed into a
 * SQL condition over {@code profiles p} whose values are all bound parameters (never spliced in).
 *
 * <pre>
 * filter     = comparison { "AND" comparison }
 * comparison = "role" "=" string | "active" ("=" | "!=") ("true" | "false")
 *            | "email_domain" "=" string | "locale" "=" string
 *            | ("create_time" | "update_time") ("=" | "!=" | "<" | "<=" | ">" | ">=") string(RFC 3339)
 * </pre>
 *
 * @param sql        the condition ("true" for an empty filter)
 * @param parameters the values of the {@code :f<n>} parameters in {@code sql}
 */
record UserFilter(String sql, Map<String, Object> parameters) {

    static final String EXPECTED = "expected comparisons joined by AND: role = \"<role id>\", active = true|false,"
                                   + " email_domain = \"<domain>\", locale = \"<tag>\", or create_time/update_time"
                                   + " with =, !=, <, <=, >, >= and an RFC 3339 time in double quotes";

    /** The times a filter may name: RFC 3339's four-digit years, in UTC. */
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");

    static UserFilter parse(String filter) {
        return new Parser(filter).parse();
    }

    private static final class Parser {

        private final String text;
        private final List<String> conditions = new ArrayList<>();
        private final Map<String, Object> parameters = new LinkedHashMap<>();
        private int pos;

        Parser(String text) {
            this.text = text;
        }

        UserFilter parse() {
            skipSpaces();
            if (pos == text.length()) {
                return new UserFilter("true", Map.of());
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
            return new UserFilter(String.join(" AND ", conditions), Map.copyOf(parameters));
        }

        private void comparison() {
            skipSpaces();
            final int fieldAt = pos;
            final String field = identifier();
            if (field.isEmpty()) {
                throw bad(fieldAt, "expected a field name (role, active, email_domain, locale, create_time, update_time)");
            }
            skipSpaces();
            final int opAt = pos;
            final String op = operator();
            skipSpaces();
            final int valueAt = pos;
            switch (field) {
                case "role" -> {
                    requireEquals(field, op, opAt);
                    conditions.add("EXISTS (SELECT 1 FROM user_roles fr WHERE fr.user_id = p.id AND fr.role_id = "
                                   + bind(string(valueAt)) + ")");
                }
                case "email_domain" -> {
                    requireEquals(field, op, opAt);
                    conditions.add("p.email_domain = " + bind(string(valueAt).toLowerCase(Locale.ROOT)));
                }
                case "locale" -> {
                    requireEquals(field, op, opAt);
                    conditions.add("p.locale = " + bind(string(valueAt)));
                }
                case "active" -> {
                    if (!op.equals("=") && !op.equals("!=")) {
                        throw bad(opAt, "active takes = or !=");
                    }
                    final String word = identifier();
                    if (!word.equals("true") && !word.equals("false")) {
                        throw bad(valueAt, "active takes true or false (without quotes)");
                    }
                    conditions.add("p.active " + (op.equals("=") ? "=" : "<>") + " " + bind(Boolean.valueOf(word)));
                }
                case "create_time", "update_time" -> {
                    if (op.isEmpty()) {
                        throw bad(opAt, field + " takes =, !=, <, <=, > or >=");
                    }
                    final String value = string(valueAt);
                    final Instant time;
                    try {
                        time = OffsetDateTime.parse(value).toInstant();
                    } catch (DateTimeException e) {
                        throw bad(valueAt, field + " takes an RFC 3339 time such as \"2026-01-01T00:00:00Z\", not \""
                                           + value + "\"");
                    }
                    // RFC 3339 has four-digit years; ISO 8601's longer ones ("+999999999-...") would
                    // overflow OffsetDateTime in UTC or PostgreSQL's timestamptz (a 500 instead of a 400)
                    if (time.isBefore(EARLIEST) || time.isAfter(LATEST)) {
                        throw bad(valueAt, field + " takes a time from year 0001 to 9999 (UTC), not \"" + value + "\"");
                    }
                    conditions.add("p." + field + " " + (op.equals("!=") ? "<>" : op) + " "
                                   + bind(OffsetDateTime.ofInstant(time, java.time.ZoneOffset.UTC)));
                }
                default -> throw bad(fieldAt, "unknown field '" + field
                                              + "': filter on role, active, email_domain, locale, create_time or update_time");
            }
        }

        private void requireEquals(String field, String op, int at) {
            if (!op.equals("=")) {
                throw bad(at, field + " takes = and a string in double quotes");
            }
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

        private String operator() {
            for (String op : new String[] {"!=", "<=", ">=", "=", "<", ">"}) {
                if (text.startsWith(op, pos)) {
                    pos += op.length();
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
            return Errors.invalidField("filter", what + " at position " + (at + 1) + "; " + EXPECTED);
        }
    }
}
