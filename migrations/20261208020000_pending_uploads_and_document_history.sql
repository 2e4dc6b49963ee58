-- Intake and documents (issue 12): the photos of a refused intake kept for its next submit,
-- and a document replaced or removed at the hospital kept in the case's document history.

-- The files of an intake form refused for a field error, kept (checked and re-encoded like
-- any upload, the file under <data-dir>/files named by `id`) until the same user submits the
-- same form again (its `intake_key`), which turns them into the new case's documents. One per
-- kind of the form's file inputs (KTP, KK, other); stale ones are purged by the daily
-- retention sweep.
CREATE TABLE pending_uploads (
    id             uuid PRIMARY KEY,
    intake_key     uuid NOT NULL,
    user_id        uuid NOT NULL REFERENCES users (id),
    hospital_id    uuid NOT NULL REFERENCES hospitals (id),
    kind           text NOT NULL CHECK (kind IN ('ktp', 'kk', 'lainnya')),
    content_type   text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size_bytes     integer NOT NULL CHECK (size_bytes > 0),
    sha256         bytea NOT NULL,
    original_name  text CHECK (char_length(original_name) <= 120),
    created_at     timestamptz NOT NULL,
    UNIQUE (intake_key, kind)
);
CREATE INDEX pending_uploads_created_idx ON pending_uploads (created_at);

-- A document replaced or removed while the case is at the hospital: the row and its file
-- stay (history), marked with who and when; `replaced_by` names the document that took its
-- place (NULL for a removal).
ALTER TABLE documents
    ADD COLUMN superseded_at timestamptz,
    ADD COLUMN superseded_by uuid REFERENCES users (id),
    ADD COLUMN replaced_by   uuid REFERENCES documents (id),
    ADD CONSTRAINT documents_superseded_whole
        CHECK ((superseded_at IS NULL) = (superseded_by IS NULL)
               AND (replaced_by IS NULL OR superseded_at IS NOT NULL)
               AND replaced_by IS DISTINCT FROM id);
