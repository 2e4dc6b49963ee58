-- Work after the transaction, and who wants to hear about what.
--
-- Jobs: one table for every piece of work that runs after a transaction commits (e-mails,
-- webhooks, the overdue sweep, digests). Rows are written in the transaction of the change that
-- causes them (an outbox), so a crash never loses one, and claimed with FOR UPDATE SKIP LOCKED,
-- so two instances never run the same row. `dedupe_key` is the delivery's identity: enqueueing
-- the same delivery twice (a retried transaction, a second instance's sweep) is a no-op.
CREATE TABLE jobs (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('email', 'webhook', 'overdue_sweep', 'digest')),
    dedupe_key    text NOT NULL UNIQUE CHECK (length(dedupe_key) BETWEEN 1 AND 200),
    -- No personal data: ids, case numbers, states; the worker reads the rest when it runs.
    payload       jsonb NOT NULL,
    created_at    timestamptz NOT NULL,
    -- Not before this instant (backoff after a failure moves it on).
    run_after     timestamptz NOT NULL,
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts  integer NOT NULL DEFAULT 8 CHECK (max_attempts > 0),
    -- A claimed job is invisible to other workers until then; a worker that dies mid-job
    -- releases it by letting this pass.
    locked_until  timestamptz,
    done_at       timestamptz,
    -- Set when the last attempt failed: the job is given up and shown to the administrator.
    failed_at     timestamptz,
    -- The last failure, for the operator; never a message body.
    last_error    text CHECK (length(last_error) <= 2000),
    CHECK (done_at IS NULL OR failed_at IS NULL)
);
-- The worker's question: what is due and not finished?
CREATE INDEX jobs_due_idx ON jobs (run_after) WHERE done_at IS NULL AND failed_at IS NULL;

-- An address for e-mail notifications (optional; nothing is e-mailed without one).
ALTER TABLE users ADD COLUMN email text
    CHECK (email IS NULL OR (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'));

-- A case that has overdue at a desk notifies the desk once per stay.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('arrived', 'returned', 'overdue'));
ALTER TABLE desk_stays ADD COLUMN overdue_notified_at timestamptz;
-- The sweep's question: open stays past their due date not yet announced.
CREATE INDEX desk_stays_overdue_idx ON desk_stays (sla_due_date)
    WHERE left_at IS NULL AND overdue_notified_at IS NULL AND sla_due_date IS NOT NULL;

-- Per-user choices: for each kind of notification, in the application and/or by e-mail. A
-- missing row means the defaults of `effective_notification_preferences` below.
CREATE TABLE notification_preferences (
    user_id  uuid NOT NULL REFERENCES users (id),
    kind     text NOT NULL CHECK (kind IN ('arrived', 'returned', 'overdue', 'digest')),
    in_app   boolean NOT NULL,
    email    boolean NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Every user × kind with the choice in force. The defaults live here only: in the application
-- everything is on; by e-mail, the rare and actionable ones (returned, overdue) and the daily
-- digest, not every arrival. `digest` has no in-app channel (its page is always there).
CREATE VIEW effective_notification_preferences AS
SELECT u.id AS user_id,
       k.kind,
       coalesce(p.in_app, true) AND k.kind <> 'digest' AS in_app,
       coalesce(p.email, k.kind <> 'arrived') AS email
FROM users u
CROSS JOIN (VALUES ('arrived'), ('returned'), ('overdue'), ('digest')) AS k (kind)
LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.kind = k.kind;
