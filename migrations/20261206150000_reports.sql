-- Reports (laporan) of the program, Pergub NTT 55/2025 BAB III C and B.3.3: the monthly recap of
-- one hospital ('bulanan') and the quarterly provincial report ('triwulan'). A report is a draft
-- while its narrative (problems found, follow-up, recommendations) is written; its figures are
-- computed where read. Finalising stores the figures as JSON, names who finalised it and when,
-- and freezes the row: a later change to a case never changes a signed report. A correction is
-- a new version (a new row, with the reason it was opened); the earlier final stays readable.

CREATE TABLE reports (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind             text NOT NULL CHECK (kind IN ('bulanan', 'triwulan')),
    -- The hospital of a monthly recap; none for the provincial report.
    hospital_id      uuid REFERENCES hospitals (id),
    period_start     date NOT NULL,
    period_end       date NOT NULL,
    version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'final')),
    -- Bumped by every save of the draft's narrative; a save names the revision it was made on,
    -- so two people editing at once cannot overwrite each other unseen.
    revision         integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    problems         text NOT NULL DEFAULT '' CHECK (length(problems) <= 20000),
    follow_up        text NOT NULL DEFAULT '' CHECK (length(follow_up) <= 20000),
    recommendations  text NOT NULL DEFAULT '' CHECK (length(recommendations) <= 20000),
    -- Why a version after the first was opened.
    reopen_reason    text CHECK (length(reopen_reason) BETWEEN 1 AND 2000),
    -- The figures as they were when the report was finalised.
    figures          jsonb,
    created_by       uuid NOT NULL REFERENCES users (id),
    created_at       timestamptz NOT NULL,
    updated_by       uuid NOT NULL REFERENCES users (id),
    updated_at       timestamptz NOT NULL,
    finalised_by     uuid REFERENCES users (id),
    finalised_at     timestamptz,

    CONSTRAINT reports_scope_fits_kind CHECK ((kind = 'bulanan') = (hospital_id IS NOT NULL)),
    -- A calendar month, or a calendar quarter (January, April, July, October).
    CONSTRAINT reports_period_is_calendar CHECK (
        extract(day FROM period_start) = 1
        AND (kind = 'bulanan' OR extract(month FROM period_start) IN (1, 4, 7, 10))
        AND period_end = (period_start
            + CASE kind WHEN 'bulanan' THEN interval '1 month' ELSE interval '3 months' END
            - interval '1 day')::date
    ),
    CONSTRAINT reports_final_complete CHECK (
        (status = 'final') = (figures IS NOT NULL AND finalised_by IS NOT NULL
                              AND finalised_at IS NOT NULL)
    ),
    CONSTRAINT reports_reopen_has_reason CHECK ((version = 1) = (reopen_reason IS NULL)),
    CONSTRAINT reports_version_key UNIQUE NULLS NOT DISTINCT (kind, hospital_id, period_start, version)
);

-- At most one draft of a report (kind, hospital, period) at a time.
CREATE UNIQUE INDEX reports_one_draft_key ON reports (kind, hospital_id, period_start)
    NULLS NOT DISTINCT WHERE status = 'draft';
CREATE INDEX reports_period_idx ON reports (period_start DESC, kind, hospital_id, version DESC);

-- A final report is never changed again, by the service or by hand: corrections are versions.
CREATE FUNCTION reports_final_is_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'final' THEN
        RAISE EXCEPTION 'report % version % is final and cannot be changed', OLD.id, OLD.version
            USING ERRCODE = 'check_violation', CONSTRAINT = 'reports_final_frozen';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER reports_final_frozen BEFORE UPDATE OR DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION reports_final_is_frozen();
