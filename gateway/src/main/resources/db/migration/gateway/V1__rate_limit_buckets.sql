-- The gateway's rate limit buckets when they are shared by its replicas (RATE_LIMIT_STORE=postgres),
-- in the table layout of Bucket4j's PostgreSQL integration: the bucket's serialized state, and when
-- it is full again (epoch milliseconds), after which the row may be removed.
CREATE TABLE rate_limit_buckets (
    id         text   PRIMARY KEY,   -- "<route group>:<user id or client address>"
    state      bytea,
    expires_at bigint
);
CREATE INDEX rate_limit_buckets_expires_at ON rate_limit_buckets (expires_at);
