-- Time at the desks without reading every stay of the period on every view.
--
-- The dashboard's time per desk, the bottleneck page and the reports measure every desk stay of
-- their period: at a million cases some 500,000 stays for 90 days, read with their case number
-- and names and measured one by one on every view (2.5–6 s a view). A stay that has ended never
-- changes again (only an open stay takes a corrected domicile, `stays::rescope_open`), so the
-- ended stays of a WITA day that is over are counted once into `desk_time_daily`, per desk ×
-- kab/kota × hospital × the WITA day the stay began. That is all a figure needs: the working
-- days of a stay are a function of the day it began and the day it ended, computed by the
-- reader from the holiday table (`domain::sla`), so a holiday entered later still counts at
-- once. The roll-up shares the watermark of `case_flow_daily` and is written by the same
-- transaction (`db::figures::refresh`); the view `desk_time_flow` adds the stays that ended
-- since the watermark, live, in one statement, so no stay is counted twice or missed.
CREATE TABLE desk_time_daily (
    -- The WITA day the stay ended.
    day            date NOT NULL,
    state          case_state NOT NULL,
    kab_kota_code  text NOT NULL REFERENCES kab_kota (code),
    hospital_id    uuid NOT NULL REFERENCES hospitals (id),
    -- The WITA day the stay began.
    entered_day    date NOT NULL,
    n              bigint NOT NULL,
    PRIMARY KEY (day, state, kab_kota_code, hospital_id, entered_day)
);
-- The scoped readers (a hospital's, a kab/kota's) read their own rows only.
CREATE INDEX desk_time_daily_hospital_idx ON desk_time_daily (hospital_id, day);
CREATE INDEX desk_time_daily_kab_kota_idx ON desk_time_daily (kab_kota_code, day);

-- Every ended stay, by the day it ended: rolled days from the table, the rest live.
CREATE VIEW desk_time_flow AS
SELECT d.day, d.state, d.kab_kota_code, d.hospital_id, d.entered_day, d.n
FROM desk_time_daily d
WHERE d.day < case_flow_rolled_until()
UNION ALL
SELECT (s.left_at AT TIME ZONE 'Asia/Makassar')::date, s.state, s.domicile_kab_kota_code,
       s.hospital_id, (s.entered_at AT TIME ZONE 'Asia/Makassar')::date, 1::bigint
FROM desk_stays s
WHERE s.left_at >= case_flow_live_since();

-- The days already rolled up for the case flow are rolled for the stays too, so that both
-- share the watermark from here on.
INSERT INTO desk_time_daily (day, state, kab_kota_code, hospital_id, entered_day, n)
SELECT (s.left_at AT TIME ZONE 'Asia/Makassar')::date, s.state, s.domicile_kab_kota_code,
       s.hospital_id, (s.entered_at AT TIME ZONE 'Asia/Makassar')::date, count(*)
FROM desk_stays s, case_flow_watermark w
WHERE w.rolled_until IS NOT NULL
  AND s.left_at < w.rolled_until::timestamp AT TIME ZONE 'Asia/Makassar'
GROUP BY 1, 2, 3, 4, 5;

-- Open stays per desk and scope, read with the day they began and their due date, as an
-- index-only scan of the open stays alone.
CREATE INDEX desk_stays_open_scope_idx
    ON desk_stays (state, domicile_kab_kota_code, hospital_id, entered_at, sla_due_date)
    WHERE left_at IS NULL;

-- The same for the milestones counted from registration (the bottleneck page's lead times, the
-- reports' beneficiaries per service type and kab/kota): a case's first temporary guarantee and
-- its handover to national insurance, each once per case. Both happen after the last point at
-- which the hospital's desk may correct the patient's domicile or service type (draft,
-- returned, SKTM required: all before the guarantee), so a rolled milestone's group is final.
CREATE VIEW case_milestone_events AS
SELECT g.case_id, g.at, 'guaranteed'::text AS milestone, c.domicile_kab_kota_code AS kab_kota_code,
       c.hospital_id, c.service_type, c.created_at AS registered_at
FROM case_history g
JOIN cases c ON c.id = g.case_id
WHERE g.action = 'approve_guarantee'
  AND NOT EXISTS (SELECT 1 FROM case_history e
                  WHERE e.case_id = g.case_id AND e.action = 'approve_guarantee' AND e.id < g.id)
UNION ALL
SELECT c.id, c.closed_at, 'handed_over', c.domicile_kab_kota_code, c.hospital_id,
       c.service_type, c.created_at
FROM cases c
WHERE c.state = 'handed_over' AND c.closed_at IS NOT NULL;

CREATE TABLE case_milestone_daily (
    -- The WITA day of the milestone.
    day             date NOT NULL,
    milestone       text NOT NULL CHECK (milestone IN ('guaranteed', 'handed_over')),
    kab_kota_code   text NOT NULL REFERENCES kab_kota (code),
    hospital_id     uuid NOT NULL REFERENCES hospitals (id),
    service_type    text NOT NULL,
    -- The WITA day the case was registered.
    registered_day  date NOT NULL,
    n               bigint NOT NULL,
    PRIMARY KEY (day, milestone, kab_kota_code, hospital_id, service_type, registered_day)
);
CREATE INDEX case_milestone_daily_hospital_idx ON case_milestone_daily (hospital_id, day);
CREATE INDEX case_milestone_daily_kab_kota_idx ON case_milestone_daily (kab_kota_code, day);

CREATE VIEW case_milestone_flow AS
SELECT d.day, d.milestone, d.kab_kota_code, d.hospital_id, d.service_type, d.registered_day, d.n
FROM case_milestone_daily d
WHERE d.day < case_flow_rolled_until()
UNION ALL
SELECT (e.at AT TIME ZONE 'Asia/Makassar')::date, e.milestone, e.kab_kota_code, e.hospital_id,
       e.service_type, (e.registered_at AT TIME ZONE 'Asia/Makassar')::date, 1::bigint
FROM case_milestone_events e
WHERE e.at >= case_flow_live_since();

INSERT INTO case_milestone_daily
    (day, milestone, kab_kota_code, hospital_id, service_type, registered_day, n)
SELECT (e.at AT TIME ZONE 'Asia/Makassar')::date, e.milestone, e.kab_kota_code, e.hospital_id,
       e.service_type, (e.registered_at AT TIME ZONE 'Asia/Makassar')::date, count(*)
FROM case_milestone_events e, case_flow_watermark w
WHERE w.rolled_until IS NOT NULL
  AND e.at < w.rolled_until::timestamp AT TIME ZONE 'Asia/Makassar'
GROUP BY 1, 2, 3, 4, 5, 6;
