-- Two-factor sign-in (TOTP, RFC 6238), one-time recovery codes, activation codes and the
-- notices a user sees at the next sign-in (an administrator reset the account or changed its
-- e-mail address).

-- The TOTP shared secret of a user. `confirmed_at` NULL: enrolment begun, not confirmed with a
-- code yet (the secret is shown to the user until then). `last_step`: the time step of the last
-- accepted code, so that a code is never accepted twice.
CREATE TABLE user_totp (
    user_id uuid PRIMARY KEY REFERENCES users (id),
    secret bytea NOT NULL CHECK (length(secret) >= 16),
    confirmed_at timestamptz,
    last_step bigint,
    created_at timestamptz NOT NULL
);

-- One-time recovery codes: SHA-256 of a random 16-character code (about 79 bits), never the
-- code itself.
CREATE TABLE recovery_codes (
    id bigserial PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
    used_at timestamptz
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- The one activation code of a user (a new one replaces the old): SHA-256 of a random code,
-- usable once before `expires_at`.
CREATE TABLE activation_codes (
    user_id uuid PRIMARY KEY REFERENCES users (id),
    code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
    issued_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);

-- What a user is told at the next sign-in: `reset` (an administrator reset the account) or
-- `email_changed` (an administrator changed its e-mail address). `actor_role`: the role of
-- who did it (`admin`, or `operator` for the command line), never a secret.
CREATE TABLE account_notices (
    id bigserial PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    kind text NOT NULL CHECK (kind IN ('reset', 'email_changed')),
    actor_role text NOT NULL,
    created_at timestamptz NOT NULL,
    shown_at timestamptz
);
CREATE INDEX account_notices_unshown ON account_notices (user_id) WHERE shown_at IS NULL;
