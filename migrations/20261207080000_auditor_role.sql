-- The data protection officer (UU 27/2022 Pasal 53): reads the access log and the
-- per-patient access history; sees no case content.
ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'auditor';
