-- The fence of the desk figures (`cases::desk_figures`): an instant before which no stay can
-- begin or end any more without moving the figures' epoch.
--
-- Readers keep in memory what the stays were up to an instant (open stays, ended ones) and read
-- only the stays touched since. That is only right if no stay stamped before that instant can
-- still commit: a transition reads the clock, then writes, then commits, so a slow one could.
-- The fence makes it so. A reader moves it (`db::figures::fence`) while holding the advisory
-- lock below exclusively, which waits for every transaction that has written a stay and not
-- ended yet; every statement writing stays takes the same lock shared (the triggers below), then
-- compares its stamps with the fence: a stay that begins or ends before it (a late writer, a
-- clock set back, a load of old data) moves the epoch, and what readers keep is read anew.
CREATE TABLE figures_fence (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    safe_until  timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO figures_fence DEFAULT VALUES;

-- The advisory lock's key is 7142002 (7142001: creating users, `db::users`).
CREATE FUNCTION desk_stays_fence_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7142002);
    IF EXISTS (SELECT 1 FROM inserted s, figures_fence f WHERE s.entered_at < f.safe_until
                                                            OR s.left_at < f.safe_until) THEN
        UPDATE figures_epoch SET n = n + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION desk_stays_fence_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7142002);
    IF EXISTS (SELECT 1 FROM updated n JOIN previous o ON o.id = n.id, figures_fence f
               WHERE (n.left_at IS DISTINCT FROM o.left_at
                      OR n.entered_at IS DISTINCT FROM o.entered_at)
                 AND (n.left_at < f.safe_until OR o.left_at < f.safe_until
                      OR n.entered_at < f.safe_until OR o.entered_at < f.safe_until)) THEN
        UPDATE figures_epoch SET n = n + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION desk_stays_fence_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7142002);
    IF EXISTS (SELECT 1 FROM deleted) THEN
        UPDATE figures_epoch SET n = n + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER desk_stays_fence_inserted AFTER INSERT ON desk_stays
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION desk_stays_fence_inserted();
CREATE TRIGGER desk_stays_fence_updated AFTER UPDATE ON desk_stays
    REFERENCING OLD TABLE AS previous NEW TABLE AS updated
    FOR EACH STATEMENT EXECUTE FUNCTION desk_stays_fence_updated();
CREATE TRIGGER desk_stays_fence_deleted AFTER DELETE ON desk_stays
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION desk_stays_fence_deleted();

-- The guarantees since the watermark (`db::milestones::live`) without reading every history row
-- since then.
CREATE INDEX case_history_guarantee_at_idx ON case_history (at)
    WHERE action = 'approve_guarantee';
