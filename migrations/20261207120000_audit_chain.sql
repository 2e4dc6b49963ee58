-- The audit log as hash chains (docs/security.md, "Database roles and the audit chain").
--
-- Every row of audit_log belongs to one of 16 chains and carries its place in it (`seq`, 1, 2,
-- …), the hash of the row before it (`prev_hash`; 32 zero bytes for the first) and its own
-- hash: SHA-256(prev_hash || audit_row_bytes(row)). The last seq and hash of each chain are kept
-- in audit_chain_head. A trigger fills the four columns on INSERT, whatever the inserting code
-- wrote into them: it takes the head of one chain with UPDATE (a row lock on that chain's head
-- only, held until the transaction ends), so writers on different chains never wait for each
-- other. A transaction picks its chain at random on its first audit row and keeps it for the
-- others (a transaction never holds two heads, so heads cannot deadlock).
--
-- `merajut-sehat audit verify` recomputes every hash and link and compares each chain's end
-- with its head: an edited row, a deleted row (in the middle or at the end) or a reordered one
-- is named.
--
-- The hash covers every column except the four chain columns, as JSON with null values left
-- out: a column added to audit_log later must therefore be nullable without a default (or old
-- rows no longer verify).

ALTER TABLE audit_log
    ADD COLUMN chain     smallint,
    ADD COLUMN seq       bigint,
    ADD COLUMN prev_hash bytea,
    ADD COLUMN hash      bytea;

CREATE TABLE audit_chain_head (
    chain smallint PRIMARY KEY CHECK (chain BETWEEN 0 AND 15),
    seq   bigint NOT NULL DEFAULT 0 CHECK (seq >= 0),
    hash  bytea NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000'
          CHECK (length(hash) = 32)
);
INSERT INTO audit_chain_head (chain) SELECT generate_series(0, 15);

-- The bytes of a row that its hash covers: the row as JSON without the chain columns and
-- without nulls. Times are written in UTC whatever the session's time zone.
CREATE FUNCTION audit_row_bytes(r audit_log) RETURNS bytea
    LANGUAGE sql STABLE
    SET TimeZone = 'UTC'
    AS $$
        SELECT convert_to(
            jsonb_strip_nulls(to_jsonb(r) - 'chain' - 'seq' - 'prev_hash' - 'hash')::text,
            'UTF8')
    $$;

-- Existing rows: one chain (0), in the order they were written.
DO $$
DECLARE
    r    audit_log;
    prev bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
    n    bigint := 0;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        n := n + 1;
        r.chain := 0;
        r.seq := n;
        r.prev_hash := prev;
        r.hash := sha256(prev || audit_row_bytes(r));
        UPDATE audit_log SET chain = 0, seq = n, prev_hash = prev, hash = r.hash WHERE id = r.id;
        prev := r.hash;
    END LOOP;
    UPDATE audit_chain_head SET seq = n, hash = prev WHERE chain = 0;
END
$$;

ALTER TABLE audit_log
    ALTER COLUMN chain SET NOT NULL,
    ALTER COLUMN seq SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT audit_log_chain_seq_key UNIQUE (chain, seq);

-- Runs with the owner's rights (SECURITY DEFINER): the service's role may only INSERT into
-- audit_log and has no right on audit_chain_head at all. The search path is fixed so that
-- nothing the caller creates (a temporary table, say) can stand in for the head table.
CREATE FUNCTION audit_log_link() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    k smallint;
BEGIN
    k := nullif(current_setting('merajut.audit_chain', true), '')::smallint;
    IF k IS NULL OR k NOT BETWEEN 0 AND 15 THEN
        k := floor(random() * 16)::smallint;
        PERFORM set_config('merajut.audit_chain', k::text, true);
    END IF;
    UPDATE audit_chain_head SET seq = seq + 1 WHERE chain = k
        RETURNING seq, hash INTO NEW.seq, NEW.prev_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit chain % has no head', k;
    END IF;
    NEW.chain := k;
    NEW.hash := sha256(NEW.prev_hash || audit_row_bytes(NEW));
    UPDATE audit_chain_head SET hash = NEW.hash WHERE chain = k;
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_link BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_link();
