-- The reference data every list and case page reads (kab/kota, hospitals, holidays, the desks'
-- SLA days) changes a few times a year, from the admin pages. The service keeps it in memory
-- per epoch (`cases::reference`): a view reads this one row instead of the four tables, and
-- reads them again only when the epoch has moved. Any change to them moves it, in the changing
-- transaction, by whatever path (admin page, migration, psql).
CREATE TABLE reference_epoch (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    n         bigint NOT NULL DEFAULT 0
);
INSERT INTO reference_epoch DEFAULT VALUES;

CREATE FUNCTION reference_epoch_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reference_epoch SET n = n + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER kab_kota_reference_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kab_kota
    FOR EACH STATEMENT EXECUTE FUNCTION reference_epoch_move();
CREATE TRIGGER hospitals_reference_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hospitals
    FOR EACH STATEMENT EXECUTE FUNCTION reference_epoch_move();
CREATE TRIGGER holidays_reference_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON holidays
    FOR EACH STATEMENT EXECUTE FUNCTION reference_epoch_move();
CREATE TRIGGER sla_settings_reference_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON sla_settings FOR EACH STATEMENT EXECUTE FUNCTION reference_epoch_move();
