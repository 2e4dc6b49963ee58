-- Failed password checks per account name, for throttling sign-in (src/auth/throttle.rs).
-- One row per name typed, known or unknown, keyed by the SHA-256 of the lowercased name (so a
-- mistyped password in the name field is not kept); rows whose streak is over are deleted on
-- the next attempt, so the table stays small. Every instance shares it.
CREATE TABLE sign_in_throttle (
    username_key bytea PRIMARY KEY CHECK (length(username_key) = 32),
    -- Attempts in the current streak (counted before the password is checked; a success
    -- deletes the row).
    failures integer NOT NULL CHECK (failures >= 0),
    last_failure_at timestamptz NOT NULL,
    -- No attempt is checked before this time.
    blocked_until timestamptz
);

CREATE INDEX sign_in_throttle_last_failure_at ON sign_in_throttle (last_failure_at);
