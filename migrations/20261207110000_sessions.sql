-- Sessions and API tokens (issue 11, "Sessions and requests").

-- The generation of a user's sessions. Every session carries the value it was started with;
-- sign-out everywhere, a password change or reset and deactivation add one, so every older
-- session of that user stops at its next request, on every instance, without scanning the
-- session table.
ALTER TABLE users ADD COLUMN session_epoch bigint NOT NULL DEFAULT 0;

-- API tokens expire: chosen at creation, at most a year ahead. Tokens made before this
-- migration get a year from now. `expiry_noted_at` is when a refusal of the expired token was
-- last written to the audit log (at most one row per token and hour, however often a client
-- retries).
ALTER TABLE api_tokens
    ADD COLUMN expires_at timestamptz,
    ADD COLUMN expiry_noted_at timestamptz;
UPDATE api_tokens SET expires_at = now() + interval '1 year';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;
