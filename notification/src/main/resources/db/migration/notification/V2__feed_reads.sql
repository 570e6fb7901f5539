-- The feed's read side: a user's unread items (the unread count and ListFeedItems' unread_only,
-- newest first), and the items of the last moments across all users (the WatchFeed poller of each
-- replica reads what arrived since its last look).
CREATE INDEX feed_items_unread ON feed_items (user_id, create_time, id) WHERE read_time IS NULL;
CREATE INDEX feed_items_create_time ON feed_items (create_time, id);
