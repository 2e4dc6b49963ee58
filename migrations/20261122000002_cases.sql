-- The case workflow: one row per patient episode (patient identity + episode + workflow state),
-- one history row per transition, documents, per-desk SLA settings and holidays.

CREATE TYPE case_state AS ENUM (
    'draft', 'nik_check', 'nik_referral', 'identity_recording', 'desil_check', 'sktm_required',
    'guarantee_review', 'guaranteed', 'pbi_proposed', 'returned',
    'handed_over', 'rejected', 'withdrawn'
);

-- National holidays (working-day SLA clock skips them and weekends).
CREATE TABLE holidays (
    day   date PRIMARY KEY,
    name  text NOT NULL CHECK (length(trim(name)) > 0)
);
-- Fixed-date national holidays; movable ones (Idul Fitri, Nyepi, Waisak …) are added by the
-- administrator each year from the SKB Tiga Menteri.
INSERT INTO holidays (day, name) VALUES
    ('2026-01-01', 'Tahun Baru Masehi'), ('2026-05-01', 'Hari Buruh Internasional'),
    ('2026-06-01', 'Hari Lahir Pancasila'), ('2026-08-17', 'Hari Kemerdekaan RI'),
    ('2026-12-25', 'Hari Raya Natal'),
    ('2027-01-01', 'Tahun Baru Masehi'), ('2027-05-01', 'Hari Buruh Internasional'),
    ('2027-06-01', 'Hari Lahir Pancasila'), ('2027-08-17', 'Hari Kemerdekaan RI'),
    ('2027-12-25', 'Hari Raya Natal');

-- Service level per desk, in working days (DOMAIN.md §5).
CREATE TABLE sla_settings (
    state         case_state PRIMARY KEY,
    working_days  integer NOT NULL CHECK (working_days BETWEEN 1 AND 365)
);
INSERT INTO sla_settings (state, working_days) VALUES
    ('nik_check', 1), ('nik_referral', 3), ('identity_recording', 5), ('desil_check', 1),
    ('sktm_required', 3), ('guarantee_review', 1), ('guaranteed', 5), ('pbi_proposed', 30);

CREATE SEQUENCE case_number_seq;

CREATE TABLE cases (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number                   text NOT NULL UNIQUE,
    state                    case_state NOT NULL DEFAULT 'draft',
    version                  integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    returned_from            case_state,
    hospital_id              uuid NOT NULL REFERENCES hospitals (id),
    created_by               uuid NOT NULL REFERENCES users (id),
    intake_key               uuid UNIQUE,

    -- Patient (personal data).
    full_name                text NOT NULL CHECK (length(trim(full_name)) BETWEEN 1 AND 200),
    sex                      text NOT NULL CHECK (sex IN ('L', 'P')),
    birth_place              text,
    birth_date               date NOT NULL,
    has_identity_document    boolean NOT NULL,
    nik                      text CHECK (nik ~ '^[0-9]{16}$'),
    kk_number                text CHECK (kk_number ~ '^[0-9]{16}$'),
    address                  text,
    desa                     text,
    kecamatan                text,
    domicile_kab_kota_code   text NOT NULL REFERENCES kab_kota (code),
    family_phone             text,

    -- Episode.
    admission_date           date NOT NULL,
    service_type             text NOT NULL CHECK (service_type IN ('igd', 'rawat_inap', 'rawat_jalan')),
    ward_class               text NOT NULL CHECK (ward_class IN ('kelas_1', 'kelas_2', 'kelas_3')),
    clinical_reason          text,
    jkn_status               text NOT NULL CHECK (jkn_status IN ('tidak_ada', 'tidak_aktif', 'aktif')),

    -- Checks along the way. Desil: 1–10, 0 = not listed in DTSEN.
    desil                    smallint CHECK (desil BETWEEN 0 AND 10),
    desil_corrected          smallint CHECK (desil_corrected BETWEEN 1 AND 10),
    desil_correction_pending boolean NOT NULL DEFAULT false,
    guarantee_letter_number  text,
    guarantee_start          date,
    guarantee_end            date,
    payer                    text CHECK (payer IN ('pemprov', 'pemkab_asal')),
    guarantee_ceiling        bigint CHECK (guarantee_ceiling > 0),
    scheme                   text CHECK (scheme IN ('pbi_jkn', 'pbpu_pemda')),
    bpjs_card_number         text CHECK (bpjs_card_number ~ '^[0-9]{13}$'),
    coverage_effective_date  date,

    -- Clock: when the case reached its current desk, and when that desk's SLA runs out.
    state_entered_at         timestamptz NOT NULL DEFAULT now(),
    sla_due_date             date,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    submitted_at             timestamptz,
    closed_at                timestamptz,

    CONSTRAINT cases_returned_has_origin CHECK ((state = 'returned') = (returned_from IS NOT NULL)),
    CONSTRAINT cases_closed_when_terminal
        CHECK ((state IN ('handed_over', 'rejected', 'withdrawn')) = (closed_at IS NOT NULL)),
    CONSTRAINT cases_guarantee_complete CHECK (
        state NOT IN ('guaranteed', 'pbi_proposed')
        OR (guarantee_letter_number IS NOT NULL AND guarantee_start IS NOT NULL AND payer IS NOT NULL)
    )
);

-- At most one open case per NIK, across all hospitals.
CREATE UNIQUE INDEX cases_open_nik_key ON cases (nik)
    WHERE nik IS NOT NULL AND state NOT IN ('handed_over', 'rejected', 'withdrawn');
CREATE INDEX cases_hospital_idx ON cases (hospital_id, state);
CREATE INDEX cases_domicile_idx ON cases (domicile_kab_kota_code, state);
CREATE INDEX cases_queue_idx ON cases (state, sla_due_date, id);
CREATE INDEX cases_name_idx ON cases (lower(full_name) text_pattern_ops);

-- One row per transition, written in the same transaction as the state change.
CREATE TABLE case_history (
    id            bigserial PRIMARY KEY,
    case_id       uuid NOT NULL REFERENCES cases (id),
    action        text NOT NULL,
    from_state    case_state,
    to_state      case_state NOT NULL,
    from_version  integer,
    actor_id      uuid NOT NULL REFERENCES users (id),
    actor_role    user_role NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    evidence      jsonb NOT NULL DEFAULT '{}'::jsonb,
    reason        text
);
CREATE INDEX case_history_case_idx ON case_history (case_id, id);
CREATE INDEX case_history_at_idx ON case_history (at);

-- Documents: metadata here, the file under <data-dir>/files named by the generated id.
CREATE TABLE documents (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id        uuid NOT NULL REFERENCES cases (id),
    kind           text NOT NULL CHECK (kind IN ('ktp', 'kk', 'sktm', 'rujukan', 'lainnya')),
    content_type   text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size_bytes     integer NOT NULL CHECK (size_bytes > 0),
    sha256         bytea NOT NULL,
    original_name  text,
    uploaded_by    uuid NOT NULL REFERENCES users (id),
    uploaded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_case_idx ON documents (case_id, uploaded_at);

-- Every read of a case's personal data and every file download (UU 27/2022).
CREATE TABLE case_access_log (
    id        bigserial PRIMARY KEY,
    case_id   uuid NOT NULL REFERENCES cases (id),
    user_id   uuid NOT NULL REFERENCES users (id),
    at        timestamptz NOT NULL DEFAULT now(),
    what      text NOT NULL,
    via       text NOT NULL CHECK (via IN ('web', 'api'))
);
CREATE INDEX case_access_log_case_idx ON case_access_log (case_id, at);
