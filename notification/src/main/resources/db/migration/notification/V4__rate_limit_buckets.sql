-- The send limits' buckets when the replicas share them (SEND_LIMIT_STORE=postgres), in the table
-- layout of Bucket4j's PostgreSQL integration (the platform's RateLimiter.inPostgres): the bucket's
-- serialized state, and when it is full again (epoch milliseconds), after which the row may go.
-- (V4, not V3: V3 is the preferences' migration.)
CREATE TABLE rate_limit_buckets (
    id         text   PRIMARY KEY,   -- "caller:<creator>" or "recipient:<CHANNEL>:<address>"
    state      bytea,
    expires_at bigint
);
CREATE INDEX rate_limit_buckets_expires_at ON rate_limit_buckets (expires_at);
