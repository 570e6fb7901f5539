package io.sextant.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.ByteString;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.outbox.Outbox;
import io.sextant.storage.bytes.ByteStore;
import io.sextant.storage.db.FileRow;
import io.sextant.storage.db.FolderRow;
import io.sextant.storage.v1.UploadFileRequest;
import io.sextant.storage.v1.UploadFileResponse;
import io.sextant.storage.v1.UploadMetadata;

/**
 * UploadFile: the metadata first, then the bytes, written to the byte store as they come (one message
 * asked for at a time, so a client cannot send faster than the disk writes), hashed on the way.
 * A {@code pending_uploads} row and a quota reservation exist from before the first byte; on the
 * client's half-close the bytes are committed (durable), then one transaction records the file,
 * deletes the pending row, turns the reservation into usage and appends the outbox event
 * {@code storage.file_uploaded}. Whatever ends an upload otherwise throws the bytes and the
 * reservation away; what a crash leaves, the {@link Sweeper} removes.
 */
public final class Uploads {

    private static final Logger log = LoggerFactory.getLogger(Uploads.class);

    /** The outbox topic of a stored file (payload: the File), for the thumbnail generator. */
    public static final String FILE_UPLOADED = "storage.file_uploaded";
    /** How much more quota an upload of unknown size reserves at a time. */
    static final long RESERVE_STEP = 8L << 20;

    private final Jdbi jdbi;
    private final ByteStore bytes;
    private final Quotas quotas;
    private final long maxFileBytes;

    Uploads(Jdbi jdbi, ByteStore bytes, Quotas quotas, long maxFileBytes) {
        this.jdbi = jdbi;
        this.bytes = bytes;
        this.quotas = quotas;
        this.maxFileBytes = maxFileBytes;
    }

    /** Starts an upload stream for the caller; call from the RPC method. */
    StreamObserver<UploadFileRequest> start(Caller caller, ServerCallStreamObserver<UploadFileResponse> response) {
        final Stream stream = new Stream(caller, response);
        response.disableAutoRequest();
        response.setOnCancelHandler(() -> stream.end(null));
        response.setOnCloseHandler(() -> stream.end(null));
        response.request(1);
        return stream;
    }

    private final class Stream implements StreamObserver<UploadFileRequest> {

        private final Caller caller;
        private final ServerCallStreamObserver<UploadFileResponse> response;
        private final MessageDigest sha256 = newDigest();
        private final ByteArrayOutputStream prefix = new ByteArrayOutputStream();
        private UploadMetadata metadata;
        private UUID id;
        private ByteStore.Upload upload;
        /** Quota bytes reserved (and recorded on the pending row). */
        private long reserved;
        /** Whether a pending row and reservation exist that an abort must undo. */
        private boolean pending;
        private long size;
        private boolean ended;

        Stream(Caller caller, ServerCallStreamObserver<UploadFileResponse> response) {
            this.caller = caller;
            this.response = response;
        }

        @Override
        public synchronized void onNext(UploadFileRequest request) {
            if (ended) {
                return;
            }
            try {
                if (metadata == null) {
                    if (!request.hasMetadata()) {
                        throw Errors.invalidField("metadata", "the first message must carry the metadata");
                    }
                    begin(request.getMetadata());
                } else {
                    if (request.hasMetadata()) {
                        throw Errors.invalidField("metadata", "only the first message carries metadata");
                    }
                    write(request.getData());
                }
                if (!ended) {
                    response.request(1);
                }
            } catch (ServiceException e) {
                end(e);
            } catch (IOException | RuntimeException e) {
                log.error("Upload {} of {} failed", id, caller.name(), e);
                end(Errors.unavailable("UPLOAD_FAILED", "the bytes could not be stored; try again"));
            }
        }

        @Override
        public synchronized void onError(Throwable t) {
            end(null);
        }

        @Override
        public synchronized void onCompleted() {
            if (ended) {
                return;
            }
            try {
                if (metadata == null) {
                    throw Errors.invalidField("metadata", "the first message must carry the metadata");
                }
                final FileRow file = commit();
                ended = true;
                response.onNext(UploadFileResponse.newBuilder().setFile(StorageProtos.toFile(file)).build());
                response.onCompleted();
            } catch (ServiceException e) {
                end(e);
            } catch (IOException | RuntimeException e) {
                log.error("Upload {} of {} failed at its commit", id, caller.name(), e);
                end(Errors.unavailable("UPLOAD_FAILED", "the bytes could not be stored; try again"));
            }
        }

        private void begin(UploadMetadata meta) throws IOException {
            metadata = meta;
            if (meta.getSizeBytes() > maxFileBytes) {
                throw tooLarge();
            }
            final Optional<FileRow> earlier = earlier();
            if (earlier.isPresent()) {
                ended = true;
                response.onNext(UploadFileResponse.newBuilder().setFile(StorageProtos.toFile(earlier.get())).build());
                response.onCompleted();
                return;
            }
            final UUID folder = StorageProtos.folderOrNull("metadata.file.folder", meta.getFile().getFolder());
            id = UUID.randomUUID();
            jdbi.useTransaction(handle -> {
                if (folder != null) {
                    final FolderRow row = Folders.find(handle, folder).orElse(null);
                    if (row == null || !row.owner().equals(caller.name())) {
                        throw Errors.invalidField("metadata.file.folder", "is not a folder of yours: folders/" + folder);
                    }
                }
                quotas.reserve(handle, caller.name(), meta.getSizeBytes(), true);
                handle.createUpdate("INSERT INTO pending_uploads (id, owner, storage_key, reserved_bytes)"
                                    + " VALUES (:id, :owner, :key, :reserved)")
                      .bind("id", id).bind("owner", caller.name()).bind("key", id.toString())
                      .bind("reserved", meta.getSizeBytes()).execute();
            });
            pending = true;
            reserved = meta.getSizeBytes();
            upload = bytes.begin(id.toString(), id.toString());
        }

        /** The file an earlier upload with the same request_id stored, within 24 hours. */
        private Optional<FileRow> earlier() {
            if (metadata.getRequestId().isEmpty()) {
                return Optional.empty();
            }
            return jdbi.withHandle(handle -> handle.createQuery(
                            "SELECT " + FileRow.COLUMNS + " FROM files f WHERE f.owner = :owner"
                            + " AND f.request_id = CAST(:requestId AS uuid) AND f.create_time > now() - interval '24 hours'")
                    .bind("owner", caller.name()).bind("requestId", metadata.getRequestId())
                    .map(new FileRow.Mapper()).findOne());
        }

        private void write(ByteString data) throws IOException {
            final long after = size + data.size();
            if (after > maxFileBytes) {
                throw tooLarge();
            }
            if (metadata.getSizeBytes() > 0 && after > metadata.getSizeBytes()) {
                throw sizeMismatch(after + " or more");
            }
            if (after > reserved) {
                reserveMore(after);
            }
            if (prefix.size() < ContentTypes.DETECT_BYTES) {
                data.substring(0, Math.min(data.size(), ContentTypes.DETECT_BYTES - prefix.size())).writeTo(prefix);
            }
            // the message's own buffers, hashed and written without a copy of their own
            for (ByteBuffer piece : data.asReadOnlyByteBufferList()) {
                sha256.update(piece.duplicate());
                upload.write(piece);
            }
            size = after;
        }

        /**
         * Extends the reservation of an upload of unknown size to cover {@code needed} bytes: a step
         * ahead when there is room, else exactly what is needed, else QUOTA_EXCEEDED.
         */
        private void reserveMore(long needed) {
            final long exact = needed - reserved;
            final long step = Math.min(Math.max(exact, RESERVE_STEP), maxFileBytes - reserved);
            if (step != exact && grow(step, false)) {
                return;
            }
            if (!grow(exact, true)) {
                throw jdbi.withHandle(handle -> quotas.exceeded(handle, caller.name()));
            }
        }

        /**
         * Reserves {@code more} bytes, under the lock of the owner's usage row. When it is refused and
         * {@code last}, the upload gives back everything it holds in the same transaction (its pending
         * row goes too): of two uploads that together pass the quota, growing in turns, the one refused
         * first frees its share before the other's next step is judged, so that one is stored rather
         * than both refused.
         */
        private boolean grow(long more, boolean last) {
            final boolean grown = jdbi.inTransaction(handle -> {
                quotas.lock(handle, caller.name());
                if (quotas.tryReserve(handle, caller.name(), more, false)) {
                    handle.createUpdate("UPDATE pending_uploads SET reserved_bytes = reserved_bytes + :more WHERE id = :id")
                          .bind("more", more).bind("id", id).execute();
                    return true;
                }
                if (last && handle.createUpdate("DELETE FROM pending_uploads WHERE id = :id").bind("id", id).execute() > 0) {
                    quotas.release(handle, caller.name(), reserved, true);
                }
                return false;
            });
            if (grown) {
                reserved += more;
            } else if (last) {
                pending = false; // released above: the upload's end has nothing left to give back
            }
            return grown;
        }

        private FileRow commit() throws IOException {
            if (metadata.getSizeBytes() > 0 && size != metadata.getSizeBytes()) {
                throw sizeMismatch(String.valueOf(size));
            }
            final String digest = HexFormat.of().formatHex(sha256.digest());
            if (!metadata.getSha256().isEmpty() && !metadata.getSha256().equals(digest)) {
                throw Errors.invalidField("metadata.sha256", "the bytes' SHA-256 is " + digest + ", not "
                                                             + metadata.getSha256() + "; nothing was stored");
            }
            final String detected = ContentTypes.detect(prefix.toByteArray(), metadata.getFile().getFilename());
            upload.commit();
            try {
                final FileRow file = jdbi.inTransaction(handle -> record(handle, digest, detected));
                pending = false;
                return file;
            } catch (UnableToExecuteStatementException e) {
                if (e.getCause() instanceof java.sql.SQLException sql && "23505".equals(sql.getSQLState())) {
                    // the same request_id stored a file meanwhile: that one is the answer
                    final Optional<FileRow> first = earlier();
                    if (first.isPresent()) {
                        removeBytes();
                        release();
                        return first.get();
                    }
                }
                removeBytes();
                throw e;
            } catch (RuntimeException e) {
                removeBytes();
                throw e;
            }
        }

        private FileRow record(Handle handle, String digest, String detected) {
            final var file = metadata.getFile();
            handle.createUpdate("INSERT INTO files (id, owner, folder_id, filename, content_type, detected_content_type,"
                                + " size_bytes, sha256, storage_key, visibility, tags, request_id) VALUES (:id, :owner,"
                                + " CAST(:folder AS uuid), :filename, :contentType, :detected, :size, :sha256, :key,"
                                + " :visibility, :tags, CAST(:requestId AS uuid))")
                  .bind("id", id).bind("owner", caller.name())
                  .bind("folder", StorageProtos.folderOrNull("metadata.file.folder", file.getFolder()))
                  .bind("filename", file.getFilename())
                  .bind("contentType", ContentTypes.stored(file.getContentType(), detected))
                  .bind("detected", detected).bind("size", size).bind("sha256", digest).bind("key", id.toString())
                  .bind("visibility", StorageProtos.visibility(file.getVisibility()))
                  .bindArray("tags", String.class, file.getTagsList().toArray(new String[0]))
                  .bind("requestId", metadata.getRequestId().isEmpty() ? null : metadata.getRequestId())
                  .execute();
            final int deleted = handle.createUpdate("DELETE FROM pending_uploads WHERE id = :id").bind("id", id).execute();
            if (deleted == 0) {
                // the sweeper took the upload for abandoned: its bytes may be gone
                throw Errors.unavailable("UPLOAD_EXPIRED", "the upload took longer than STORAGE_PENDING_GRACE; try again");
            }
            quotas.store(handle, caller.name(), reserved, size);
            final FileRow row = FileCatalog.find(handle, id, false).orElseThrow();
            Outbox.append(handle, FILE_UPLOADED, StorageProtos.toFile(row));
            return row;
        }

        /** Ends the upload without a file: throws its bytes and reservation away and, given one, answers the error. */
        synchronized void end(ServiceException error) {
            if (ended) {
                return;
            }
            ended = true;
            if (upload != null) {
                upload.abort();
            }
            release();
            if (error != null) {
                try {
                    response.onError(error);
                } catch (RuntimeException e) {
                    // the call is gone already
                }
            }
        }

        private void release() {
            if (!pending) {
                return;
            }
            pending = false;
            try {
                jdbi.useTransaction(handle -> {
                    final int deleted = handle.createUpdate("DELETE FROM pending_uploads WHERE id = :id")
                                              .bind("id", id).execute();
                    if (deleted > 0) {
                        quotas.release(handle, caller.name(), reserved, true);
                    }
                });
            } catch (RuntimeException e) {
                log.warn("Cannot remove the pending upload {} (the sweeper will): {}", id, e.toString());
            }
        }

        private void removeBytes() {
            try {
                bytes.delete(id.toString());
            } catch (IOException e) {
                log.warn("Cannot remove the bytes of the failed upload {}: {}", id, e.toString());
            }
        }

        private ServiceException tooLarge() {
            return Errors.resourceExhausted("FILE_TOO_LARGE", "files may have at most " + maxFileBytes + " bytes",
                                            Map.of("max_bytes", String.valueOf(maxFileBytes)));
        }

        private ServiceException sizeMismatch(String actual) {
            return Errors.invalidField("metadata.size_bytes", "declared " + metadata.getSizeBytes() + " bytes, but "
                                                              + actual + " were sent; nothing was stored");
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
