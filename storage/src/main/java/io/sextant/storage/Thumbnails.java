package io.sextant.storage;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.sextant.platform.outbox.OutboxEvent;
import io.sextant.platform.outbox.OutboxHandler;
import io.sextant.storage.bytes.ByteStore;
import io.sextant.storage.db.FileRow;
import io.sextant.storage.thumbs.ThumbnailException;
import io.sextant.storage.thumbs.ThumbnailJob;
import io.sextant.storage.thumbs.Thumbnailer;
import io.sextant.storage.v1.File;

/**
 * The outbox handler of {@code storage.file_uploaded}: makes the thumbnail of a stored image (by its DETECTED
 * content type) and records it in {@code thumbnails}, which DownloadThumbnail and File.thumbnail_available read.
 *
 * <p>At most {@link #PARALLEL} thumbnails are made at a time, on their own threads: each holds up to
 * THUMBNAIL_MAX_BYTES of the file and its decoded image, so the bound is what keeps the heap bounded. The
 * relay waits for a job at most {@link #JOB_TIMEOUT} (well within its lease); past it, or with both threads
 * busy, the event is retried later. Outcomes:
 * <ul>
 *   <li>stored: one row, inserted only if the file still exists and has none (a re-delivered event adds no
 *       second row); a file deleted meanwhile gets no row and its thumbnail's bytes are removed;</li>
 *   <li>{@link ThumbnailException} (not an image, too big, a pixel bomb, unreadable): nothing is recorded, the
 *       reason is logged at INFO and the event is consumed, so such a file is never tried again;</li>
 *   <li>an IOException (the byte store failed): the relay retries with its backoff.</li>
 * </ul>
 */
final class Thumbnails implements OutboxHandler, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Thumbnails.class);
    /** How many thumbnails are made at once. */
    static final int PARALLEL = 2;
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(60);

    private final Jdbi jdbi;
    private final ByteStore bytes;
    private final ThumbnailJob job;
    private final ThreadPoolExecutor executor;
    private final Counter outcomes;

    Thumbnails(Jdbi jdbi, ByteStore bytes, Thumbnailer thumbnailer, CollectorRegistry registry) {
        this.jdbi = jdbi;
        this.bytes = bytes;
        this.job = new ThumbnailJob(bytes, thumbnailer);
        final AtomicInteger threads = new AtomicInteger();
        // no queue worth the name: a job waits for a thread only while the relay waits for it
        this.executor = new ThreadPoolExecutor(PARALLEL, PARALLEL, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
                                               task -> {
                                                   final Thread thread = new Thread(task, "storage-thumbnail-"
                                                                                          + threads.incrementAndGet());
                                                   thread.setDaemon(true);
                                                   return thread;
                                               });
        this.outcomes = Counter.build("sextant_storage_thumbnails_total",
                                      "Stored files handled by the thumbnail generator, by outcome.")
                               .labelNames("outcome").register(registry);
    }

    @Override
    public void deliver(OutboxEvent event) throws Exception {
        final File stored = event.payload().unpack(File.class);
        if (!Thumbnailer.supports(stored.getDetectedContentType())) {
            // what the bytes are never changes: most uploads end here, without a query
            outcomes.labels("not_an_image").inc();
            return;
        }
        final UUID fileId = UUID.fromString(stored.getId());
        final Optional<FileRow> found = jdbi.withHandle(handle -> FileCatalog.find(handle, fileId, false));
        if (found.isEmpty()) {
            bytes.delete(ThumbnailJob.thumbnailKey(fileId.toString())); // a job that ran before the delete
            outcomes.labels("deleted").inc();
            return;
        }
        final FileRow file = found.get();
        if (file.thumbnailAvailable()) {
            outcomes.labels("duplicate").inc();
            return;
        }
        final ThumbnailJob.Result result;
        try {
            result = run(file);
        } catch (ThumbnailException e) {
            log.info("files/{} ({}, {} bytes) gets no thumbnail ({}): {}", fileId, file.detectedContentType(),
                     file.sizeBytes(), e.reason(), e.getMessage());
            outcomes.labels("refused").inc();
            return;
        }
        final int inserted = jdbi.withHandle(handle -> handle.createUpdate(
                        "INSERT INTO thumbnails (file_id, storage_key, size_bytes, sha256)"
                        + " SELECT id, :key, :size, :sha256 FROM files WHERE id = :id"
                        + " ON CONFLICT (file_id) DO NOTHING")
                .bind("id", fileId).bind("key", result.key()).bind("size", result.size()).bind("sha256", result.sha256())
                .execute());
        if (inserted == 1) {
            outcomes.labels("stored").inc();
            return;
        }
        if (jdbi.withHandle(handle -> FileCatalog.find(handle, fileId, false)).isEmpty()) {
            bytes.delete(result.key()); // deleted while its thumbnail was made
            outcomes.labels("deleted").inc();
        } else {
            outcomes.labels("duplicate").inc(); // another replica recorded the same thumbnail
        }
    }

    private ThumbnailJob.Result run(FileRow file) throws IOException, ThumbnailException, InterruptedException {
        final Future<ThumbnailJob.Result> running;
        try {
            running = executor.submit(() -> job.run(file.id().toString(), file.storageKey(), file.detectedContentType()));
        } catch (RejectedExecutionException e) {
            throw new IOException("the thumbnail generator is busy; later", e);
        }
        try {
            return running.get(JOB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            running.cancel(true);
            throw new IOException("the thumbnail of files/" + file.id() + " took longer than " + JOB_TIMEOUT, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ThumbnailException refused) {
                throw refused;
            }
            if (e.getCause() instanceof IOException failed) {
                throw failed;
            }
            throw new IOException("the thumbnail of files/" + file.id() + " failed: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
