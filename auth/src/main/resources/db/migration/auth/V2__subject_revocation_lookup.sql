-- Tokens are issued with an iat after the last revocation of their subject in force (a role change
-- revokes the tokens issued before it, and the refresh that follows it must not be caught by it):
-- every login, refresh and key exchange looks that revocation up.
CREATE INDEX revocations_subject ON revocations (target, revoked_at) WHERE kind = 'subject';
