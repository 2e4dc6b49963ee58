-- One index per desk whose queue spans several states, in the queue's order (SLA due date, no
-- due date last, then id). With `state IN (a, b)` and the per-state index of
-- 20261209070000_list_indexes.sql, PostgreSQL reads every open case of both states and sorts
-- them before the LIMIT: at a million cases the BPJS queue (pbi_proposed + pbpu_proposed, some
-- 20,000 cases) took 2.3 s a view. An index whose condition is the desk's states is read in
-- order and stops after the page. The conditions are the states the list query writes for the
-- desk (src/cases/service.rs `queue_filter`, `CaseState::desk`), so the planner proves them.

-- Dinsos prov: desil check, and guaranteed cases awaiting the scheme proposal.
CREATE INDEX cases_desk_dinsos_prov_idx
    ON cases ((coalesce(sla_due_date, '9999-12-31'::date)), id)
    WHERE state IN ('desil_check', 'guaranteed');
-- Dinkes prov: guarantee review and PBPU Pemda review.
CREATE INDEX cases_desk_dinkes_prov_idx
    ON cases ((coalesce(sla_due_date, '9999-12-31'::date)), id)
    WHERE state IN ('guarantee_review', 'pbpu_review');
-- BPJS: PBI proposed and PBPU Pemda proposed.
CREATE INDEX cases_desk_bpjs_idx
    ON cases ((coalesce(sla_due_date, '9999-12-31'::date)), id)
    WHERE state IN ('pbi_proposed', 'pbpu_proposed');
-- The hospital (RSUD): drafts, SKTM asked for, returned; per hospital.
CREATE INDEX cases_desk_rsud_idx
    ON cases (hospital_id, (coalesce(sla_due_date, '9999-12-31'::date)), id)
    WHERE state IN ('draft', 'sktm_required', 'returned');
-- Dukcapil kab/kota: referred NIK and identity recording; per kab/kota.
CREATE INDEX cases_desk_dukcapil_kab_idx
    ON cases (domicile_kab_kota_code, (coalesce(sla_due_date, '9999-12-31'::date)), id)
    WHERE state IN ('nik_referral', 'identity_recording');
