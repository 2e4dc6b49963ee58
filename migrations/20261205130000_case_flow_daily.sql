-- The dashboard's figures without a scan of every case on every view.
--
-- Open cases (a few percent of all) are counted live through a partial index on open states.
-- Everything else the dashboard shows (cases per closed state, outcomes, beneficiaries, the
-- weekly inflow and outflow) is a count of two kinds of event a case has once each: its
-- registration (`created_at`) and its closing (`closed_at`, with the outcome). Both are stamped
-- with the application's clock when written and never change afterwards, so a WITA day that
-- is over never changes either: such days are counted once into `case_flow_daily`
-- (incrementally, up to the watermark `case_flow_watermark.rolled_until`), and the days from
-- the watermark on are counted live from the indexed timestamps. The view `case_flow` is the
-- union of both, read in one statement (one snapshot), so a roll-up committing meanwhile is
-- counted once, never twice or not at all.
--
-- The one thing that can change after a day is rolled is where an open case belongs: the
-- hospital's desk may correct the patient's domicile. A trigger moves the case's rolled events
-- to its new kab/kota in the same transaction (see `case_flow_rescope` below).

-- Indexes of the live part (today and the days not yet rolled) and of the roll-up itself.
CREATE INDEX cases_created_at_idx ON cases (created_at);
CREATE INDEX cases_closed_at_idx ON cases (closed_at) WHERE closed_at IS NOT NULL;
-- Open cases per state within a scope, as an index-only scan of the open cases alone.
CREATE INDEX cases_open_state_idx ON cases (state, hospital_id, domicile_kab_kota_code)
    WHERE state NOT IN ('handed_over', 'rejected', 'withdrawn');

-- A case's registration and closing, with what the dashboard groups them by. `detail` is the
-- scheme of a handover and the reason of a withdrawal ('-' when unknown), '' otherwise.
CREATE VIEW case_flow_events AS
SELECT c.id AS case_id, c.created_at AS at, c.domicile_kab_kota_code AS kab_kota_code,
       c.hospital_id, 'registered'::text AS event, ''::text AS detail
FROM cases c
UNION ALL
SELECT c.id, c.closed_at, c.domicile_kab_kota_code, c.hospital_id, c.state::text,
       CASE c.state
           WHEN 'handed_over' THEN coalesce(c.scheme, '-')
           WHEN 'withdrawn' THEN coalesce(
               (SELECT h.evidence->>'reason_code' FROM case_history h
                 WHERE h.case_id = c.id AND h.action = 'withdraw'
                 ORDER BY h.id DESC LIMIT 1), '-')
           ELSE ''
       END
FROM cases c
WHERE c.closed_at IS NOT NULL;

-- Events per WITA day × kab/kota × hospital × event × detail, for the days before the watermark.
CREATE TABLE case_flow_daily (
    day            date NOT NULL,
    kab_kota_code  text NOT NULL REFERENCES kab_kota (code),
    hospital_id    uuid NOT NULL REFERENCES hospitals (id),
    event          text NOT NULL
        CHECK (event IN ('registered', 'handed_over', 'rejected', 'withdrawn')),
    detail         text NOT NULL,
    n              bigint NOT NULL,
    PRIMARY KEY (day, kab_kota_code, hospital_id, event, detail)
);

-- One row: the days before `rolled_until` are in `case_flow_daily` (NULL: none yet). Locked
-- FOR UPDATE by the roll-up and FOR SHARE by the trigger below, so they never cross.
CREATE TABLE case_flow_watermark (
    only_row      boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    rolled_until  date
);
INSERT INTO case_flow_watermark DEFAULT VALUES;

-- The watermark as the reading statement sees it. STABLE functions rather than subqueries: the
-- planner evaluates them while estimating, so it knows the live part is a few rows and reads
-- it through the timestamp indexes (a subquery's value would be a blind guess of a third of
-- the table, and a sequential scan at a million cases).
CREATE FUNCTION case_flow_rolled_until() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT w.rolled_until FROM case_flow_watermark w
$$;
CREATE FUNCTION case_flow_live_since() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT coalesce(w.rolled_until::timestamp AT TIME ZONE 'Asia/Makassar', '-infinity')
    FROM case_flow_watermark w
$$;

-- Every event: rolled days from the table, the rest live. One statement reads a consistent
-- watermark (a STABLE function sees the statement's snapshot) and the rows it covers.
CREATE VIEW case_flow AS
SELECT d.day, d.kab_kota_code, d.hospital_id, d.event, d.detail, d.n
FROM case_flow_daily d
WHERE d.day < case_flow_rolled_until()
UNION ALL
SELECT (e.at AT TIME ZONE 'Asia/Makassar')::date, e.kab_kota_code, e.hospital_id, e.event,
       e.detail, 1::bigint
FROM case_flow_events e
WHERE e.at >= case_flow_live_since();

-- A case whose domicile (or hospital) changes takes its already rolled events along: minus one
-- in the old group, plus one in the new, in the transaction of the change. Events of days not
-- yet rolled need nothing: they are counted live from the case as it is.
CREATE FUNCTION case_flow_rescope() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rolled date;
BEGIN
    SELECT w.rolled_until INTO rolled FROM case_flow_watermark w FOR SHARE;
    IF rolled IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO case_flow_daily AS d (day, kab_kota_code, hospital_id, event, detail, n)
    SELECT (e.at AT TIME ZONE 'Asia/Makassar')::date, m.kab_kota_code, m.hospital_id,
           e.event, e.detail, m.n
    FROM case_flow_events e
    CROSS JOIN (VALUES (OLD.domicile_kab_kota_code, OLD.hospital_id, -1::bigint),
                       (NEW.domicile_kab_kota_code, NEW.hospital_id, 1::bigint))
        AS m (kab_kota_code, hospital_id, n)
    WHERE e.case_id = NEW.id
      AND e.at < rolled::timestamp AT TIME ZONE 'Asia/Makassar'
    ON CONFLICT (day, kab_kota_code, hospital_id, event, detail)
        DO UPDATE SET n = d.n + excluded.n;
    RETURN NULL;
END;
$$;

CREATE TRIGGER cases_flow_rescope
    AFTER UPDATE OF domicile_kab_kota_code, hospital_id ON cases
    FOR EACH ROW
    WHEN (OLD.domicile_kab_kota_code IS DISTINCT FROM NEW.domicile_kab_kota_code
          OR OLD.hospital_id IS DISTINCT FROM NEW.hospital_id)
    EXECUTE FUNCTION case_flow_rescope();
