-- Working days counted where the roll-ups are read. The frozen part of a figure
-- (`cases::desk_figures`) reads a period of `desk_time_daily` and `case_milestone_daily`; it
-- only needs each row's working days (day begun or registered → day ended or reached), but
-- grouping the rows by both days left some 140,000 groups of 180,000 rows for the province's
-- quarter at a million cases (a hash aggregate spilling to disk, every group sent to the
-- service and counted there): a stall of a second for the first view of a report after each
-- day's roll-up. Counted here, the groups are desk × group × working days: a few thousand.
--
-- working_day_number(d, h) - working_day_number(f, h) is the number of working days after f up
-- to and including d (for d > f), `domain::sla::working_days_between`: weekdays (Monday to
-- Friday) not in `h`, the holidays that fall on a weekday, sorted (the caller's snapshot of the
-- holiday table, so a holiday entered later counts at once). The weekdays are counted in whole
-- weeks from Monday 1 January 2001 (floor division, so days before it count too), the holidays
-- up to d by a binary search of the sorted array (width_bucket). Only differences mean
-- anything. IMMUTABLE and a single expression, so PostgreSQL inlines it into the query.
CREATE FUNCTION working_day_number(d date, weekday_holidays date[]) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 5 * ((d - date '2001-01-01') - ((d - date '2001-01-01') % 7 + 7) % 7)::bigint / 7
           + least(((d - date '2001-01-01') % 7 + 7) % 7 + 1, 5)
           - width_bucket(d, weekday_holidays)
$$;
