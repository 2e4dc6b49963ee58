-- In-app notifications: one row per user per event, written in the transaction of the case
-- transition that caused it. Only the case id is kept: the list page shows the case number
-- and the desk, never the patient's name or NIK.
CREATE TABLE notifications (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id),
    case_id     uuid NOT NULL REFERENCES cases (id),
    kind        text NOT NULL CHECK (kind IN ('arrived', 'returned')),
    -- The state the case entered, so the list says which desk it arrived at.
    state       case_state NOT NULL,
    created_at  timestamptz NOT NULL,
    read_at     timestamptz
);
-- The header's unread count and the list, newest first.
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC);
