-- The readers of the dashboard and of time at desks now read the roll-ups and the events since
-- the watermark separately (the rolled part is kept in memory per watermark and epoch, see
-- `cases::desk_figures`), so the views joining both in one statement are no longer read.
DROP VIEW case_flow;
DROP VIEW desk_time_flow;
DROP VIEW case_milestone_flow;
DROP FUNCTION case_flow_rolled_until();
DROP FUNCTION case_flow_live_since();
