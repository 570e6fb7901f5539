package io.sextant.platform.resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.grpc.Status;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.resource.FilterField.Operator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The AIP-160 subset: what parses becomes bound SQL of the table's fragments only; the rest is a 400 on filter. */
class FilterFieldsTest {

    private static final FilterFields FILTER = FilterFields.of(
            FilterField.string("name", "t.name").withOperators(Operator.EQ, Operator.NE),
            FilterField.bool("done", "t.done"),
            FilterField.timestamp("create_time", "t.create_time"),
            FilterField.enumeration("state", "t.state", List.of("NEW", "SENT", "FAILED")),
            FilterField.string("tag", "tag").withCondition(
                    (op, value) -> "EXISTS (SELECT 1 FROM tags g WHERE g.item_id = t.id AND g.tag " + op + " " + value + ")"),
            FilterField.string("domain", "t.domain").withNormalize(String::toLowerCase));

    private static final String CONDITION =
            "(?:t\\.name (?:=|<>) :f\\d+|t\\.done (?:=|<>) :f\\d+|t\\.create_time (?:=|<>|<|<=|>|>=) :f\\d+"
            + "|t\\.state (?:=|<>) :f\\d+|EXISTS \\(SELECT 1 FROM tags g WHERE g\\.item_id = t\\.id AND g\\.tag = :f\\d+\\)"
            + "|t\\.domain = :f\\d+)";
    private static final Pattern SQL = Pattern.compile("true|" + CONDITION + "(?: AND " + CONDITION + ")*");
    private static final Pattern PLACEHOLDER = Pattern.compile(":(f\\d+)");

    @Example
    void emptyIsTrue() {
        assertThat(FILTER.parse("  ")).isEqualTo(new SqlFilter("true", Map.of(), ""));
    }

    @Example
    void comparisonsBecomeBoundSql() {
        final SqlFilter filter = FILTER.parse("name != \"a \\\"b\\\"\" AND done = false AND state = SENT"
                                              + " AND create_time >= \"2026-01-01T01:00:00+01:00\" AND tag = \"x\""
                                              + " AND domain = \"Example.COM\"");
        assertThat(filter.sql()).isEqualTo("t.name <> :f0 AND t.done = :f1 AND t.state = :f2 AND t.create_time >= :f3"
                                           + " AND EXISTS (SELECT 1 FROM tags g WHERE g.item_id = t.id AND g.tag = :f4)"
                                           + " AND t.domain = :f5");
        assertThat(filter.parameters()).containsEntry("f0", "a \"b\"").containsEntry("f1", false)
                                       .containsEntry("f2", "SENT")
                                       .containsEntry("f3", OffsetDateTime.parse("2026-01-01T00:00:00Z"))
                                       .containsEntry("f4", "x").containsEntry("f5", "example.com");
    }

    @Example
    void integersAreWholeNumbersWithoutQuotes() {
        final FilterFields sizes = FilterFields.of(FilterField.integer("size_bytes", "t.size"));
        final SqlFilter filter = sizes.parse("size_bytes >= 1048576 AND size_bytes < -1 AND size_bytes != 0");
        assertThat(filter.sql()).isEqualTo("t.size >= :f0 AND t.size < :f1 AND t.size <> :f2");
        assertThat(filter.parameters()).containsEntry("f0", 1_048_576L).containsEntry("f1", -1L).containsEntry("f2", 0L);
        for (String bad : List.of("size_bytes > \"1\"", "size_bytes > 1.5", "size_bytes > 12a", "size_bytes > -",
                                  "size_bytes > 1234567890123456789", "size_bytes > ")) {
            assertThatThrownBy(() -> sizes.parse(bad)).as(bad).isInstanceOfSatisfying(ServiceException.class, e ->
                    assertThat(e.getMessage()).contains("size_bytes takes a whole number of at most 18 digits"));
        }
    }

    @Example
    void errorsSayWhatAndWhere() {
        assertInvalid("colour = \"red\"", "unknown field 'colour': filter on name, done, create_time, state, tag or"
                                          + " domain at position 1; " + FILTER.expected());
        assertInvalid("tag != \"x\"", "tag takes = and a string in double quotes at position 5");
        assertInvalid("done < true", "done takes = or != at position 6");
        assertInvalid("done = \"true\"", "done takes true or false (without quotes) at position 8");
        assertInvalid("state = DONE", "state takes NEW, SENT or FAILED (without quotes) at position 9");
        assertInvalid("state > NEW", "state takes = or != and one of NEW, SENT or FAILED at position 7");
        assertInvalid("create_time > \"yesterday\"", "create_time takes an RFC 3339 time such as"
                                                     + " \"2026-01-01T00:00:00Z\", not \"yesterday\" at position 15");
        assertInvalid("create_time > \"+10000-01-01T00:00:00Z\"", "create_time takes a time from year 0001 to 9999");
        assertInvalid("done = true OR done = false", "expected AND, found 'OR' (only AND is supported) at position 13");
        assertInvalid("name = \"open", "the string that starts here has no closing double quote at position 8");
        assertInvalid("name ~ \"x\"", "expected a comparison operator (=, !=, <, <=, >, >=) at position 6");
        assertInvalid("= \"x\"", "expected a field name (name, done, create_time, state, tag, domain) at position 1");
    }

    @Example
    void aResourceMayWriteItsOwnClosingSentence() {
        assertThatThrownBy(() -> FILTER.withExpected("see the docs").parse("x = \"\""))
                .hasMessageEndingWith("at position 1; see the docs");
    }

    @Example
    void tablesAreCheckedWhenDeclared() {
        assertThatThrownBy(() -> FilterFields.of(FilterField.bool("a", "t.a"), FilterField.bool("a", "t.b")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FilterField.enumeration("s", "t.s", List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FilterField.bool("Bad Name", "t.a")).isInstanceOf(IllegalArgumentException.class);
    }

    /** Any text at all: it parses into SQL of the table's fragments with one bound value per placeholder, or it is a 400 on filter. */
    @Property(tries = 2000)
    void anyTextParsesIntoBoundSqlOrIsInvalidArgument(@ForAll("texts") String text) {
        final SqlFilter filter;
        try {
            filter = FILTER.parse(text);
        } catch (ServiceException e) {
            assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.violations()).singleElement().satisfies(v -> assertThat(v.getField()).isEqualTo("filter"));
            return;
        }
        assertBound(text, filter);
    }

    /** Well-formed filters with arbitrary string values: they parse, each value is bound as written, and none is in the SQL. */
    @Property(tries = 1000)
    void valuesAreBoundNeverSpliced(@ForAll("comparisons") List<String[]> comparisons) {
        final List<String> parts = new ArrayList<>();
        for (String[] comparison : comparisons) {
            parts.add(comparison[0] + " = \"" + comparison[1].replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        }
        final String text = String.join(" AND ", parts);
        final SqlFilter filter = FILTER.parse(text);
        assertBound(text, filter);
        assertThat(filter.parameters()).hasSize(comparisons.size());
        for (int i = 0; i < comparisons.size(); i++) {
            final String value = comparisons.get(i)[1];
            assertThat(filter.parameters().get("f" + i))
                    .isEqualTo(comparisons.get(i)[0].equals("domain") ? value.toLowerCase() : value);
        }
    }

    private static void assertBound(String text, SqlFilter filter) {
        assertThat(SQL.matcher(filter.sql()).matches()).as("SQL of '%s': %s", text, filter.sql()).isTrue();
        final Set<String> placeholders = new HashSet<>();
        int count = 0;
        final Matcher placeholder = PLACEHOLDER.matcher(filter.sql());
        while (placeholder.find()) {
            placeholders.add(placeholder.group(1));
            count++;
        }
        assertThat(count).as("placeholders of '%s'", text).isEqualTo(filter.parameters().size());
        assertThat(placeholders).isEqualTo(filter.parameters().keySet());
        assertThat(filter.parameters().values()).allSatisfy(
                value -> assertThat(value).isInstanceOfAny(String.class, Boolean.class, OffsetDateTime.class));
    }

    @Provide
    Arbitrary<String> texts() {
        final Arbitrary<String> token = Arbitraries.oneOf(
                Arbitraries.of("name", "done", "create_time", "state", "tag", "domain", "colour", "AND", "OR", "NOT",
                               "=", "!=", "<", "<=", ">", ">=", "true", "false", "NEW", "SENT", "\"", "\\", " ", "  ",
                               "\"2026-01-01T00:00:00Z\"", "\"+999999999-12-31T23:59:59-18:00\"", "'", ";", "--", ":f0"),
                Arbitraries.strings().ofMaxLength(4));
        return token.list().ofMaxSize(12).map(tokens -> String.join("", tokens));
    }

    @Provide
    Arbitrary<List<String[]>> comparisons() {
        final Arbitrary<String> field = Arbitraries.of("name", "tag", "domain");
        final Arbitrary<String> value = Arbitraries.strings().ofMaxLength(20);
        return Combinators.combine(field, value).as((f, v) -> new String[] {f, v}).list().ofMinSize(1).ofMaxSize(5);
    }

    private static void assertInvalid(String text, String message) {
        assertThatThrownBy(() -> FILTER.parse(text))
                .isInstanceOfSatisfying(ServiceException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.violations()).singleElement().satisfies(v -> {
                        assertThat(v.getField()).isEqualTo("filter");
                        assertThat(v.getDescription()).startsWith(message);
                    });
                });
    }
}
