-- Indexes for the lists at provincial scale (a million cases, a few percent open): every queue,
-- the monitoring and hospital lists, and the search box are answered from an index, never by
-- reading the whole table. The list query (src/db/cases.rs `list_query`) writes the states as
-- constants so that the planner can prove the partial indexes' conditions (docs/performance.md
-- "Indexes of the lists").

-- Trigram search of names (`lower(full_name) LIKE '%…%'`). pg_trgm is a trusted extension: the
-- database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Queues, in their order (SLA due date, no due date last, then id), over the open cases only.
-- Provincial desks: by state.
CREATE INDEX cases_queue_open_idx ON cases (state, (coalesce(sla_due_date, '9999-12-31'::date)), id)
    WHERE state NOT IN ('handed_over', 'rejected', 'withdrawn');
-- The hospital's desk (RSUD).
CREATE INDEX cases_queue_hospital_idx
    ON cases (hospital_id, state, (coalesce(sla_due_date, '9999-12-31'::date)), id)
    WHERE state NOT IN ('handed_over', 'rejected', 'withdrawn');
-- The kab/kota desks (Dukcapil kab/kota).
CREATE INDEX cases_queue_kab_kota_idx
    ON cases (domicile_kab_kota_code, state, (coalesce(sla_due_date, '9999-12-31'::date)), id)
    WHERE state NOT IN ('handed_over', 'rejected', 'withdrawn');
-- Dinsos kab/kota: the desil corrections waiting (a parallel task, whatever the state).
CREATE INDEX cases_correction_pending_idx
    ON cases (domicile_kab_kota_code, (coalesce(sla_due_date, '9999-12-31'::date)), id)
    WHERE desil_correction_pending;
-- Replaced by cases_queue_open_idx (it ordered by the due date without the no-due-date rule).
DROP INDEX IF EXISTS cases_queue_idx;

-- Monitoring and hospital lists, newest first (a backward scan), with their keyset cursor.
CREATE INDEX cases_created_id_idx ON cases (created_at, id);
CREATE INDEX cases_hospital_created_idx ON cases (hospital_id, created_at, id);
CREATE INDEX cases_kab_kota_created_idx ON cases (domicile_kab_kota_code, created_at, id);
-- Covered by cases_created_id_idx.
DROP INDEX IF EXISTS cases_created_at_idx;

-- Search box: a whole NIK (closed cases too: cases_open_nik_key holds the open ones only), the
-- end of a NIK (a prefix of the reversed NIK), the running part of a case number, part of a name.
-- Not partial: the planner estimates a search from the statistics of an expression index, and
-- keeps none of a partial one (without them it guesses 500 rows and may walk a whole list
-- index in order instead).
CREATE INDEX cases_nik_idx ON cases (nik);
CREATE INDEX cases_nik_reversed_idx ON cases (reverse(nik) text_pattern_ops);
CREATE INDEX cases_number_sequence_idx ON cases (split_part(number, '-', 3));
CREATE INDEX cases_name_trgm_idx ON cases USING gin (lower(full_name) gin_trgm_ops);
