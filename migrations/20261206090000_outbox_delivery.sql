-- Delivering the outbox: what the administrator's page of background work and the worker's
-- housekeeping ask of `jobs` (the table itself is 20261205090000_outbox_and_preferences.sql).

-- The failed jobs, newest first (the administrator's list and its count).
CREATE INDEX jobs_failed_idx ON jobs (failed_at) WHERE failed_at IS NOT NULL;
-- Jobs finished in a period (the page's count), and the daily purge of old finished jobs.
CREATE INDEX jobs_done_idx ON jobs (done_at) WHERE done_at IS NOT NULL;
