-- Idempotency keys (issue 13, "Reliability"): a client's key for one state-changing request, per
-- user — the `Idempotency-Key` header of the API, the per-render nonce of a case page's forms.
-- The row is written in the same transaction as the request's effect, with the answer the
-- request got, so a repeat (a double click, a retry after a lost answer) waits on the primary key
-- while the first runs and then replays its answer: one effect, one answer.
--
-- `fingerprint` is the SHA-256 of what the request asked (method, path, body): the same key with
-- another request is refused. `answer` is the stored answer (the API's JSON body, or the page's
-- redirect and message); it may hold what the caller was shown of a case, so rows are pruned
-- after the retention (48 hours, src/cases/idempotency.rs) by the daily retention sweep and a
-- key older than that is taken as new.
CREATE TABLE idempotency_keys (
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 100),
    fingerprint  bytea NOT NULL CHECK (length(fingerprint) = 32),
    -- Empty only inside the transaction that claimed the key, before its effect is done.
    status       smallint CHECK (status BETWEEN 100 AND 599),
    answer       jsonb,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, key),
    CONSTRAINT idempotency_keys_answer_pair CHECK ((status IS NULL) = (answer IS NULL))
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
