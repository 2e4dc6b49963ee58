-- Retention of personal data (UU 27/2022): a period after a case closes, set by the
-- administrator, after which the daily retention sweep removes the patient's personal data and
-- documents from the case while its figures (states, dates, kab/kota, hospital, payer, amounts,
-- sex and birth year) stay for the statistics.

-- The one retention setting, in months after closing (default 60: five years, the audit window
-- of the program's spending; at least one year, at most 30).
CREATE TABLE retention_settings (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    months      integer NOT NULL CHECK (months BETWEEN 12 AND 360),
    updated_by  uuid REFERENCES users(id),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO retention_settings (months) VALUES (60);

-- When a case's personal data was removed; only a closed case is purged.
ALTER TABLE cases ADD COLUMN purged_at timestamptz;
ALTER TABLE cases ADD CONSTRAINT cases_purged_only_closed
    CHECK (purged_at IS NULL OR closed_at IS NOT NULL);
CREATE INDEX cases_retention_due_idx ON cases (closed_at)
    WHERE purged_at IS NULL AND closed_at IS NOT NULL;

-- A purged document keeps its row (kind, type, size, date: counted by claims and reports) but
-- loses its file, name and digest.
ALTER TABLE documents ADD COLUMN purged_at timestamptz;

ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('email', 'webhook', 'overdue_sweep', 'digest', 'retention_sweep'));
