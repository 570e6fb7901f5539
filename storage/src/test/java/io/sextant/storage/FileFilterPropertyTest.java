package io.sextant.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.resource.SqlFilter;
import io.sextant.storage.db.FileQueries;

/**
 * ListFiles' filter parser on many generated inputs (fixed seeds, so a failure repeats): well-formed
 * filters parse into SQL whose every value is a bound parameter, and anything else, however mangled,
 * is INVALID_ARGUMENT on {@code filter}, never another exception.
 */
class FileFilterPropertyTest {

    private static final List<String> FIELDS = List.of("folder", "tag", "content_type", "filename", "owner", "shared",
                                                       "visibility", "size_bytes", "create_time", "update_time");
    private static final List<String> OPERATORS = List.of("=", "!=", "<", "<=", ">", ">=");
    private static final List<String> NOISE = List.of(" AND ", " OR ", "NOT ", "(", ")", "\"", "\\", "'", ";", "--",
                                                      "/*", ":f0", ":caller", "*", "-", "99999999999999999999", "true",
                                                      "\"2026-01-01T00:00:00Z\"", "\"image/*\"", "\"folders/x\"", " ");

    @Test
    void wellFormedFiltersBindEveryValue() {
        final Random random = new Random(20261202);
        for (int round = 0; round < 5_000; round++) {
            final String marker = "MARK" + random.nextInt(1_000_000);
            final StringBuilder filter = new StringBuilder();
            final int comparisons = 1 + random.nextInt(4);
            for (int i = 0; i < comparisons; i++) {
                if (i > 0) {
                    filter.append(" AND ");
                }
                filter.append(comparison(random, marker));
            }
            final SqlFilter sql = FileQueries.filter(filter.toString());
            assertThat(sql.sql()).as(filter.toString()).doesNotContain(marker).doesNotContain("'" + marker);
            assertThat(sql.parameters()).as(filter.toString()).hasSizeGreaterThanOrEqualTo(comparisons);
        }
    }

    @Test
    void anythingElseIsInvalidArgumentOnFilter() {
        final Random random = new Random(7);
        int refused = 0;
        for (int round = 0; round < 20_000; round++) {
            final StringBuilder text = new StringBuilder();
            final int parts = 1 + random.nextInt(6);
            for (int i = 0; i < parts; i++) {
                switch (random.nextInt(4)) {
                    case 0 -> text.append(FIELDS.get(random.nextInt(FIELDS.size())));
                    case 1 -> text.append(OPERATORS.get(random.nextInt(OPERATORS.size())));
                    case 2 -> text.append(NOISE.get(random.nextInt(NOISE.size())));
                    default -> text.append(comparison(random, "x"));
                }
            }
            try {
                FileQueries.filter(text.toString());
            } catch (ServiceException e) {
                refused++;
                assertThat(e.code()).as(text.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.violations()).as(text.toString()).singleElement()
                                          .satisfies(v -> assertThat(v.getField()).isEqualTo("filter"));
            }
        }
        assertThat(refused).as("most mangled inputs are refused").isGreaterThan(5_000);
    }

    /** One comparison the contract allows, with a value that carries {@code marker} where it can. */
    static String comparison(Random random, String marker) {
        final String quoted = "\"" + marker + (random.nextBoolean() ? "\\\" OR 1=1 --" : "'; DROP TABLE files; --") + "\"";
        return switch (random.nextInt(10)) {
            case 0 -> "folder = " + (random.nextBoolean() ? "\"\"" : "\"folders/" + java.util.UUID.randomUUID() + "\"");
            case 1 -> "tag = " + quoted;
            case 2 -> "content_type = " + (random.nextBoolean() ? "\"image/*\"" : quoted);
            case 3 -> "filename = " + quoted.substring(0, quoted.length() - 1) + "*\"";
            case 4 -> "owner = " + quoted;
            case 5 -> "shared = " + random.nextBoolean();
            case 6 -> "visibility = " + (random.nextBoolean() ? "\"PUBLIC\"" : "\"PRIVATE\"");
            case 7 -> "size_bytes " + OPERATORS.get(random.nextInt(OPERATORS.size())) + " " + random.nextInt(1_000_000);
            case 8 -> "create_time " + OPERATORS.get(random.nextInt(OPERATORS.size())) + " \"2026-0"
                      + (1 + random.nextInt(9)) + "-01T00:00:00Z\"";
            default -> "update_time >= \"2025-12-31T23:59:59.5+01:00\"";
        };
    }
}
