-- Auth's own database: credentials, sessions and refresh tokens, revocations, signing keys,
-- API keys, password resets and login throttling.

CREATE TABLE accounts (
    id                  uuid        PRIMARY KEY,
    username            text        NOT NULL,
    username_key        text        NOT NULL UNIQUE,   -- lower(username): usernames compare case-insensitively
    email               text        NOT NULL,
    email_key           text        NOT NULL UNIQUE,   -- lower(email)
    password_hash       text        NOT NULL,          -- PHC string (Argon2id; bcrypt from imports until next login)
    disabled            boolean     NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);

-- A session is one sign-in: a family of refresh tokens, each valid once.
CREATE TABLE sessions (
    id             uuid        PRIMARY KEY,
    account_id     uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    revoke_reason  text,
    client_address text
);
CREATE INDEX sessions_account ON sessions (account_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    token_hash bytea       PRIMARY KEY,                -- SHA-256 of the token; the token itself is never stored
    session_id uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz                             -- set when rotated; presenting it again is reuse
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Revocations in force, streamed to every verifier of the mesh.
CREATE TABLE revocations (
    id         bigserial   PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind IN ('token', 'session', 'subject')),
    target     text        NOT NULL,
    revoked_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL                    -- after it no token the revocation could match is valid
);
CREATE INDEX revocations_expiry ON revocations (expires_at);

CREATE TABLE signing_keys (
    kid         text        PRIMARY KEY,
    private_key bytea       NOT NULL,                  -- PKCS#8, AES-GCM encrypted with AUTH_KEY_ENCRYPTION_KEY
    public_key  bytea       NOT NULL,                  -- X.509 SubjectPublicKeyInfo
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id           uuid        PRIMARY KEY,
    owner_id     uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    display_name text        NOT NULL,
    scopes       text[]      NOT NULL,
    key_hash     bytea       NOT NULL UNIQUE,           -- SHA-256 of the secret
    key_prefix   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_owner ON api_keys (owner_id, created_at DESC, id DESC) WHERE revoked_at IS NULL;

CREATE TABLE password_resets (
    token_hash bytea       PRIMARY KEY,
    account_id uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

-- Failed logins per account and per client address, for brute-force protection.
CREATE TABLE login_throttle (
    key          text        PRIMARY KEY,              -- 'account:<username_key>' or 'client:<address>'
    failures     integer     NOT NULL,
    window_start timestamptz NOT NULL,
    locked_until timestamptz
);
