-- Foundation: reference data (kab/kota, hospitals, agencies), users with role-bound scope,
-- personal API tokens and an audit trail of administrative acts.

CREATE TYPE user_role AS ENUM (
    'rsud', 'dukcapil_prov', 'dukcapil_kab', 'dinsos_prov', 'dinsos_kab',
    'dinkes_prov', 'dinkes_kab', 'bpjs', 'tim', 'admin'
);

-- The 22 kabupaten/kota of NTT, keyed by their Kemendagri code ("53.71").
CREATE TABLE kab_kota (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{2}\.[0-9]{2}$'),
    name        text NOT NULL CHECK (length(trim(name)) > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hospitals (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code           text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,31}$'),
    name           text NOT NULL CHECK (length(trim(name)) > 0),
    kab_kota_code  text NOT NULL REFERENCES kab_kota (code),
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Disdukcapil, Dinsos and Dinkes at provincial level and per kab/kota.
CREATE TABLE agencies (
    code           text PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('dukcapil', 'dinsos', 'dinkes')),
    name           text NOT NULL,
    kab_kota_code  text REFERENCES kab_kota (code),
    UNIQUE (kind, kab_kota_code)
);

CREATE TABLE users (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username              text NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9_.-]{2,63}$'),
    display_name          text NOT NULL CHECK (length(trim(display_name)) > 0),
    role                  user_role NOT NULL,
    hospital_id           uuid REFERENCES hospitals (id),
    kab_kota_code         text REFERENCES kab_kota (code),
    password_hash         text NOT NULL,
    must_change_password  boolean NOT NULL DEFAULT true,
    active                boolean NOT NULL DEFAULT true,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    last_login_at         timestamptz,
    -- A role carries exactly the scope it needs: a hospital for rsud, a kab/kota for *_kab,
    -- nothing for provincial roles and the administrator.
    CONSTRAINT users_scope_fits_role CHECK (
        CASE
            WHEN role = 'rsud' THEN hospital_id IS NOT NULL AND kab_kota_code IS NULL
            WHEN role IN ('dukcapil_kab', 'dinsos_kab', 'dinkes_kab')
                THEN kab_kota_code IS NOT NULL AND hospital_id IS NULL
            ELSE hospital_id IS NULL AND kab_kota_code IS NULL
        END
    )
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- Personal API tokens: only a SHA-256 of the token is kept.
CREATE TABLE api_tokens (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id),
    name          text NOT NULL CHECK (length(trim(name)) > 0),
    token_hash    bytea NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Administrative and security events (user created, password reset, sign-in, …).
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor_id   uuid REFERENCES users (id),
    event      text NOT NULL,
    target     text,
    detail     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

INSERT INTO kab_kota (code, name) VALUES
    ('53.01', 'Sumba Barat'), ('53.02', 'Sumba Timur'), ('53.03', 'Kupang'),
    ('53.04', 'Timor Tengah Selatan'), ('53.05', 'Timor Tengah Utara'), ('53.06', 'Belu'),
    ('53.07', 'Alor'), ('53.08', 'Lembata'), ('53.09', 'Flores Timur'), ('53.10', 'Sikka'),
    ('53.11', 'Ende'), ('53.12', 'Ngada'), ('53.13', 'Manggarai'), ('53.14', 'Rote Ndao'),
    ('53.15', 'Manggarai Barat'), ('53.16', 'Sumba Tengah'), ('53.17', 'Sumba Barat Daya'),
    ('53.18', 'Nagekeo'), ('53.19', 'Manggarai Timur'), ('53.20', 'Sabu Raijua'),
    ('53.21', 'Malaka'), ('53.71', 'Kota Kupang');

INSERT INTO hospitals (code, name, kab_kota_code) VALUES
    ('RSUD-WZJ', 'RSUD Prof. Dr. W.Z. Johannes Kupang', '53.71'),
    ('RSUD-SKL', 'RSUD S.K. Lerik Kota Kupang', '53.71'),
    ('RSUD-TCH', 'RSUD dr. T.C. Hillers Maumere', '53.10'),
    ('RSUD-URM', 'RSUD Umbu Rara Meha Waingapu', '53.02'),
    ('RSUD-BMR', 'RSUD dr. Ben Mboi Ruteng', '53.13'),
    ('RSUD-GMA', 'RSUD Mgr. Gabriel Manek, SVD Atambua', '53.06');

INSERT INTO agencies (code, kind, name, kab_kota_code)
SELECT k.kind || '-53', k.kind, k.label || ' Provinsi Nusa Tenggara Timur', NULL
FROM (VALUES ('dukcapil', 'Dinas Kependudukan dan Pencatatan Sipil'),
             ('dinsos', 'Dinas Sosial'),
             ('dinkes', 'Dinas Kesehatan')) AS k (kind, label);

INSERT INTO agencies (code, kind, name, kab_kota_code)
SELECT k.kind || '-' || kk.code, k.kind, k.label || ' ' || kk.name, kk.code
FROM (VALUES ('dukcapil', 'Disdukcapil'), ('dinsos', 'Dinas Sosial'), ('dinkes', 'Dinas Kesehatan'))
         AS k (kind, label)
CROSS JOIN kab_kota kk;
