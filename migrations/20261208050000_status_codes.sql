-- Family status codes (issue 12, "a status page without personal data"): the hospital gives the
-- family a short random code on a printed slip; anyone holding it sees, on the public page
-- `/status`, only where the case is now, since when and what comes next.
--
-- Only the SHA-256 of the code (normalised: upper case, no separators) is stored. The code
-- carries 60 random bits, so a reader of this table cannot find a code from its hash, nor look
-- a case up by anything but the code itself; nothing here derives from the NIK.
CREATE TABLE case_status_codes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id     uuid NOT NULL REFERENCES cases (id),
    code_hash   bytea NOT NULL CHECK (length(code_hash) = 32),
    issued_at   timestamptz NOT NULL,
    issued_by   uuid NOT NULL REFERENCES users (id),
    -- Revoked by the hospital's PIC, or replaced by a newer code (which revokes it).
    revoked_at  timestamptz,
    revoked_by  uuid REFERENCES users (id),
    CONSTRAINT case_status_codes_revoked_pair CHECK ((revoked_at IS NULL) = (revoked_by IS NULL)),
    CONSTRAINT case_status_codes_revoked_after CHECK (revoked_at IS NULL OR revoked_at >= issued_at)
);
CREATE UNIQUE INDEX case_status_codes_hash_key ON case_status_codes (code_hash);
-- At most one code in force per case.
CREATE UNIQUE INDEX case_status_codes_active_key ON case_status_codes (case_id)
    WHERE revoked_at IS NULL;

-- Lookups on the public page, counted per day (WITA) and outcome. Nothing else is kept: no
-- code, no client address, no case.
CREATE TABLE status_lookup_counts (
    day      date NOT NULL,
    outcome  text NOT NULL CHECK (outcome IN ('found', 'unknown', 'revoked', 'throttled')),
    count    bigint NOT NULL CHECK (count >= 0),
    PRIMARY KEY (day, outcome)
);
