package io.sextant.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.sextant.platform.db.Database;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.resource.Page;
import io.sextant.platform.testing.TestPostgres;
import io.sextant.storage.db.FileQueries;
import io.sextant.storage.db.FileRow;

/**
 * ListFiles' filters, orders and pages on PostgreSQL against a model: random files, random filters
 * (fixed seeds), and what the query returns over all its pages must be exactly the files the same
 * filter selects in Java, in the asked order, each once; and a caller lists only what it may read.
 */
class FileFilterPostgresIT {

    private static final List<String> OWNERS = List.of("users/" + UUID.randomUUID(), "users/" + UUID.randomUUID(),
                                                       "api-keys/" + UUID.randomUUID());
    private static final List<String> TAGS = List.of("invoices", "2026", "misc", "a.b:c-d");
    private static final List<String> TYPES = List.of("image/png", "image/jpeg", "text/plain; charset=utf-8",
                                                      "application/pdf", "text/csv");
    private static final List<String> NAMES = List.of("Report-1.pdf", "report_final.PDF", "photo.png", "Rep",
                                                      "notes.txt", "100%_done.txt");
    private static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");

    private static Jdbi jdbi;
    private static UUID folder;
    private static final List<FileRow> FILES = new ArrayList<>();

    @BeforeAll
    static void seed() {
        final DbConfig db = TestPostgres.newDatabase("storage");
        Database.open("storage", db, new io.prometheus.client.CollectorRegistry()).close();
        jdbi = Jdbi.create(db.url(), db.user(), db.password());
        folder = UUID.randomUUID();
        jdbi.useHandle(h -> h.execute("INSERT INTO folders (id, owner, display_name) VALUES (?, ?, 'F')", folder,
                                      OWNERS.get(0)));
        final Random random = new Random(42);
        for (int i = 0; i < 300; i++) {
            final UUID id = UUID.randomUUID();
            final List<String> tags = new ArrayList<>();
            for (String tag : TAGS) {
                if (random.nextInt(3) == 0) {
                    tags.add(tag);
                }
            }
            final Instant created = BASE.plusSeconds(random.nextInt(100) * 3600L);
            final FileRow row = new FileRow(id, OWNERS.get(random.nextInt(OWNERS.size())),
                                            random.nextBoolean() ? folder : null, NAMES.get(random.nextInt(NAMES.size())),
                                            TYPES.get(random.nextInt(TYPES.size())), "application/octet-stream",
                                            random.nextInt(5) * 1000L, "0".repeat(64), id.toString(),
                                            random.nextBoolean() ? "PUBLIC" : "PRIVATE", tags, false, created,
                                            created.plusSeconds(random.nextInt(10) * 60L));
            FILES.add(row);
            jdbi.useHandle(h -> h.createUpdate("INSERT INTO files (id, owner, folder_id, filename, content_type,"
                                               + " detected_content_type, size_bytes, sha256, storage_key, visibility, tags,"
                                               + " create_time, update_time) VALUES (:id, :owner, CAST(:folder AS uuid), :filename,"
                                               + " :type, :detected, :size, :sha, :key, :visibility, :tags, :created,"
                                               + " :updated)")
                                 .bind("id", row.id()).bind("owner", row.owner()).bind("folder", row.folderId())
                                 .bind("filename", row.filename()).bind("type", row.contentType())
                                 .bind("detected", row.detectedContentType()).bind("size", row.sizeBytes())
                                 .bind("sha", row.sha256()).bind("key", row.storageKey())
                                 .bind("visibility", row.visibility())
                                 .bindArray("tags", String.class, row.tags().toArray(new String[0]))
                                 .bind("created", OffsetDateTime.ofInstant(row.createTime(), ZoneOffset.UTC))
                                 .bind("updated", OffsetDateTime.ofInstant(row.updateTime(), ZoneOffset.UTC))
                                 .execute());
        }
    }

    /** A filter and what it means, for the model. */
    private record Case(String text, Predicate<FileRow> matches) {}

    private static Case comparison(Random random, String caller) {
        final String owner = OWNERS.get(random.nextInt(OWNERS.size()));
        final String tag = TAGS.get(random.nextInt(TAGS.size()));
        final long size = random.nextInt(5) * 1000L;
        final Instant time = BASE.plusSeconds(random.nextInt(100) * 3600L);
        return switch (random.nextInt(11)) {
            case 0 -> new Case("folder = \"folders/" + folder + "\"", f -> folder.equals(f.folderId()));
            case 1 -> new Case("folder = \"\"", f -> f.folderId() == null);
            case 2 -> new Case("tag = \"" + tag + "\"", f -> f.tags().contains(tag));
            case 3 -> new Case("content_type = \"image/*\"", f -> f.contentType().startsWith("image/"));
            case 4 -> new Case("content_type = \"TEXT/plain\"", f -> f.contentType().startsWith("text/plain"));
            case 5 -> new Case("filename = \"rep*\"", f -> f.filename().toLowerCase(Locale.ROOT).startsWith("rep"));
            case 6 -> new Case("filename = \"100%_DONE.txt\"", f -> f.filename().equalsIgnoreCase("100%_done.txt"));
            case 7 -> new Case("owner = \"" + owner + "\"", f -> f.owner().equals(owner));
            case 8 -> {
                final boolean shared = random.nextBoolean();
                yield new Case("shared = " + shared, f -> !f.owner().equals(caller) == shared);
            }
            case 9 -> new Case("size_bytes >= " + size, f -> f.sizeBytes() >= size);
            default -> random.nextBoolean()
                       ? new Case("create_time < \"" + time + "\"", f -> f.createTime().isBefore(time))
                       : new Case("visibility = \"PUBLIC\"", f -> f.visibility().equals("PUBLIC"));
        };
    }

    @Test
    void everyFilterSelectsWhatTheModelSelectsInOrderAcrossPages() {
        final Random random = new Random(99);
        final String caller = OWNERS.get(0);
        for (int round = 0; round < 60; round++) {
            Predicate<FileRow> model = f -> true;
            final List<String> texts = new ArrayList<>();
            for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                final Case c = comparison(random, caller);
                texts.add(c.text());
                model = model.and(c.matches());
            }
            final String filter = String.join(" AND ", texts);
            final String order = List.of("", "size_bytes", "filename desc", "update_time, size_bytes desc")
                                     .get(random.nextInt(4));
            final List<FileRow> listed = all(caller, true, filter, order, 1 + random.nextInt(40));
            final Predicate<FileRow> expected = model;
            assertThat(listed).as(filter).extracting(FileRow::id).doesNotHaveDuplicates()
                              .containsExactlyInAnyOrderElementsOf(FILES.stream().filter(expected).map(FileRow::id).toList());
            if (order.equals("size_bytes")) {
                assertThat(listed).extracting(FileRow::sizeBytes).isSorted();
            } else if (order.isEmpty()) {
                assertThat(listed).extracting(FileRow::createTime).isSortedAccordingTo(java.util.Comparator.reverseOrder());
            }
        }
    }

    @Test
    void aCallerWithoutFilesReadListsOnlyItsOwnAndWhatIsSharedWithIt() {
        final String caller = OWNERS.get(1);
        final FileRow granted = FILES.stream().filter(f -> !f.owner().equals(caller)).findFirst().orElseThrow();
        jdbi.useHandle(h -> h.execute("INSERT INTO file_grants (file_id, user_name, access_level, granter)"
                                      + " VALUES (?, ?, 1, 'test') ON CONFLICT DO NOTHING", granted.id(), caller));
        jdbi.useHandle(h -> h.execute("INSERT INTO folder_grants (folder_id, user_name, access_level, granter)"
                                      + " VALUES (?, ?, 1, 'test') ON CONFLICT DO NOTHING", folder, caller));
        final Set<UUID> expected = new HashSet<>();
        FILES.stream().filter(f -> f.owner().equals(caller) || folder.equals(f.folderId()) || f.id().equals(granted.id()))
             .forEach(f -> expected.add(f.id()));
        assertThat(all(caller, false, "", "", 17)).extracting(FileRow::id).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(all(caller, false, "shared = true", "", 50)).extracting(FileRow::owner).doesNotContain(caller);
    }

    private static List<FileRow> all(String caller, boolean readsAll, String filter, String order, int pageSize) {
        final List<FileRow> rows = new ArrayList<>();
        String token = "";
        do {
            final String pageToken = token;
            final Page<FileRow> page = jdbi.withHandle(h -> FileQueries.list(h, caller, readsAll, filter, order, pageSize,
                                                                             pageToken));
            rows.addAll(page.rows());
            token = page.nextPageToken();
        } while (!token.isEmpty());
        return rows;
    }
}
