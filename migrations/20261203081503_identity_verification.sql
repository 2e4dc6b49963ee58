-- What Disdukcapil verified: the NIK and KK number as they were when the NIK was verified (or
-- issued by identity recording). A NIK or KK edited afterwards differs from these, and the case
-- goes back through NIK verification when the hospital sends it on.
ALTER TABLE cases
    ADD COLUMN identity_verified_at timestamptz,
    ADD COLUMN verified_nik text CHECK (verified_nik ~ '^[0-9]{16}$'),
    ADD COLUMN verified_kk text CHECK (verified_kk ~ '^[0-9]{16}$');

-- Cases verified before this migration: the numbers they hold now are the best record of what
-- was verified.
UPDATE cases c SET identity_verified_at = v.at, verified_nik = c.nik, verified_kk = c.kk_number
FROM (SELECT case_id, max(at) AS at FROM case_history
      WHERE action IN ('verify_nik', 'record_identity') GROUP BY case_id) v
WHERE v.case_id = c.id;
