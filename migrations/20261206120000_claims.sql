-- Claims (klaim): the hospital bills the guarantee payer for the care it gave a guaranteed case;
-- Dinkes verifies the claim (accepts it or sends it back) and records the payment. The sums of
-- paid claims are the realised financing ("realisasi pembiayaan") of the reports.
--
-- A case may have several claims, one per period of care (a long stay billed month by month, a
-- second admission inside the same guarantee), but their periods never overlap: the same day of
-- care is billed once. The service checks that under a lock on the case row.

CREATE TYPE claim_status AS ENUM ('submitted', 'returned', 'accepted', 'paid');

-- The claim document is a case document of kind 'klaim' (same storage, limits and access log).
ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check
    CHECK (kind IN ('ktp', 'kk', 'sktm', 'rujukan', 'lainnya', 'klaim'));

CREATE SEQUENCE claim_number_seq;

CREATE TABLE claims (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number          text NOT NULL UNIQUE,
    case_id         uuid NOT NULL REFERENCES cases (id),
    hospital_id     uuid NOT NULL REFERENCES hospitals (id),
    status          claim_status NOT NULL DEFAULT 'submitted',
    version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),

    -- Who pays and the patient's kab/kota of origin, copied from the case when the claim is
    -- submitted (again on each resubmission) and frozen once paid: realised financing stays
    -- what was paid even if the case's domicile is corrected later.
    payer           text NOT NULL CHECK (payer IN ('pemprov', 'pemkab_asal')),
    kab_kota_code   text NOT NULL REFERENCES kab_kota (code),

    care_start      date NOT NULL,
    care_end        date NOT NULL,
    amount_claimed  bigint NOT NULL CHECK (amount_claimed > 0 AND amount_claimed <= 100000000000000),
    ina_cbg_code    text CHECK (ina_cbg_code ~ '^[A-Z0-9-]{1,20}$'),
    document_id     uuid NOT NULL REFERENCES documents (id),

    return_reason   text CHECK (length(return_reason) BETWEEN 1 AND 2000),
    paid_on         date,
    amount_paid     bigint CHECK (amount_paid > 0),
    payment_reference text CHECK (length(payment_reference) BETWEEN 1 AND 100),

    submitted_by    uuid NOT NULL REFERENCES users (id),
    submitted_at    timestamptz NOT NULL,
    verified_by     uuid REFERENCES users (id),
    verified_at     timestamptz,
    paid_by         uuid REFERENCES users (id),
    paid_recorded_at timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,

    CONSTRAINT claims_period_order CHECK (care_start <= care_end),
    CONSTRAINT claims_paid_complete CHECK (
        (status = 'paid') = (paid_on IS NOT NULL AND amount_paid IS NOT NULL AND paid_by IS NOT NULL)
    ),
    CONSTRAINT claims_paid_within_claimed CHECK (amount_paid IS NULL OR amount_paid <= amount_claimed),
    CONSTRAINT claims_returned_has_reason CHECK ((status = 'returned') = (return_reason IS NOT NULL)),
    CONSTRAINT claims_verified_complete CHECK (
        status NOT IN ('accepted', 'paid') OR (verified_by IS NOT NULL AND verified_at IS NOT NULL)
    )
);
CREATE INDEX claims_case_idx ON claims (case_id, care_start);
CREATE INDEX claims_list_idx ON claims (status, submitted_at);
CREATE INDEX claims_hospital_idx ON claims (hospital_id, submitted_at);
CREATE INDEX claims_kab_kota_idx ON claims (kab_kota_code, submitted_at);
-- Realised financing reads paid claims by payment date.
CREATE INDEX claims_paid_idx ON claims (paid_on, payer, kab_kota_code, hospital_id)
    INCLUDE (amount_paid) WHERE status = 'paid';

-- One row per step of a claim (submit, return, resubmit, accept, pay), written in the same
-- transaction as the change: who, in which role, when, from which status and version, and what.
CREATE TABLE claim_history (
    id            bigserial PRIMARY KEY,
    claim_id      uuid NOT NULL REFERENCES claims (id),
    action        text NOT NULL CHECK (action IN ('submit', 'return', 'resubmit', 'accept', 'pay')),
    from_status   claim_status,
    to_status     claim_status NOT NULL,
    from_version  integer,
    actor_id      uuid NOT NULL REFERENCES users (id),
    actor_role    user_role NOT NULL,
    at            timestamptz NOT NULL,
    reason        text,
    detail        jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX claim_history_claim_idx ON claim_history (claim_id, id);
