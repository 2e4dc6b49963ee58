-- The dashboard's counts of the rolled days are kept in memory per watermark and epoch
-- (`cases::desk_figures`). A case whose domicile or hospital changes moves its rolled events
-- (`case_flow_rescope`), so the same trigger now moves the epoch too, whoever makes the change.
CREATE OR REPLACE FUNCTION case_flow_rescope() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rolled date;
BEGIN
    UPDATE figures_epoch SET n = n + 1;
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
