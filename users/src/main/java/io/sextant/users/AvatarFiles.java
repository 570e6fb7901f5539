package io.sextant.users;

import java.util.Set;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.platform.error.Errors;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.GetFileRequest;
import io.sextant.storage.v1.StorageServiceGrpc.StorageServiceBlockingStub;
import io.sextant.storage.v1.Visibility;

/**
 * The check of a profile's picture with storage, which owns the files: everyone who sees a profile
 * sees its picture, so a file becomes an avatar only if it exists, the caller may read it (the call
 * carries the caller's token), its bytes are an image a browser shows, and it is PUBLIC. Profiles show
 * its thumbnail at {@link #thumbnailUrl}.
 */
record AvatarFiles(StorageServiceBlockingStub storage) {

    /** What storage's detector may call an image that profiles show. */
    static final Set<String> IMAGE_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");

    /**
     * Refuses {@code file} (the request field {@code field}) unless it may be an avatar; an empty
     * name (no avatar) is always fine.
     */
    void check(String field, String file) {
        if (file.isEmpty()) {
            return;
        }
        final File stored;
        try {
            stored = storage.getFile(GetFileRequest.newBuilder().setName(file).build()).getFile();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                throw Errors.invalidField(field, "no file '" + file + "' that you may read");
            }
            throw e; // storage down or overloaded: its status passes through (UNAVAILABLE and its details)
        }
        if (!IMAGE_TYPES.contains(stored.getDetectedContentType())) {
            throw Errors.invalidField(field, "'" + file + "' is not an image (its bytes are "
                                             + (stored.getDetectedContentType().isEmpty() ? "of an unknown type"
                                                                                           : stored.getDetectedContentType())
                                             + "); an avatar is a JPEG, PNG, GIF or WebP");
        }
        if (stored.getVisibility() != Visibility.VISIBILITY_PUBLIC) {
            throw Errors.invalidField(field, "'" + file + "' is private; everyone who sees the profile sees the avatar,"
                                             + " so make the file PUBLIC first (PATCH /v1/files/{id}"
                                             + "?update_mask=visibility)");
        }
    }

    /** Where profiles show the avatar {@code file} (its thumbnail, without signing in); empty for none. */
    static String thumbnailUrl(String file) {
        return file.isEmpty() ? "" : "/v1/public/" + file + "/thumbnail";
    }
}
