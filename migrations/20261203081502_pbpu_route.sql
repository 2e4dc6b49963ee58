-- The PBPU Pemda route, continued: service levels of its desks (working days), Dinkes's
-- decision on the case (who pays the premium, when it was decided: the quota year), and the
-- temporary guarantee still running while the case waits at either desk.

INSERT INTO sla_settings (state, working_days) VALUES ('pbpu_review', 5), ('pbpu_proposed', 30)
ON CONFLICT (state) DO NOTHING;

ALTER TABLE cases
    ADD COLUMN pbpu_payer text CHECK (pbpu_payer IN ('pemprov', 'pemkab_asal')),
    ADD COLUMN pbpu_decided_on date,
    ADD COLUMN pbpu_decision_reference text,
    ADD CONSTRAINT cases_pbpu_decision_complete
        CHECK ((pbpu_payer IS NULL) = (pbpu_decided_on IS NULL)),
    ADD CONSTRAINT cases_pbpu_decided_before_bpjs
        CHECK (state <> 'pbpu_proposed' OR pbpu_payer IS NOT NULL);

ALTER TABLE cases DROP CONSTRAINT cases_guarantee_complete;
ALTER TABLE cases ADD CONSTRAINT cases_guarantee_complete CHECK (
    state NOT IN ('guaranteed', 'pbi_proposed', 'pbpu_review', 'pbpu_proposed')
    OR (guarantee_letter_number IS NOT NULL AND guarantee_start IS NOT NULL AND payer IS NOT NULL)
);

-- Cases enrolled per payer and year, for the quota that Dinkes will keep per payer.
CREATE INDEX cases_pbpu_quota_idx ON cases (pbpu_payer, pbpu_decided_on)
    WHERE pbpu_payer IS NOT NULL;
