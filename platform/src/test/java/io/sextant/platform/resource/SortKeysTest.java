package io.sextant.platform.resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.grpc.Status;
import io.sextant.platform.error.ServiceException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** order_by over a table of sortable keys, and the keyset SQL of an order. */
class SortKeysTest {

    record Item(UUID id, Instant createTime, String title) {}

    private static final SortKeys<Item> ORDER = SortKeys.builder("t.id", SortKey.Type.UUID, Item::id)
            .timestamp("create_time", "t.create_time", Item::createTime)
            .string("title", "t.title", Item::title)
            .defaultOrder("create_time desc")
            .build();

    @Example
    void emptyIsTheDefault() {
        final Ordering<Item> order = ORDER.parse(" ");
        assertThat(order.keys()).extracting(OrderKey::field, OrderKey::descending)
                                .containsExactly(org.assertj.core.groups.Tuple.tuple("create_time", true));
        assertThat(order.normalized()).isEqualTo("create_time desc,");
    }

    @Example
    void oneKeyReadsStraightFromItsIndex() {
        final Ordering<Item> order = ORDER.parse("create_time desc");
        // the id follows the key's direction: the (create_time, id) index read backwards
        assertThat(order.orderBySql()).isEqualTo("t.create_time DESC, t.id DESC");
        assertThat(order.afterSql()).isEqualTo("t.create_time <= CAST(:k0 AS timestamptz) AND ((t.create_time < CAST(:k0"
                                               + " AS timestamptz)) OR (t.create_time = CAST(:k0 AS timestamptz) AND"
                                               + " t.id < CAST(:kid AS uuid)))");
    }

    @Example
    void twoKeysBreakTiesInTheLastKeysDirection() {
        final Ordering<Item> order = ORDER.parse("title, create_time desc");
        assertThat(order.orderBySql()).isEqualTo("t.title ASC, t.create_time DESC, t.id DESC");
        assertThat(order.afterSql()).isEqualTo("t.title >= :k0 AND ((t.title > :k0) OR (t.title = :k0 AND t.create_time"
                                               + " < CAST(:k1 AS timestamptz)) OR (t.title = :k0 AND t.create_time ="
                                               + " CAST(:k1 AS timestamptz) AND t.id < CAST(:kid AS uuid)))");
        final UUID id = UUID.randomUUID();
        assertThat(order.tokenValues(new Item(id, Instant.parse("2026-01-02T03:04:05.123456Z"), "t")))
                .containsExactly("t", "2026-01-02T03:04:05.123456Z", id.toString());
    }

    @Example
    void errorsNameOrderBy() {
        assertInvalid("colour", "cannot order by 'colour'; expected create_time or title");
        assertInvalid("title, title desc", "names 'title' twice; name each field at most once");
        assertInvalid(",,", "names no field; expected create_time or title");
        assertInvalid("title sideways", "'title sideways' is not a field followed by nothing, asc or desc");
        assertInvalid("title asc desc", "'title asc desc' is not a field followed by nothing, asc or desc");
    }

    @Example
    void aDefaultOfUndeclaredFieldsFailsAtStart() {
        assertThatThrownBy(() -> SortKeys.builder("t.id", SortKey.Type.UUID, Item::id)
                                         .string("title", "t.title", Item::title).defaultOrder("name").build())
                .isInstanceOf(ServiceException.class);
    }

    /** Any list of distinct fields, each with or without a direction and spaces: the keys in that order. */
    @Property(tries = 500)
    void everyWellFormedOrderParses(@ForAll("orders") List<String[]> parts) {
        final List<String> written = new ArrayList<>();
        for (String[] part : parts) {
            written.add(part[2] + part[0] + (part[1].isEmpty() ? "" : " " + part[1]) + part[2]);
        }
        final Ordering<Item> order = ORDER.parse(String.join(",", written));
        assertThat(order.keys()).hasSize(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            assertThat(order.keys().get(i).field()).isEqualTo(parts.get(i)[0]);
            assertThat(order.keys().get(i).descending()).isEqualTo(parts.get(i)[1].equals("desc"));
        }
        final boolean lastDescending = parts.get(parts.size() - 1)[1].equals("desc");
        assertThat(order.orderBySql()).endsWith(lastDescending ? "t.id DESC" : "t.id ASC");
        final Set<String> placeholders = new HashSet<>();
        final Matcher placeholder = Pattern.compile(":(k\\d+|kid)").matcher(order.afterSql());
        while (placeholder.find()) {
            placeholders.add(placeholder.group(1));
        }
        assertThat(placeholders).hasSize(order.tokenSize());
        assertThat(ORDER.parse(order.normalized().replaceAll(",$", "")).normalized()).isEqualTo(order.normalized());
    }

    /** Any text: keys of the table, each once, or a 400 on order_by. */
    @Property(tries = 1000)
    void anyTextIsKeysOrInvalidArgument(@ForAll("texts") String text) {
        try {
            final Ordering<Item> order = ORDER.parse(text);
            assertThat(order.keys()).isNotEmpty()
                                    .allSatisfy(key -> assertThat(ORDER.keys()).containsValue(key.key()));
            assertThat(order.keys().stream().map(OrderKey::field).distinct().count()).isEqualTo(order.keys().size());
        } catch (ServiceException e) {
            assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.violations()).singleElement().satisfies(v -> assertThat(v.getField()).isEqualTo("order_by"));
        }
    }

    @Provide
    Arbitrary<List<String[]>> orders() {
        return Arbitraries.of("create_time", "title").list().ofMinSize(1).ofMaxSize(2).uniqueElements()
                          .flatMap(fields -> Arbitraries.of("", "asc", "desc").list().ofSize(fields.size())
                                                        .flatMap(directions -> Arbitraries.of("", " ", "  ")
                                                                                          .map(space -> {
                                                                                              final List<String[]> parts = new ArrayList<>();
                                                                                              for (int i = 0; i < fields.size(); i++) {
                                                                                                  parts.add(new String[] {fields.get(i), directions.get(i), space});
                                                                                              }
                                                                                              return parts;
                                                                                          })));
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.oneOf(Arbitraries.of("create_time", "title", "id", " ", ",", "asc", "desc", "\t", ";"),
                                 Arbitraries.strings().ofMaxLength(3))
                          .list().ofMaxSize(8).map(tokens -> String.join("", tokens));
    }

    private static void assertInvalid(String orderBy, String description) {
        assertThatThrownBy(() -> ORDER.parse(orderBy))
                .isInstanceOfSatisfying(ServiceException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.violations()).singleElement().satisfies(v -> {
                        assertThat(v.getField()).isEqualTo("order_by");
                        assertThat(v.getDescription()).isEqualTo(description);
                    });
                });
    }
}
