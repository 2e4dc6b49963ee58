-- Daftar nominatif (Pergub NTT 55/2025 B.1.3, Kepgub NTT 99/2025): Dinkes prov groups the
-- beneficiaries of a period into a batch, the Governor sets them by decree (Keputusan
-- Gubernur), and the batch is closed with the decree's number and date.
--
-- A batch has a basis: `jaminan_sementara` (cases whose temporary guarantee starts in the
-- period) or `pbpu_pemda` (cases Dinkes enrolled in PBPU Pemda in the period), and optionally
-- one payer. A case is in at most one batch that is not cancelled: the entries carry their
-- batch's status (kept equal by the foreign key's ON UPDATE CASCADE) so a partial unique index
-- can say so. When the decree is recorded, the annex's columns are copied into the entries
-- (`annex_*`), so a later correction of a case never changes a decreed annex; the view
-- `nominatif_rows` reads the copy of a closed batch and the live case otherwise.

-- Yearly running number of the batches (DN-2026-001 …).
CREATE TABLE nominatif_numbers (
    year  integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    last  integer NOT NULL CHECK (last >= 1)
);

CREATE TABLE nominatif_batches (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number         text NOT NULL UNIQUE CHECK (number ~ '^DN-[0-9]{4}-[0-9]{3,}$'),
    basis          text NOT NULL CHECK (basis IN ('jaminan_sementara', 'pbpu_pemda')),
    -- NULL: every payer.
    payer          text CHECK (payer IN ('pemprov', 'pemkab_asal')),
    period_start   date NOT NULL,
    period_end     date NOT NULL,
    status         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'closed', 'cancelled')),
    created_by     uuid NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL,
    decree_number  text CHECK (length(decree_number) BETWEEN 1 AND 100),
    decree_date    date,
    closed_by      uuid REFERENCES users (id),
    closed_at      timestamptz,
    cancel_reason  text CHECK (length(cancel_reason) BETWEEN 1 AND 500),
    cancelled_by   uuid REFERENCES users (id),
    cancelled_at   timestamptz,
    CONSTRAINT nominatif_batches_period CHECK (
        period_end >= period_start AND period_end - period_start <= 366
        AND period_start >= '2000-01-01' AND period_end <= '2100-12-31'
    ),
    CONSTRAINT nominatif_batches_closed_has_decree CHECK (
        (status = 'closed') = (decree_number IS NOT NULL AND decree_date IS NOT NULL
                               AND closed_by IS NOT NULL AND closed_at IS NOT NULL)
    ),
    CONSTRAINT nominatif_batches_cancelled_has_reason CHECK (
        (status = 'cancelled') = (cancel_reason IS NOT NULL AND cancelled_by IS NOT NULL
                                  AND cancelled_at IS NOT NULL)
    ),
    -- Target of the entries' (batch_id, batch_status) foreign key.
    CONSTRAINT nominatif_batches_id_status_key UNIQUE (id, status)
);
-- One decree, one batch: a decree number typed twice is a mistake worth stopping.
CREATE UNIQUE INDEX nominatif_batches_decree_key ON nominatif_batches (decree_number)
    WHERE status = 'closed';
CREATE INDEX nominatif_batches_created_idx ON nominatif_batches (created_at DESC);

CREATE TABLE nominatif_entries (
    batch_id       uuid NOT NULL,
    batch_status   text NOT NULL,
    case_id        uuid NOT NULL REFERENCES cases (id),
    added_by       uuid NOT NULL REFERENCES users (id),
    added_at       timestamptz NOT NULL,
    -- The annex row as decreed (written when the decree is recorded).
    annex_full_name      text,
    annex_sex            text,
    annex_birth_date     date,
    annex_nik            text,
    annex_kk_number      text,
    annex_address        text,
    annex_kab_kota_code  text,
    annex_kab_kota_name  text,
    annex_hospital_name  text,
    annex_guarantee_start date,
    annex_guarantee_end  date,
    annex_payer          text,
    PRIMARY KEY (batch_id, case_id),
    FOREIGN KEY (batch_id, batch_status) REFERENCES nominatif_batches (id, status)
        ON UPDATE CASCADE,
    CONSTRAINT nominatif_entries_closed_has_annex CHECK (
        batch_status <> 'closed'
        OR (annex_full_name IS NOT NULL AND annex_sex IS NOT NULL AND annex_birth_date IS NOT NULL
            AND annex_kab_kota_code IS NOT NULL AND annex_kab_kota_name IS NOT NULL
            AND annex_hospital_name IS NOT NULL)
    )
);
-- A case is in at most one batch that is not cancelled (draft or decreed).
CREATE UNIQUE INDEX nominatif_entries_active_case_key ON nominatif_entries (case_id)
    WHERE batch_status <> 'cancelled';

-- The annex rows: the decreed copy of a closed batch, the case as it is now otherwise.
CREATE VIEW nominatif_rows AS
SELECT e.batch_id,
       e.case_id,
       c.number AS case_number,
       c.state::text AS case_state,
       CASE WHEN e.batch_status = 'closed' THEN e.annex_full_name ELSE c.full_name END AS full_name,
       CASE WHEN e.batch_status = 'closed' THEN e.annex_sex ELSE c.sex END AS sex,
       CASE WHEN e.batch_status = 'closed' THEN e.annex_birth_date ELSE c.birth_date END AS birth_date,
       CASE WHEN e.batch_status = 'closed' THEN e.annex_nik ELSE c.nik END AS nik,
       CASE WHEN e.batch_status = 'closed' THEN e.annex_kk_number ELSE c.kk_number END AS kk_number,
       CASE WHEN e.batch_status = 'closed' THEN e.annex_address
            ELSE nullif(concat_ws(', ', c.address, c.desa, 'Kec. ' || c.kecamatan), '') END AS address,
       CASE WHEN e.batch_status = 'closed' THEN e.annex_kab_kota_code ELSE c.domicile_kab_kota_code END AS kab_kota_code,
       CASE WHEN e.batch_status = 'closed' THEN e.annex_kab_kota_name ELSE k.name END AS kab_kota_name,
       CASE WHEN e.batch_status = 'closed' THEN e.annex_hospital_name ELSE h.name END AS hospital_name,
       CASE WHEN e.batch_status = 'closed' THEN e.annex_guarantee_start ELSE c.guarantee_start END AS guarantee_start,
       CASE WHEN e.batch_status = 'closed' THEN e.annex_guarantee_end ELSE c.guarantee_end END AS guarantee_end,
       CASE WHEN e.batch_status = 'closed' THEN e.annex_payer
            WHEN b.basis = 'pbpu_pemda' THEN c.pbpu_payer ELSE c.payer END AS payer
FROM nominatif_entries e
JOIN nominatif_batches b ON b.id = e.batch_id
JOIN cases c ON c.id = e.case_id
JOIN kab_kota k ON k.code = c.domicile_kab_kota_code
JOIN hospitals h ON h.id = c.hospital_id;

-- Candidates of a period by the guarantee's start (PBPU Pemda decisions already have
-- cases_pbpu_quota_idx on payer and date).
CREATE INDEX cases_guarantee_start_idx ON cases (guarantee_start) WHERE guarantee_start IS NOT NULL;

-- The one definition of "eligible" (docs/domain.md, "Daftar nominatif"): the cases a batch of
-- `p_basis` for `p_payer` (NULL: every payer) over `p_start`..`p_end` may list, i.e. not
-- withdrawn or rejected, in no batch that is not cancelled, and
-- - jaminan_sementara: the temporary guarantee starts in the period, paid by the payer;
-- - pbpu_pemda: Dinkes enrolled the case in PBPU Pemda in the period, premium by the payer.
CREATE FUNCTION nominatif_eligible(p_basis text, p_payer text, p_start date, p_end date)
RETURNS TABLE (case_id uuid)
LANGUAGE sql STABLE AS $$
    SELECT c.id
    FROM cases c
    WHERE p_basis = 'jaminan_sementara'
      AND c.guarantee_start BETWEEN p_start AND p_end
      AND (p_payer IS NULL OR c.payer = p_payer)
      AND c.state NOT IN ('withdrawn', 'rejected')
      AND NOT EXISTS (SELECT 1 FROM nominatif_entries e
                      WHERE e.case_id = c.id AND e.batch_status <> 'cancelled')
    UNION ALL
    SELECT c.id
    FROM cases c
    WHERE p_basis = 'pbpu_pemda'
      AND c.pbpu_decided_on BETWEEN p_start AND p_end
      AND (p_payer IS NULL OR c.pbpu_payer = p_payer)
      AND c.state NOT IN ('withdrawn', 'rejected')
      AND NOT EXISTS (SELECT 1 FROM nominatif_entries e
                      WHERE e.case_id = c.id AND e.batch_status <> 'cancelled')
$$;
