-- The fence's update trigger (20261212010000_figures_fence.sql) moved the figures' epoch when a
-- stay's end changed and *any* of its stamps was before the fence: every transition ends a stay
-- begun before the fence (minutes or days ago), so every transition moved the epoch. Each then
-- waited for the transition before it on the epoch's row (at a million cases 32 clients got
-- half the transitions a second they got before), and every figure's frozen part was read anew
-- after any step.
--
-- The frozen part only goes wrong when a stamp that *changed* is before the fence, on either
-- side: a stay that ends (or had ended) before it, one that begins (or had begun) before it.
-- A stay begun before the fence and ending now is what the frozen part folds in as it follows
-- the fence (`db::stays::touched`).
CREATE OR REPLACE FUNCTION desk_stays_fence_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7142002);
    IF EXISTS (SELECT 1 FROM updated n JOIN previous o ON o.id = n.id, figures_fence f
               WHERE (n.left_at IS DISTINCT FROM o.left_at
                      AND (n.left_at < f.safe_until OR o.left_at < f.safe_until))
                  OR (n.entered_at IS DISTINCT FROM o.entered_at
                      AND (n.entered_at < f.safe_until OR o.entered_at < f.safe_until))) THEN
        UPDATE figures_epoch SET n = n + 1;
    END IF;
    RETURN NULL;
END;
$$;
