package io.sextant.platform.resource;

import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * One field a {@code filter} may name: its name, its type, the operators it takes and the SQL of a
 * comparison on it. Made with {@link #string}, {@link #bool}, {@link #timestamp},
 * {@link #integer} or {@link #enumeration}, then narrowed with the {@code with...} methods.
 *
 * @param values the values of an enum field (what the filter writes without quotes)
 */
public record FilterField(String name, Type type, List<Operator> operators, Condition condition,
                          UnaryOperator<String> normalize, List<String> values) {

    /** The value a field takes. */
    public enum Type {
        /** A string in double quotes ({@code \"} and {@code \\} escape). */
        STRING,
        /** {@code true} or {@code false}, without quotes. */
        BOOL,
        /** An RFC 3339 time in double quotes, years 0001 to 9999 in UTC; bound as an OffsetDateTime. */
        TIMESTAMP,
        /** One of a fixed set of words, without quotes; bound as a String. */
        ENUM,
        /** A whole number (at most 18 digits, optionally negative), without quotes; bound as a Long. */
        INTEGER
    }

    /** A comparison operator, as the filter writes it and as SQL does. */
    public enum Operator {
        EQ("=", "="), NE("!=", "<>"), LE("<=", "<="), GE(">=", ">="), LT("<", "<"), GT(">", ">");

        /** Every operator, in the order a message lists them. */
        public static final List<Operator> ALL = List.of(EQ, NE, LT, LE, GT, GE);

        private final String text;
        private final String sql;

        Operator(String text, String sql) {
            this.text = text;
            this.sql = sql;
        }

        public String text() {
            return text;
        }

        public String sql() {
            return sql;
        }
    }

    /** The SQL of one comparison, from the SQL operator and the value's placeholder (never the value). */
    @FunctionalInterface
    public interface Condition {
        String sql(String operator, String placeholder);
    }

    public FilterField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(condition, "condition");
        Objects.requireNonNull(normalize, "normalize");
        operators = List.copyOf(operators);
        values = List.copyOf(values);
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("a filter field name is lower_snake_case: " + name);
        }
        if (operators.isEmpty()) {
            throw new IllegalArgumentException(name + " takes no operator");
        }
        if (type == Type.ENUM && values.isEmpty()) {
            throw new IllegalArgumentException(name + " is an enum without values");
        }
    }

    /** A string field compared with {@code =} to {@code column}. */
    public static FilterField string(String name, String column) {
        return new FilterField(name, Type.STRING, List.of(Operator.EQ), column(column), UnaryOperator.identity(),
                               List.of());
    }

    /** {@code true}/{@code false}, compared with {@code =} or {@code !=}. */
    public static FilterField bool(String name, String column) {
        return new FilterField(name, Type.BOOL, List.of(Operator.EQ, Operator.NE), column(column),
                               UnaryOperator.identity(), List.of());
    }

    /** A time, compared with any operator. */
    public static FilterField timestamp(String name, String column) {
        return new FilterField(name, Type.TIMESTAMP, Operator.ALL, column(column), UnaryOperator.identity(), List.of());
    }

    /** A whole number ({@code size_bytes >= 1048576}), compared with any operator. */
    public static FilterField integer(String name, String column) {
        return new FilterField(name, Type.INTEGER, Operator.ALL, column(column), UnaryOperator.identity(), List.of());
    }

    /** One of {@code values} (written without quotes, e.g. {@code state = SENT}), with {@code =} or {@code !=}. */
    public static FilterField enumeration(String name, String column, List<String> values) {
        return new FilterField(name, Type.ENUM, List.of(Operator.EQ, Operator.NE), column(column),
                               UnaryOperator.identity(), values);
    }

    /** The same field with these operators only. */
    public FilterField withOperators(Operator... allowed) {
        return new FilterField(name, type, List.of(allowed), condition, normalize, values);
    }

    /**
     * The same field compared by this SQL instead of {@code column op value}, e.g. an {@code EXISTS}
     * over a join table. The condition gets the placeholder, never the value.
     */
    public FilterField withCondition(Condition sql) {
        return new FilterField(name, type, operators, sql, normalize, values);
    }

    /** The same string field with its value normalized before it is bound (e.g. lower-cased). */
    public FilterField withNormalize(UnaryOperator<String> normalizer) {
        return new FilterField(name, type, operators, condition, normalizer, values);
    }

    private static Condition column(String column) {
        Objects.requireNonNull(column, "column");
        return (operator, placeholder) -> column + " " + operator + " " + placeholder;
    }
}
