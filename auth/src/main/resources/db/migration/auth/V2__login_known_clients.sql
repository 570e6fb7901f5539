-- The addresses each account has logged in from (or confirmed a password reset from). Guessing on
-- an account from many addresses locks it (LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL) only for the
-- addresses that are not known here, so that nobody can lock an owner out by guessing.
-- login_throttle now also holds 'account:<id>|client:<address>' keys: failures on one account from
-- one address (LOGIN_MAX_FAILURES_PER_ACCOUNT); 'account:<id>' counts failures from every address.
CREATE TABLE login_known_clients (
    account_key  text        NOT NULL,              -- 'account:<account id>', as in login_throttle
    address      text        NOT NULL,              -- the client address (an IPv6 one as its /64)
    last_seen_at timestamptz NOT NULL,
    PRIMARY KEY (account_key, address)
);

CREATE INDEX login_known_clients_last_seen ON login_known_clients (last_seen_at);
