-- Tombstones: the ids of deleted users. ProvisionUser comes from auth's outbox and may arrive late
-- (users was down, or the event was retried); it must not bring a deleted user's profile back.
CREATE TABLE deleted_users (
    id          uuid        PRIMARY KEY,
    delete_time timestamptz NOT NULL DEFAULT now()
);
