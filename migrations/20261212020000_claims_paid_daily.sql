-- Paid claims counted per day of payment × payer × kab/kota of origin × hospital: what the
-- reports' realised financing (`db::claims::realised`) sums, instead of every paid claim of the
-- period (some 70,000 a quarter at a million cases). Kept by the statement triggers below in the
-- transaction that writes the claims, so it is exact at every snapshot: a claim counts while
-- it is paid, with the day, payer, kab/kota, hospital and amount it has.
CREATE TABLE claims_paid_daily (
    paid_on        date NOT NULL,
    payer          text NOT NULL,
    kab_kota_code  text NOT NULL,
    hospital_id    uuid NOT NULL,
    claims         bigint NOT NULL,
    amount_paid    bigint NOT NULL,
    PRIMARY KEY (paid_on, payer, kab_kota_code, hospital_id)
);

-- Adds counts to the table, in the order of its key (two transactions paying claims of the
-- same groups lock them in the same order).
CREATE FUNCTION claims_paid_daily_add(deltas claims_paid_daily[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO claims_paid_daily AS d
        (paid_on, payer, kab_kota_code, hospital_id, claims, amount_paid)
    SELECT x.paid_on, x.payer, x.kab_kota_code, x.hospital_id, sum(x.claims), sum(x.amount_paid)
    FROM unnest(deltas) x
    GROUP BY 1, 2, 3, 4
    HAVING sum(x.claims) <> 0 OR sum(x.amount_paid) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (paid_on, payer, kab_kota_code, hospital_id) DO UPDATE
        SET claims = d.claims + excluded.claims, amount_paid = d.amount_paid + excluded.amount_paid;
$$;

-- A statement's paid claims counted in, those it changed or deleted counted out as they were,
-- per group. The transition tables are named `added` (rows inserted, or updated as they are
-- now) and `removed` (rows deleted, or updated as they were).
CREATE FUNCTION claims_paid_daily_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    deltas claims_paid_daily[] := '{}';
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        deltas := deltas || ARRAY(
            SELECT row(a.paid_on, a.payer, a.kab_kota_code, a.hospital_id, count(*),
                       coalesce(sum(a.amount_paid), 0)::bigint)::claims_paid_daily
            FROM added a WHERE a.status = 'paid' AND a.paid_on IS NOT NULL
            GROUP BY a.paid_on, a.payer, a.kab_kota_code, a.hospital_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        deltas := deltas || ARRAY(
            SELECT row(r.paid_on, r.payer, r.kab_kota_code, r.hospital_id, -count(*),
                       -coalesce(sum(r.amount_paid), 0)::bigint)::claims_paid_daily
            FROM removed r WHERE r.status = 'paid' AND r.paid_on IS NOT NULL
            GROUP BY r.paid_on, r.payer, r.kab_kota_code, r.hospital_id);
    END IF;
    IF cardinality(deltas) > 0 THEN
        PERFORM claims_paid_daily_add(deltas);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER claims_paid_daily_inserted AFTER INSERT ON claims
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION claims_paid_daily_changed();
CREATE TRIGGER claims_paid_daily_updated AFTER UPDATE ON claims
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION claims_paid_daily_changed();
CREATE TRIGGER claims_paid_daily_deleted AFTER DELETE ON claims
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION claims_paid_daily_changed();

INSERT INTO claims_paid_daily (paid_on, payer, kab_kota_code, hospital_id, claims, amount_paid)
SELECT paid_on, payer, kab_kota_code, hospital_id, count(*), coalesce(sum(amount_paid), 0)
FROM claims
WHERE status = 'paid' AND paid_on IS NOT NULL
GROUP BY 1, 2, 3, 4;
