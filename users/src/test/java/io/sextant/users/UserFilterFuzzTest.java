package io.sextant.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.grpc.Status;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.resource.OrderKey;
import io.sextant.platform.resource.SqlFilter;
import io.sextant.users.db.ProfileRow;
import io.sextant.users.db.UserQueries;

/**
 * Fuzzes ListUsers' {@code filter} and {@code order_by} parsers with arbitrary text (an input is the
 * UTF-8 of the parameter): either it parses, or it is the platform's INVALID_ARGUMENT naming the
 * parameter; never another exception. What parses is SQL made only of the parser's own fragments
 * and bound parameters, so no text of the input reaches the SQL string.
 *
 * <p>Without {@code JAZZER_FUZZ} the inputs under {@code UserFilterFuzzTestInputs/} run as regression
 * tests; with it (the POM's {@code fuzz-filter} and {@code fuzz-order-by} executions, one method
 * per JVM) each method fuzzes for a fixed time.
 */
class UserFilterFuzzTest {

    /** One condition of what {@link UserQueries#FILTER} emits; every value is a {@code :f<n>} parameter. */
    private static final String CONDITION =
            "(?:EXISTS \\(SELECT 1 FROM user_roles fr WHERE fr\\.user_id = p\\.id AND fr\\.role_id = :f\\d+\\)"
            + "|p\\.email_domain = :f\\d+|p\\.locale = :f\\d+|p\\.active (?:=|<>) :f\\d+"
            + "|p\\.(?:create_time|update_time) (?:=|<>|<=|>=|<|>) :f\\d+)";
    private static final Pattern FILTER_SQL = Pattern.compile("true|" + CONDITION + "(?: AND " + CONDITION + ")*");
    private static final Pattern PARAMETER = Pattern.compile(":(f\\d+)");
    /** order_by's pattern in the contract (users_service.proto): what passes it reaches the parser. */
    private static final Pattern ORDER_BY_CONTRACT = Pattern.compile(
            "^ *(create_time|update_time|username|email|last_name|display_name)( +(asc|desc))? *"
            + "(, *(create_time|update_time|username|email|last_name|display_name)( +(asc|desc))? *)*$");
    private static final Set<String> ORDER_COLUMNS =
            Set.of("p.create_time", "p.update_time", "p.username", "p.email", "p.last_name", "p.shown_name");

    @DictionaryEntries({"role", "active", "email_domain", "locale", "create_time", "update_time", " AND ", " OR ",
                        "NOT", "=", "!=", "<=", ">=", "<", ">", "\"", "\\\"", "\\\\", "true", "false",
                        "\"2026-01-01T00:00:00Z\"", "\"2026-01-01T00:00:00+18:00\"", "\"+999999999-12-31T23:59:59Z\"",
                        "\"admin\"", "'", ";", "--", "/*", ":f0", ":limit"})
    @FuzzTest(maxDuration = "15s")
    void filter(byte[] input) {
        final String text = new String(input, StandardCharsets.UTF_8);
        final SqlFilter filter;
        try {
            filter = UserQueries.filter(text);
        } catch (ServiceException e) {
            assertInvalid(e, "filter", text);
            return;
        }
        assertThat(FILTER_SQL.matcher(filter.sql()).matches())
                .as("SQL made of the parser's fragments and parameters only, for '%s': %s", text, filter.sql())
                .isTrue();
        final Set<String> named = new HashSet<>();
        final Matcher parameter = PARAMETER.matcher(filter.sql());
        while (parameter.find()) {
            named.add(parameter.group(1));
        }
        assertThat(filter.parameters().keySet()).as("parameters of '%s'", text).isEqualTo(named);
        filter.parameters().values().forEach(value -> assertThat(value)
                .as("a parameter of '%s'", text)
                .isInstanceOfAny(String.class, Boolean.class, OffsetDateTime.class));
    }

    @DictionaryEntries({"create_time", "update_time", "username", "email", "last_name", "display_name", " desc",
                        " asc", ",", " ", "p.id", "; DROP TABLE profiles"})
    @FuzzTest(maxDuration = "15s")
    void orderBy(byte[] input) {
        final String text = new String(input, StandardCharsets.UTF_8);
        final List<OrderKey<ProfileRow>> keys;
        try {
            keys = UserQueries.order(text);
        } catch (ServiceException e) {
            assertInvalid(e, "order_by", text);
            assertThat(ORDER_BY_CONTRACT.matcher(text).matches() && !hasRepeat(text))
                    .as("'%s' passes the contract's pattern, so the parser must take it", text).isFalse();
            return;
        }
        assertThat(keys).as("keys of '%s'", text).isNotEmpty();
        final Set<String> fields = new HashSet<>();
        for (OrderKey<ProfileRow> key : keys) {
            assertThat(ORDER_COLUMNS).as("column of '%s'", text).contains(key.column());
            assertThat(fields.add(key.field())).as("'%s' names %s once", text, key.field()).isTrue();
        }
    }

    private static void assertInvalid(ServiceException e, String field, String input) {
        assertThat(e.code()).as("code for '%s'", input).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.violations()).as("violations for '%s'", input).hasSize(1);
        assertThat(e.violations().get(0).getField()).as("field for '%s'", input).isEqualTo(field);
        assertThat(e.violations().get(0).getDescription()).as("description for '%s'", input).isNotBlank();
    }

    /** Whether an order_by names a field twice (the contract's pattern allows it; the parser refuses it). */
    private static boolean hasRepeat(String orderBy) {
        final Set<String> seen = new HashSet<>();
        for (String part : orderBy.split(",")) {
            if (!seen.add(part.strip().split(" +")[0])) {
                return true;
            }
        }
        return false;
    }
}
