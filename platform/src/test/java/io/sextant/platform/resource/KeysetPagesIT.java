package io.sextant.platform.resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.sextant.platform.db.DbConfig;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.testing.TestPostgres;

/**
 * Keyset pages against real PostgreSQL: walking every page of any order, filter and page size
 * returns exactly the rows of one ORDER BY over the whole table, once each, even with many ties.
 */
class KeysetPagesIT {

    record Item(UUID id, Instant createTime, String title, boolean done) {}

    private static final RowMapper<Item> MAPPER = (rs, ctx) -> new Item(rs.getObject("id", UUID.class),
            rs.getObject("create_time", OffsetDateTime.class).toInstant(), rs.getString("title"), rs.getBoolean("done"));
    private static final String SELECT = "SELECT t.id, t.create_time, t.title, t.done FROM items t";
    private static final FilterFields FILTER = FilterFields.of(FilterField.bool("done", "t.done"),
                                                               FilterField.timestamp("create_time", "t.create_time"));
    private static final SortKeys<Item> ORDER = SortKeys.builder("t.id", SortKey.Type.UUID, Item::id)
            .timestamp("create_time", "t.create_time", Item::createTime)
            .string("title", "t.title", Item::title)
            .defaultOrder("create_time desc")
            .build();

    private static Jdbi jdbi;

    @BeforeAll
    static void fill() {
        final DbConfig config = TestPostgres.newDatabase("keyset");
        jdbi = Jdbi.create(config.url(), config.user(), config.password());
        jdbi.useHandle(handle -> {
            handle.execute("CREATE TABLE items (id uuid PRIMARY KEY, create_time timestamptz NOT NULL,"
                           + " title text NOT NULL, done boolean NOT NULL)");
            // few distinct times and titles: most rows tie on every key but the id
            handle.execute("INSERT INTO items SELECT gen_random_uuid(), timestamptz '2026-01-01' + (i % 4) * interval '1 hour',"
                           + " 't' || (i % 3), i % 2 = 0 FROM generate_series(1, 97) i");
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|''|10", "''|create_time|7", "''|title desc|1", "''|title, create_time desc|13",
        "''|create_time desc, title|50", "done = true|title desc, create_time|6",
        "create_time >= \"2026-01-01T01:00:00Z\"|create_time, title desc|9", "done != true|''|200"})
    void everyRowOnceInOrder(String filter, String orderBy, int pageSize) {
        final Ordering<Item> order = ORDER.parse(orderBy);
        final SqlFilter where = FILTER.parse(filter);
        final List<Item> all = jdbi.withHandle(handle -> handle.createQuery(SELECT + " WHERE " + where.sql() + " ORDER BY "
                                                                            + order.orderBySql())
                                                               .bindMap(where.parameters()).map(MAPPER).list());
        final List<Item> walked = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            final String current = token;
            final Page<Item> page = jdbi.withHandle(handle -> KeysetPages.list(handle, SELECT, "items", FILTER.parse(filter),
                                                                               ORDER.parse(orderBy), pageSize, current, MAPPER));
            assertThat(page.rows().size()).isLessThanOrEqualTo(pageSize);
            walked.addAll(page.rows());
            token = page.nextPageToken();
            pages++;
        } while (!token.isEmpty() && pages < 200);
        assertThat(all).isNotEmpty();
        assertThat(walked).containsExactlyElementsOf(all);
    }

    @Test
    void aTokenBelongsToItsQuery() {
        final Page<Item> first = jdbi.withHandle(handle -> KeysetPages.list(handle, SELECT, "items", FILTER.parse(""),
                                                                            ORDER.parse("title"), 5, "", MAPPER));
        assertThatThrownBy(() -> jdbi.useHandle(handle -> KeysetPages.list(handle, SELECT, "items",
                                                                           FILTER.parse("done = true"), ORDER.parse("title"),
                                                                           5, first.nextPageToken(), MAPPER)))
                .isInstanceOfSatisfying(ServiceException.class,
                                        e -> assertThat(e.violations().get(0).getField()).isEqualTo("page_token"));
    }
}
