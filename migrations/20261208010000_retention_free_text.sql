-- Retention also removes the free text written about a purged case: the reasons and notes of
-- its history steps (a return, a withdrawal, a note, an over-quota reason), the registry data
-- and references typed as evidence, the reasons of its claims' steps. Staff may have written
-- health or personal details there. Codes, dates, states and amounts stay for the figures.
--
-- `case_history` and `claim_history` are append-only for the service's role (docs/security.md,
-- "Database roles"): it may not UPDATE them. This function, owned by the tables' owner and run
-- with its rights, is the one narrow exception: it only replaces text with a fixed marker, and
-- only for a case whose personal data was already removed (`cases.purged_at`).
CREATE FUNCTION purge_case_free_text(p_case uuid, p_marker text, p_keys text[])
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    changed bigint := 0;
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM cases WHERE id = p_case AND purged_at IS NOT NULL) THEN
        RAISE EXCEPTION 'purge_case_free_text: case % is not purged', p_case;
    END IF;
    UPDATE case_history h SET
        reason = CASE WHEN h.reason IS NULL THEN NULL ELSE p_marker END,
        evidence = CASE WHEN jsonb_typeof(h.evidence) = 'object' THEN
            coalesce((SELECT jsonb_object_agg(e.key,
                                CASE WHEN e.key = ANY (p_keys) AND jsonb_typeof(e.value) = 'string'
                                     THEN to_jsonb(p_marker) ELSE e.value END)
                      FROM jsonb_each(h.evidence) e), '{}'::jsonb)
            ELSE h.evidence END
    WHERE h.case_id = p_case
      AND (h.reason IS NOT NULL OR h.evidence ?| p_keys);
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;
    UPDATE claim_history h SET reason = p_marker
    FROM claims c
    WHERE c.id = h.claim_id AND c.case_id = p_case AND h.reason IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;
    RETURN changed;
END
$$;
REVOKE ALL ON FUNCTION purge_case_free_text(uuid, text, text[]) FROM PUBLIC;
