-- Every export and report download: who, when, what, in which format, how many rows (issue:
-- reports and exports). One log for every kind of download, so the security review reads one
-- table. `what` names the list (queue, monitoring, claims, report, nominatif, …); `detail` holds
-- the filters or the object exported (a report id, a batch id) and never personal data.
CREATE TABLE export_log (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    at         timestamptz NOT NULL,
    what       text NOT NULL CHECK (what ~ '^[a-z_]{1,40}$'),
    format     text NOT NULL CHECK (format IN ('xlsx', 'csv', 'print', 'json')),
    row_count  bigint NOT NULL CHECK (row_count >= 0),
    -- Set when the download did not finish (client gone, database error mid-stream).
    completed  boolean NOT NULL DEFAULT true,
    detail     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX export_log_at_idx ON export_log (at);
CREATE INDEX export_log_user_idx ON export_log (user_id, at);
