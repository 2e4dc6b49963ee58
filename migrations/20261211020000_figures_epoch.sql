-- What the readers keep in memory between views (the figures of days already rolled up and of
-- the stays open at the watermark: `cases::desk_figures`) is valid for one watermark and one
-- epoch. The epoch moves whenever something those figures were taken from changes after the
-- fact: days handed back to the live count (the clock set back), an open stay moved to a
-- corrected domicile. One row; a transaction that moves it holds it until it commits.
CREATE TABLE figures_epoch (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    n         bigint NOT NULL DEFAULT 0
);
INSERT INTO figures_epoch DEFAULT VALUES;
