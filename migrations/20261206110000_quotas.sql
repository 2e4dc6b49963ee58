-- The yearly quota per payer (issue 10 "Financing → Quota"; Pergub NTT 55/2025 B.2, Kepgub NTT
-- 99/2025). Dinkes sets, for each year, per payer — the province (Pemprov, APBD) or one
-- kabupaten/kota (the Pemkab/Pemkot that pays for the patients whose domicile it is) — the
-- rupiah budget for temporary guarantees and the number of people it enrols as PBPU Pemda.
-- Each approval is booked against its payer's quota of the year (quota_charges); an approval
-- beyond what remains needs a confirmation with a reason, kept on the charge.

-- One row per year and payer. kab_kota_code NULL is the province. A value NULL is "not set":
-- no limit, approvals are only counted.
CREATE TABLE quotas (
    id               bigserial PRIMARY KEY,
    year             integer NOT NULL CHECK (year BETWEEN 2020 AND 2100),
    kab_kota_code    text REFERENCES kab_kota (code),
    guarantee_budget bigint CHECK (guarantee_budget BETWEEN 0 AND 100000000000000),
    pbpu_quota       bigint CHECK (pbpu_quota BETWEEN 0 AND 10000000),
    updated_by       uuid NOT NULL REFERENCES users (id),
    updated_at       timestamptz NOT NULL
);
-- One quota per year and payer; the province is the row without a kab/kota.
CREATE UNIQUE INDEX quotas_year_payer_key ON quotas (year, (COALESCE(kab_kota_code, '')));

-- Every change of a budget or a PBPU quota: who, when, old and new value.
CREATE TABLE quota_changes (
    id            bigserial PRIMARY KEY,
    year          integer NOT NULL,
    kab_kota_code text REFERENCES kab_kota (code),
    kind          text NOT NULL CHECK (kind IN ('guarantee', 'pbpu_pemda')),
    old_value     bigint,
    new_value     bigint NOT NULL CHECK (new_value >= 0),
    changed_by    uuid NOT NULL REFERENCES users (id),
    changed_at    timestamptz NOT NULL
);
CREATE INDEX quota_changes_year_idx ON quota_changes (year, changed_at);

-- What each approval took from which quota. The payer is fixed at the approval: for
-- 'pemkab_asal' the kab/kota of the patient's domicile then, so a later correction of the
-- domicile does not move the money between budgets. One row per case and kind: a case approved
-- again (after going back through the checks) replaces its own charge. A guarantee takes its
-- ceiling (amount NULL: approved without a ceiling, before the payer had a budget); a PBPU Pemda
-- enrolment takes one person. A charge stays when the case later ends (withdrawn, handed over):
-- the letter or the enrolment was issued against the budget.
CREATE TABLE quota_charges (
    case_id           uuid NOT NULL REFERENCES cases (id),
    kind              text NOT NULL CHECK (kind IN ('guarantee', 'pbpu_pemda')),
    year              integer NOT NULL,
    kab_kota_code     text REFERENCES kab_kota (code),
    amount            bigint CHECK (amount >= 0),
    -- The quota and what was used of it just before this approval (NULL: no quota set).
    quota_at_decision bigint,
    used_before       bigint NOT NULL DEFAULT 0,
    over_quota        boolean NOT NULL DEFAULT false,
    over_quota_reason text,
    decided_by        uuid NOT NULL REFERENCES users (id),
    decided_at        timestamptz NOT NULL,
    PRIMARY KEY (case_id, kind),
    CONSTRAINT quota_charges_over_has_reason CHECK (over_quota = (over_quota_reason IS NOT NULL)),
    CONSTRAINT quota_charges_pbpu_one_person CHECK (kind <> 'pbpu_pemda' OR amount = 1)
);
CREATE INDEX quota_charges_payer_idx ON quota_charges (kind, year, (COALESCE(kab_kota_code, '')));

-- The approvals made before this migration, booked as they were decided (the payer's kab/kota
-- being the domicile now, the best there is).
INSERT INTO quota_charges (case_id, kind, year, kab_kota_code, amount, decided_by, decided_at)
SELECT c.id, k.kind, extract(year FROM k.day)::integer,
       CASE WHEN k.payer = 'pemkab_asal' THEN c.domicile_kab_kota_code END,
       k.amount, h.actor_id, h.at
FROM cases c
CROSS JOIN LATERAL (VALUES
    ('guarantee', 'approve_guarantee', c.guarantee_start, c.payer, c.guarantee_ceiling),
    ('pbpu_pemda', 'enrol_pbpu_pemda', c.pbpu_decided_on, c.pbpu_payer, 1::bigint)
) AS k (kind, action, day, payer, amount)
JOIN LATERAL (
    SELECT actor_id, at FROM case_history
    WHERE case_id = c.id AND action = k.action
    ORDER BY id DESC LIMIT 1
) h ON true
WHERE k.day IS NOT NULL AND k.payer IS NOT NULL;
