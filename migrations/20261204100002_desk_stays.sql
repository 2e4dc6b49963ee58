-- Desk stays: one row per spell a case spends at a desk (a non-terminal state), written in the
-- same transaction as the transition that opens or closes it. The time at a desk, the
-- bottleneck figures and the dashboards read these rows instead of replaying the history.
-- Working days are not stored: they are computed where the figure is read, from the holiday
-- table, so a holiday added later counts everywhere at once.
CREATE TABLE desk_stays (
    id                      bigserial PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases (id),
    state                   case_state NOT NULL
        CHECK (state NOT IN ('handed_over', 'rejected', 'withdrawn')),
    -- The scope a filter needs, as it was when the case arrived at the desk.
    domicile_kab_kota_code  text NOT NULL REFERENCES kab_kota (code),
    hospital_id             uuid NOT NULL REFERENCES hospitals (id),
    entered_at              timestamptz NOT NULL,
    -- NULL while the case is still at the desk.
    left_at                 timestamptz CHECK (left_at >= entered_at),
    -- The desk's service level as a date, fixed when the case arrived (NULL for desks without one,
    -- and for stays rebuilt from the history below).
    sla_due_date            date
);
-- At most one open stay per case; also the index of "cases at a desk now".
CREATE UNIQUE INDEX desk_stays_open_idx ON desk_stays (case_id) WHERE left_at IS NULL;
CREATE INDEX desk_stays_open_state_idx ON desk_stays (state, domicile_kab_kota_code)
    WHERE left_at IS NULL;
-- A case's stays in order (timeline).
CREATE INDEX desk_stays_case_idx ON desk_stays (case_id, entered_at);
-- Stays of a period: those that ended in it, those that began in it.
CREATE INDEX desk_stays_left_idx ON desk_stays (left_at) WHERE left_at IS NOT NULL;
CREATE INDEX desk_stays_entered_idx ON desk_stays (entered_at);

-- Backfill from the history: each row's `at` is when the case entered `to_state`; a row that
-- leaves the state unchanged does not start a new stay. A stay ends when the next one starts
-- (or the case closes); the last stay of an open case is open and takes the case's due date.
INSERT INTO desk_stays
    (case_id, state, domicile_kab_kota_code, hospital_id, entered_at, left_at, sla_due_date)
SELECT s.case_id, s.to_state, c.domicile_kab_kota_code, c.hospital_id, s.at, s.left_at,
       CASE WHEN s.left_at IS NULL THEN c.sla_due_date END
FROM (
    SELECT m.*, lead(m.at) OVER (PARTITION BY m.case_id ORDER BY m.id) AS left_at
    FROM (
        SELECT h.id, h.case_id, h.to_state, h.at,
               lag(h.to_state) OVER (PARTITION BY h.case_id ORDER BY h.id) AS previous
        FROM case_history h
    ) m
    WHERE m.previous IS DISTINCT FROM m.to_state
) s
JOIN cases c ON c.id = s.case_id
WHERE s.to_state NOT IN ('handed_over', 'rejected', 'withdrawn');
