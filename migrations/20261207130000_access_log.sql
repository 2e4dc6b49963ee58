-- The access log (UU 27/2022): every read of a case's personal data, every edit page, document
-- download, list view, search, export and NIK/KK reveal, with the reader's role and address.
-- Append only: the service inserts, never updates or deletes.
ALTER TABLE case_access_log ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE case_access_log
    ADD COLUMN role      user_role,
    ADD COLUMN client_ip inet,
    ADD COLUMN kind      text NOT NULL DEFAULT 'read'
        CHECK (kind IN ('read', 'edit', 'download', 'list', 'search', 'export', 'reveal', 'refused')),
    -- Why a full NIK/KK was revealed (break the glass); typed by the user.
    ADD COLUMN reason    text CHECK (reason IS NULL OR char_length(reason) <= 500),
    -- The cases a list, search or export showed (no personal data, only ids).
    ADD COLUMN case_ids  uuid[] NOT NULL DEFAULT '{}',
    -- What a list, search or export was asked for, without personal data (a searched text only
    -- by its kind and length).
    ADD COLUMN summary   text CHECK (summary IS NULL OR char_length(summary) <= 500);

UPDATE case_access_log l
SET role = u.role,
    kind = CASE WHEN l.what IN ('document', 'claim_document') THEN 'download' ELSE 'read' END
FROM users u
WHERE u.id = l.user_id;
ALTER TABLE case_access_log ALTER COLUMN role SET NOT NULL;
ALTER TABLE case_access_log ALTER COLUMN kind DROP DEFAULT;
-- A row names its case, or is a list, search, export or a refused id.
ALTER TABLE case_access_log ADD CONSTRAINT case_access_log_case_fits_kind
    CHECK (case_id IS NOT NULL OR kind IN ('list', 'search', 'export', 'refused'));
ALTER TABLE case_access_log ADD CONSTRAINT case_access_log_reveal_has_reason
    CHECK (kind <> 'reveal' OR reason IS NOT NULL);

CREATE INDEX case_access_log_at_idx ON case_access_log (at);
CREATE INDEX case_access_log_user_idx ON case_access_log (user_id, at);
CREATE INDEX case_access_log_case_ids_idx ON case_access_log USING gin (case_ids);

-- No full NIK or KK number at rest in the history: any run of exactly 16 digits in a step's
-- evidence or reason is masked as the pages mask it (first 4, 8 asterisks, last 4). From now
-- on the service masks them before writing (db::cases::insert_history).
UPDATE case_history
SET evidence = regexp_replace(evidence::text, '(?<![0-9])([0-9]{4})[0-9]{8}([0-9]{4})(?![0-9])',
                              '\1********\2', 'g')::jsonb
WHERE evidence::text ~ '(?<![0-9])[0-9]{16}(?![0-9])';
UPDATE case_history
SET reason = regexp_replace(reason, '(?<![0-9])([0-9]{4})[0-9]{8}([0-9]{4})(?![0-9])',
                            '\1********\2', 'g')
WHERE reason ~ '(?<![0-9])[0-9]{16}(?![0-9])';
