-- The notification service's own database: templates, the notifications (the delivery queue and the
-- history in one table), their delivery attempts, the idempotency keys of the requests that made
-- them, and the in-app feed.

CREATE TABLE templates (
    id                 text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    display_name       text        NOT NULL DEFAULT '',
    channel            text        NOT NULL CHECK (channel IN ('EMAIL', 'SMS', 'PUSH', 'WEBHOOK', 'IN_APP')),
    subject_template   text        NOT NULL DEFAULT '',
    body_template      text        NOT NULL,
    html_body_template text        NOT NULL DEFAULT '',
    description        text        NOT NULL DEFAULT '',
    variables          text[]      NOT NULL DEFAULT '{}',
    -- BCP 47 tag -> {"subject_template", "body_template", "html_body_template"}
    locales            jsonb       NOT NULL DEFAULT '{}'::jsonb,
    create_time        timestamptz NOT NULL DEFAULT now(),
    update_time        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX templates_channel ON templates (channel, id);

CREATE TABLE notifications (
    id                 uuid        PRIMARY KEY,
    channel            text        NOT NULL CHECK (channel IN ('EMAIL', 'SMS', 'PUSH', 'WEBHOOK', 'IN_APP')),
    recipient          text        NOT NULL,                 -- as requested: an address or users/{id}
    address            text        NOT NULL,                 -- where it goes: recipient with users/{id} resolved
    template           text        NOT NULL DEFAULT '',      -- templates/{id}, or '' for a literal body
    template_variables jsonb       NOT NULL DEFAULT '{}'::jsonb,
    category           text        NOT NULL DEFAULT '',
    locale             text        NOT NULL DEFAULT '',
    subject            text        NOT NULL DEFAULT '',      -- rendered when accepted
    body               text        NOT NULL DEFAULT '',
    html_body          text        NOT NULL DEFAULT '',
    sensitive          boolean     NOT NULL DEFAULT false,   -- content and variables erased at a final status
    status             text        NOT NULL
                           CHECK (status IN ('QUEUED', 'SCHEDULED', 'SENDING', 'SENT', 'FAILED', 'CANCELLED')),
    attempts           integer     NOT NULL DEFAULT 0,
    error              text        NOT NULL DEFAULT '',
    schedule_time      timestamptz NOT NULL,
    -- when a worker may take it next: the schedule time, then the backoff after a failed attempt;
    -- NULL once final. Every row with a value is in the queue.
    next_attempt_at    timestamptz,
    lease_owner        text,                                 -- the engine instance delivering it now
    lease_until        timestamptz,                          -- after this, another instance may take it over
    send_time          timestamptz,
    creator            text        NOT NULL,
    create_time        timestamptz NOT NULL DEFAULT now(),
    update_time        timestamptz NOT NULL DEFAULT now(),
    CHECK ((next_attempt_at IS NULL) = (status IN ('SENT', 'FAILED', 'CANCELLED')))
);
-- the claim query (due and not leased) and the queue bound (count of rows in the queue)
CREATE INDEX notifications_queue ON notifications (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
-- ListNotifications' keyset pages, newest first: everyone's, and a creator's own
CREATE INDEX notifications_create_time ON notifications (create_time, id);
CREATE INDEX notifications_creator ON notifications (creator, create_time, id);
-- filters
CREATE INDEX notifications_recipient ON notifications (lower(recipient), create_time);
CREATE INDEX notifications_status ON notifications (status, create_time);

-- AIP-155 idempotency keys: one per creator and key, honoured for 24 hours (older ones are replaced
-- and purged)
CREATE TABLE notification_requests (
    creator         text        NOT NULL,
    request_id      uuid        NOT NULL,
    -- checked at commit: the key is taken first (which settles a race between two calls with it), then
    -- the notification is inserted in the same transaction
    notification_id uuid        NOT NULL REFERENCES notifications (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    create_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (creator, request_id)
);
CREATE INDEX notification_requests_create_time ON notification_requests (create_time);

CREATE TABLE delivery_attempts (
    notification_id uuid        NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    attempt         integer     NOT NULL,                    -- 1, 2, ...
    attempt_time    timestamptz NOT NULL DEFAULT now(),
    provider        text        NOT NULL,
    outcome         text        NOT NULL CHECK (outcome IN ('SENT', 'RETRYABLE', 'PERMANENT')),
    detail          text        NOT NULL DEFAULT '',
    instance        text        NOT NULL,                    -- the delivery engine that made it
    PRIMARY KEY (notification_id, attempt)
);

-- the in-app channel's feed: one item per delivered IN_APP notification
CREATE TABLE feed_items (
    id              uuid        PRIMARY KEY,
    user_id         uuid        NOT NULL,
    notification_id uuid        NOT NULL UNIQUE,             -- a repeated delivery stores nothing new
    subject         text        NOT NULL DEFAULT '',
    body            text        NOT NULL,
    category        text        NOT NULL DEFAULT '',
    read_time       timestamptz,
    create_time     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feed_items_user ON feed_items (user_id, create_time, id);
