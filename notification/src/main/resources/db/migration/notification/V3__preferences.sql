-- Preferences: what recipients opted out of, and the status of a notification that was not sent
-- because of it.

-- One row per opt-out. owner: users/{id} (set with UpdateNotificationPreferences, or by an
-- unsubscribe link of an e-mail sent to users/{id}), or mailto:<address, lower case> (an unsubscribe
-- link of an e-mail sent to that address directly). channel and category: '*' for every one.
CREATE TABLE opt_outs (
    owner       text        NOT NULL CHECK (owner ~ '^(users/[0-9a-f-]{36}|mailto:.+)$'),
    channel     text        NOT NULL CHECK (channel IN ('*', 'EMAIL', 'SMS', 'PUSH', 'WEBHOOK', 'IN_APP')),
    category    text        NOT NULL CHECK (category ~ '^(\*|[a-z0-9][a-z0-9.-]{0,62})$'),
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, channel, category),
    CHECK (channel <> '*' OR category <> '*')
);

-- When a user's preferences last changed (also when they became empty).
CREATE TABLE preference_updates (
    owner       text        PRIMARY KEY,
    update_time timestamptz NOT NULL DEFAULT now()
);

-- Keys the service signs with (the unsubscribe links): made once by the first replica that needs
-- one, shared by all of them through this table, kept across restarts.
CREATE TABLE signing_keys (
    purpose     text        PRIMARY KEY,
    secret      bytea       NOT NULL CHECK (length(secret) >= 32),
    create_time timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
    CHECK (status IN ('QUEUED', 'SCHEDULED', 'SENDING', 'SENT', 'FAILED', 'CANCELLED', 'SUPPRESSED'));
ALTER TABLE notifications DROP CONSTRAINT notifications_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_check
    CHECK ((next_attempt_at IS NULL) = (status IN ('SENT', 'FAILED', 'CANCELLED', 'SUPPRESSED')));

-- the history of the notifications addressed to a user (GetNotification, ListNotifications)
CREATE INDEX notifications_recipient_exact ON notifications (recipient, create_time, id)
    WHERE recipient LIKE 'users/%';
