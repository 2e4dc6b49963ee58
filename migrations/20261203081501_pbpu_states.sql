-- The PBPU Pemda route (Kepgub NTT 99/2025): Dinkes prov decides the enrolment (pbpu_review),
-- then BPJS registers it (pbpu_proposed). PostgreSQL cannot use an enum value in the transaction
-- that adds it, so whatever uses these values is in the next migration.
ALTER TYPE case_state ADD VALUE IF NOT EXISTS 'pbpu_review' AFTER 'pbi_proposed';
ALTER TYPE case_state ADD VALUE IF NOT EXISTS 'pbpu_proposed' AFTER 'pbpu_review';
