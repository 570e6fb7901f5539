-- The storage service's metadata. Owners and users are resource names (users/{id}, api-keys/{id}):
-- the service stores no other service's rows, only the names it was given.

CREATE TABLE folders (
    id           uuid        PRIMARY KEY,
    owner        text        NOT NULL,
    parent_id    uuid        REFERENCES folders (id),
    display_name text        NOT NULL,
    create_time  timestamptz NOT NULL DEFAULT now(),
    update_time  timestamptz NOT NULL DEFAULT now()
);
-- a display name is unique among the folders of one parent (the top level is per owner), case-insensitively
CREATE UNIQUE INDEX folders_name_unique
    ON folders (owner, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(display_name));
CREATE INDEX folders_parent ON folders (parent_id);
-- ListFolders: the owner's folders by display name, then id
CREATE INDEX folders_owner_name ON folders (owner, lower(display_name), id);

CREATE TABLE files (
    id                    uuid        PRIMARY KEY,
    owner                 text        NOT NULL,
    folder_id             uuid        REFERENCES folders (id),
    filename              text        NOT NULL,
    content_type          text        NOT NULL,
    detected_content_type text        NOT NULL,
    size_bytes            bigint      NOT NULL CHECK (size_bytes >= 0),
    sha256                text        NOT NULL,
    storage_key           text        NOT NULL,
    visibility            text        NOT NULL DEFAULT 'PRIVATE' CHECK (visibility IN ('PRIVATE', 'PUBLIC')),
    tags                  text[]      NOT NULL DEFAULT '{}',
    -- UploadMetadata.request_id while it deduplicates (24 hours), then cleared
    request_id            uuid,
    create_time           timestamptz NOT NULL DEFAULT now(),
    update_time           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX files_request_id ON files (owner, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX files_owner ON files (owner, create_time, id);
CREATE INDEX files_folder ON files (folder_id);
CREATE INDEX files_tags ON files USING gin (tags);
-- every order_by column with the id that breaks ties (keyset pages)
CREATE INDEX files_create_time ON files (create_time, id);
CREATE INDEX files_update_time ON files (update_time, id);
CREATE INDEX files_filename ON files (filename, id);
CREATE INDEX files_size ON files (size_bytes, id);

-- An upload whose bytes are being written: a row exists from before the first byte until the files
-- row replaces it (one transaction), or the upload is aborted; the sweeper removes what a crash left.
CREATE TABLE pending_uploads (
    id             uuid        PRIMARY KEY,
    owner          text        NOT NULL,
    storage_key    text        NOT NULL,
    reserved_bytes bigint      NOT NULL DEFAULT 0,
    create_time    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_uploads_time ON pending_uploads (create_time);

-- Filled by the thumbnail generator (through the outbox event storage.file_uploaded).
CREATE TABLE thumbnails (
    file_id     uuid        PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    storage_key text        NOT NULL,
    size_bytes  bigint      NOT NULL,
    sha256      text        NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now()
);

-- access_level: 1 READ, 2 WRITE, 3 DELETE (the contract's AccessLevel numbers)
CREATE TABLE file_grants (
    file_id      uuid        NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    user_name    text        NOT NULL,
    access_level smallint    NOT NULL CHECK (access_level BETWEEN 1 AND 3),
    granter      text        NOT NULL,
    grant_time   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (file_id, user_name)
);
CREATE INDEX file_grants_user ON file_grants (user_name, file_id);

CREATE TABLE folder_grants (
    folder_id    uuid        NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    user_name    text        NOT NULL,
    access_level smallint    NOT NULL CHECK (access_level BETWEEN 1 AND 3),
    granter      text        NOT NULL,
    grant_time   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (folder_id, user_name)
);
CREATE INDEX folder_grants_user ON folder_grants (user_name, folder_id);

-- Only the SHA-256 of a link's token is stored.
CREATE TABLE share_links (
    id             uuid        PRIMARY KEY,
    file_id        uuid        NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    token_hash     bytea       NOT NULL UNIQUE,
    expire_time    timestamptz NOT NULL,
    max_downloads  integer     NOT NULL DEFAULT 0,
    download_count integer     NOT NULL DEFAULT 0,
    creator        text        NOT NULL,
    create_time    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX share_links_file ON share_links (file_id, create_time DESC, id DESC);

-- Per owner: what is stored, what running uploads reserved, and an administrator's override of the
-- quota (NULL: the deployment's default).
CREATE TABLE storage_usage (
    owner          text        PRIMARY KEY,
    used_bytes     bigint      NOT NULL DEFAULT 0,
    used_files     bigint      NOT NULL DEFAULT 0,
    reserved_bytes bigint      NOT NULL DEFAULT 0,
    reserved_files bigint      NOT NULL DEFAULT 0,
    quota_bytes    bigint,
    quota_files    bigint,
    update_time    timestamptz NOT NULL DEFAULT now()
);
