-- The guarantee letter (Surat Jaminan Sementara): its number from a yearly sequence generated at
-- approval, the moment of approval it is dated with, and the token of its public verification
-- page (the QR code on the letter). The number itself stays in cases.guarantee_letter_number,
-- where every page, list and export already reads it.

-- One row per year: the last sequence number issued. Approval takes the next one with
-- INSERT … ON CONFLICT DO UPDATE … RETURNING, which locks the year's row until the approving
-- transaction ends, so two approvals at once never get the same number, and a rolled-back
-- approval gives its number back.
CREATE TABLE guarantee_letter_counters (
    year         integer PRIMARY KEY CHECK (year BETWEEN 1900 AND 2100),
    last_number  integer NOT NULL CHECK (last_number >= 1)
);

CREATE TABLE guarantee_letters (
    case_id      uuid PRIMARY KEY REFERENCES cases (id),
    -- The sequence the number was taken from; NULL for a number typed before the sequence
    -- existed (kept as it was).
    year         integer CHECK (year BETWEEN 1900 AND 2100),
    sequence     integer CHECK (sequence >= 1),
    -- When Dinkes approved the guarantee (the application's clock): the letter's date.
    approved_at  timestamptz NOT NULL,
    -- Random, URL-safe, at least 128 bits; never derived from the case or the letter number.
    token        text NOT NULL CHECK (token ~ '^[A-Za-z0-9_-]{22,64}$'),
    -- SHA-256 of the token: what the verification page looks up. The SHA-256 of whatever was
    -- asked for is compared here, so every request (a NUL byte, 60 KB, an emoji) takes the same
    -- path to an answer.
    token_hash   bytea NOT NULL CHECK (length(token_hash) = 32),
    CONSTRAINT guarantee_letters_sequence_pair CHECK ((year IS NULL) = (sequence IS NULL)),
    CONSTRAINT guarantee_letters_sequence_key UNIQUE (year, sequence)
);
CREATE UNIQUE INDEX guarantee_letters_token_hash_key ON guarantee_letters (token_hash);

-- Letters approved before this migration keep their typed numbers; their date is the approval
-- in the history, and each gets a fresh random token (two v4 UUIDs: 244 random bits, from the
-- server's strong random source).
INSERT INTO guarantee_letters (case_id, approved_at, token, token_hash)
SELECT id, approved_at, token, sha256(convert_to(token, 'UTF8'))
  FROM (SELECT c.id,
               coalesce((SELECT max(h.at) FROM case_history h
                          WHERE h.case_id = c.id AND h.action = 'approve_guarantee'),
                        c.updated_at) AS approved_at,
               translate(encode(decode(replace(gen_random_uuid()::text
                                               || gen_random_uuid()::text, '-', ''), 'hex'),
                                'base64'),
                         '+/=', '-_') AS token
          FROM cases c
         WHERE c.guarantee_letter_number IS NOT NULL) legacy;

-- A typed number that happens to look like a generated one must not be issued again: each
-- year's counter starts after the highest such number.
INSERT INTO guarantee_letter_counters (year, last_number)
SELECT m[2]::integer, max(m[1]::integer)
  FROM (SELECT regexp_match(guarantee_letter_number,
                            '^0*([0-9]{1,9})/SJS-MS/[IVX]{1,4}/([0-9]{4})$') AS m
          FROM cases) typed
 WHERE m IS NOT NULL AND m[2]::integer BETWEEN 1900 AND 2100 AND m[1]::integer >= 1
 GROUP BY m[2]::integer;

-- The covered period is never reversed: the guarantee ends (the day before national coverage
-- starts) on or after the day it started. Checked for every new write; validated for the rows
-- already there when none breaks it (a row from before the rule was enforced stays readable).
ALTER TABLE cases ADD CONSTRAINT cases_guarantee_period
    CHECK (guarantee_end IS NULL OR guarantee_start IS NULL OR guarantee_end >= guarantee_start)
    NOT VALID;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM cases WHERE guarantee_end < guarantee_start) THEN
        ALTER TABLE cases VALIDATE CONSTRAINT cases_guarantee_period;
    END IF;
END
$$;
