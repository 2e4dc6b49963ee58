//! The dashboard's counts of registrations and closings and the daily roll-ups behind every
//! figure of a period (see docs/architecture.md, "Dashboard figures" and "Time at desks and
//! lead times"): none of the readers reads every case.
//!
//! - Registrations and closings (closed states, outcomes, beneficiaries, the weekly flow): the
//!   daily roll-up `case_flow_daily` for the WITA days before the watermark ([`flow_rolled`],
//!   [`weeks_rolled`]) plus the few events since then, counted live from the indexed
//!   `created_at` / `closed_at` ([`flow_live`]). A day is rolled up once, after it is over
//!   ([`refresh`]), with the stays that ended on it (`desk_time_daily`) and its guarantees and
//!   handovers (`case_milestone_daily`); the roll-ups and the watermark are committed together.
//!   Readers read the watermark ([`watermark`]) and both parts in one snapshot, so no event is
//!   counted twice or missed.
//!
//! [`refresh`] is the one maintenance step: the figure pages call it when they find the
//! watermark behind (once a day), and a periodic job may call it too.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::{PgExecutor, PgPool};

use super::cases::ScopeFilter;
use crate::domain::sla;

/// How long after the end of a WITA day its events may still be committed: the clock is read
/// when a transaction starts writing, and a request (so its transaction) is cut off after a
/// minute. A day is rolled up only this long after it ended; until then it is counted live.
/// It also absorbs clock differences between instances up to that much.
pub const ROLLUP_GRACE: Duration = Duration::hours(1);

/// What [`refresh`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Another transaction is rolling up (or moving a case's events) right now; nothing done.
    /// The figures are still right: what is not rolled is counted live.
    Busy,
    /// The days before `until` were already rolled up.
    UpToDate { until: NaiveDate },
    /// The days from `from` (from the first event, when `None`) to `until` were rolled up.
    Rolled {
        from: Option<NaiveDate>,
        until: NaiveDate,
    },
    /// The clock is before days already rolled up (a test clock set back, or an instance whose
    /// clock lags by more than [`ROLLUP_GRACE`]): those days were handed back to the live count,
    /// so events stamped with the earlier clock are counted too.
    Unrolled { until: NaiveDate },
}

/// The day the roll-up may reach at `now`: the days before it are over by [`ROLLUP_GRACE`].
pub fn rollable_until(now: DateTime<Utc>) -> NaiveDate {
    sla::local_date(now - ROLLUP_GRACE)
}

/// Rolls up the WITA days that are over (see [`rollable_until`]) and not rolled yet into
/// `case_flow_daily`, and moves the watermark, in one transaction. Idempotent, and safe from
/// several tasks or instances at once: the watermark row is locked, and a caller that finds it
/// locked returns [`Refresh::Busy`] at once instead of waiting.
pub async fn refresh(pool: &PgPool, now: DateTime<Utc>) -> sqlx::Result<Refresh> {
    let until = rollable_until(now);
    let mut tx = pool.begin().await?;
    let Some(rolled) = sqlx::query_scalar!(
        r#"SELECT rolled_until AS "rolled_until: NaiveDate"
           FROM case_flow_watermark FOR UPDATE SKIP LOCKED"#
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        // Ended here rather than dropped (see below).
        tx.commit().await?;
        return Ok(Refresh::Busy);
    };
    let done = match rolled {
        Some(r) if r == until => {
            // Ended here, not dropped: a dropped transaction keeps its lock until its
            // connection is next used, and the next caller would find the row busy.
            tx.commit().await?;
            return Ok(Refresh::UpToDate { until });
        }
        Some(r) if r > until => {
            sqlx::query!("DELETE FROM case_flow_daily WHERE day >= $1", until as _)
                .execute(&mut *tx)
                .await?;
            sqlx::query!("DELETE FROM desk_time_daily WHERE day >= $1", until as _)
                .execute(&mut *tx)
                .await?;
            sqlx::query!(
                "DELETE FROM case_milestone_daily WHERE day >= $1",
                until as _
            )
            .execute(&mut *tx)
            .await?;
            // What readers keep of the days handed back is no longer true.
            sqlx::query!("UPDATE figures_epoch SET n = n + 1")
                .execute(&mut *tx)
                .await?;
            Refresh::Unrolled { until }
        }
        from => {
            // A statement of its own, after the lock: its snapshot holds every event of the
            // days it rolls (see ROLLUP_GRACE) and any domicile moved before the lock.
            sqlx::query!(
                r#"INSERT INTO case_flow_daily (day, kab_kota_code, hospital_id, event, detail, n)
                   SELECT (e.at AT TIME ZONE 'Asia/Makassar')::date, e.kab_kota_code,
                          e.hospital_id, e.event, e.detail, count(*)
                   FROM case_flow_events e
                   WHERE e.at >= coalesce($1::date::timestamp AT TIME ZONE 'Asia/Makassar',
                                         '-infinity'::timestamptz)
                     AND e.at < $2::date::timestamp AT TIME ZONE 'Asia/Makassar'
                   GROUP BY 1, 2, 3, 4, 5"#,
                from as _,
                until as _,
            )
            .execute(&mut *tx)
            .await?;
            // The stays that ended on the same days (see `desk_time_daily`): an ended stay
            // never changes, so its count is final.
            sqlx::query!(
                r#"INSERT INTO desk_time_daily
                       (day, state, kab_kota_code, hospital_id, entered_day, n)
                   SELECT (s.left_at AT TIME ZONE 'Asia/Makassar')::date, s.state,
                          s.domicile_kab_kota_code, s.hospital_id,
                          (s.entered_at AT TIME ZONE 'Asia/Makassar')::date, count(*)
                   FROM desk_stays s
                   WHERE s.left_at >= coalesce($1::date::timestamp AT TIME ZONE 'Asia/Makassar',
                                              '-infinity'::timestamptz)
                     AND s.left_at < $2::date::timestamp AT TIME ZONE 'Asia/Makassar'
                   GROUP BY 1, 2, 3, 4, 5"#,
                from as _,
                until as _,
            )
            .execute(&mut *tx)
            .await?;
            // And the guarantees and handovers of those days (see `case_milestone_daily`).
            sqlx::query!(
                r#"INSERT INTO case_milestone_daily
                       (day, milestone, kab_kota_code, hospital_id, service_type,
                        registered_day, n)
                   SELECT (e.at AT TIME ZONE 'Asia/Makassar')::date, e.milestone,
                          e.kab_kota_code, e.hospital_id, e.service_type,
                          (e.registered_at AT TIME ZONE 'Asia/Makassar')::date, count(*)
                   FROM case_milestone_events e
                   WHERE e.at >= coalesce($1::date::timestamp AT TIME ZONE 'Asia/Makassar',
                                         '-infinity'::timestamptz)
                     AND e.at < $2::date::timestamp AT TIME ZONE 'Asia/Makassar'
                   GROUP BY 1, 2, 3, 4, 5, 6"#,
                from as _,
                until as _,
            )
            .execute(&mut *tx)
            .await?;
            Refresh::Rolled { from, until }
        }
    };
    sqlx::query!(
        "UPDATE case_flow_watermark SET rolled_until = $1",
        until as _
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done)
}

/// What the counts of a figure are grouped by, besides what they count (a desk, a milestone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupBy {
    /// Nothing else.
    Nothing,
    /// The patient's kab/kota of domicile.
    KabKota,
    /// The hospital of the case.
    Hospital,
}

impl GroupBy {
    /// The code the queries take.
    pub fn code(self) -> &'static str {
        match self {
            GroupBy::Nothing => "",
            GroupBy::KabKota => "kab",
            GroupBy::Hospital => "rs",
        }
    }
}

/// Where the figures stand, as one snapshot sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watermark {
    /// The days before it are rolled up (`None`: none yet).
    pub until: Option<NaiveDate>,
    /// The figures' epoch (see `figures_epoch`).
    pub epoch: i64,
    /// The fence (see `figures_fence`): no stay can begin or end before it any more without
    /// moving the epoch (`None`: never moved).
    pub fence: Option<DateTime<Utc>>,
}

/// The watermark, the epoch and the fence, as one snapshot sees them.
pub async fn watermark(db: impl PgExecutor<'_>) -> sqlx::Result<Watermark> {
    let r = sqlx::query!(
        r#"SELECT w.rolled_until AS "rolled_until: NaiveDate", e.n,
                  nullif(f.safe_until, '-infinity') AS "fence: DateTime<Utc>"
           FROM case_flow_watermark w, figures_epoch e, figures_fence f"#
    )
    .fetch_one(db)
    .await?;
    Ok(Watermark {
        until: r.rolled_until,
        epoch: r.n,
        fence: r.fence,
    })
}

/// The advisory lock writers of stays hold shared and [`fence`] exclusively (see
/// `figures_fence`).
const FENCE_LOCK: i64 = 7_142_002;

/// Moves the fence of the desk figures to `to` (never back): waits for every transaction that
/// has written a stay to end, so that any stay stamped before `to` is either committed or moves
/// the epoch when it is (see `figures_fence`). Gives up, returning false, when that takes longer
/// than a quarter of a second (writers wait behind it meanwhile, and two of them could be waiting for
/// each other through it); a later view tries again. True when the fence moved.
pub async fn fence(pool: &PgPool, to: DateTime<Utc>) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SET LOCAL lock_timeout = '250ms'")
        .execute(&mut *tx)
        .await?;
    // pg_advisory_xact_lock returns void, which sqlx cannot decode: select no column at all.
    if let Err(e) = sqlx::query!("SELECT FROM pg_advisory_xact_lock($1)", FENCE_LOCK)
        .execute(&mut *tx)
        .await
    {
        let timed_out = e
            .as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|c| c == "55P03");
        tx.rollback().await?;
        return if timed_out { Ok(false) } else { Err(e) };
    }
    let moved = sqlx::query!(
        "UPDATE figures_fence SET safe_until = $1 WHERE safe_until < $1",
        to as _
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(moved == 1)
}

/// Registrations and closings counted per event × detail × kab/kota × hospital (and, for the
/// live ones, WITA day): what the dashboard's counts of closed states, outcomes, beneficiaries
/// and weekly flow are summed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowCount {
    /// The WITA day (live events only; `None` for the rolled days together).
    pub day: Option<NaiveDate>,
    /// `registered`, `handed_over`, `rejected` or `withdrawn`.
    pub event: String,
    /// The scheme of a handover, the reason of a withdrawal ('-' when unknown), '' otherwise.
    pub detail: String,
    pub kab_kota_code: String,
    pub kab_kota_name: String,
    pub hospital_code: String,
    pub hospital_name: String,
    pub n: i64,
}

/// Every event of the scope on the days before `until` (the watermark), from the roll-up:
/// never changes for one watermark and epoch (see `figures_epoch`).
pub async fn flow_rolled(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    until: NaiveDate,
) -> sqlx::Result<Vec<FlowCount>> {
    sqlx::query_as!(
        FlowCount,
        r#"SELECT NULL::date AS "day?: NaiveDate", f.event AS "event!", f.detail AS "detail!",
                  k.code AS "kab_kota_code!", k.name AS "kab_kota_name!",
                  h.code AS "hospital_code!", h.name AS "hospital_name!",
                  sum(f.n)::bigint AS "n!"
           FROM case_flow_daily f
           JOIN kab_kota k ON k.code = f.kab_kota_code
           JOIN hospitals h ON h.id = f.hospital_id
           WHERE f.day < $4
             AND ($1 OR f.hospital_id = $2 OR f.kab_kota_code = $3)
           GROUP BY 2, 3, 4, 5, 6, 7"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        until as _,
    )
    .fetch_all(db)
    .await
}

/// The events of the scope from the instant `since` (the watermark, or the fence the counts
/// were last moved to) up to `until` (the fence; `None`: up to now), counted live per WITA day
/// from the indexed timestamps: a day's registrations and closings.
pub async fn flow_live(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    (since, until): (DateTime<Utc>, Option<DateTime<Utc>>),
) -> sqlx::Result<Vec<FlowCount>> {
    sqlx::query_as!(
        FlowCount,
        r#"SELECT (e.at AT TIME ZONE 'Asia/Makassar')::date AS "day?: NaiveDate",
                  e.event AS "event!", e.detail AS "detail!",
                  k.code AS "kab_kota_code!", k.name AS "kab_kota_name!",
                  h.code AS "hospital_code!", h.name AS "hospital_name!",
                  count(*) AS "n!"
           FROM case_flow_events e
           JOIN kab_kota k ON k.code = e.kab_kota_code
           JOIN hospitals h ON h.id = e.hospital_id
           WHERE e.at >= $4 AND e.at < coalesce($5::timestamptz, 'infinity')
             AND ($1 OR e.hospital_id = $2 OR e.kab_kota_code = $3)
           GROUP BY 1, 2, 3, 4, 5, 6, 7"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        since as _,
        until as _,
    )
    .fetch_all(db)
    .await
}

/// A labelled count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Count {
    /// The code counted (a state, a reason code, a kab/kota code, a hospital code …).
    pub key: String,
    /// Its name, where it has one beyond the code.
    pub label: String,
    pub count: i64,
}

/// Cases registered (`created`) and closed (`closed`) per week, weeks starting on Monday in
/// WITA.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Week {
    pub week_start: NaiveDate,
    pub registered: i64,
    pub closed: i64,
}

/// Registrations and closings of the scope per week (starting on Monday, WITA) over the rolled
/// days from `from` to before `until`; weeks without any are left out.
pub async fn weeks_rolled(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    from: NaiveDate,
    until: NaiveDate,
) -> sqlx::Result<Vec<Week>> {
    sqlx::query_as!(
        Week,
        r#"SELECT date_trunc('week', f.day::timestamp)::date AS "week_start!: NaiveDate",
                  coalesce(sum(f.n) FILTER (WHERE f.event = 'registered'), 0)::bigint
                      AS "registered!",
                  coalesce(sum(f.n) FILTER (WHERE f.event <> 'registered'), 0)::bigint
                      AS "closed!"
           FROM case_flow_daily f
           WHERE f.day >= $4 AND f.day < $5
             AND ($1 OR f.hospital_id = $2 OR f.kab_kota_code = $3)
           GROUP BY 1"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        from as _,
        until as _,
    )
    .fetch_all(db)
    .await
}

/// When a case was registered, got its guarantee and was handed over, for the cases whose
/// guarantee or handover falls in `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadTimes {
    pub registered_at: DateTime<Utc>,
    pub guaranteed_at: Option<DateTime<Utc>>,
    pub handed_over_at: Option<DateTime<Utc>>,
}

/// Registration → guarantee and registration → handover, per case, in the scope and period;
/// reads only the cases with a guarantee or a handover in the period.
pub async fn lead_times(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<LeadTimes>> {
    let rows = sqlx::query!(
        r#"SELECT c.created_at AS "registered_at: DateTime<Utc>",
                  g.at AS "guaranteed_at?: DateTime<Utc>",
                  CASE WHEN c.state = 'handed_over' THEN c.closed_at END
                      AS "handed_over_at?: DateTime<Utc>"
           FROM (
               -- The candidates through the indexes of the period's guarantees and handovers,
               -- not a pass over every case.
               SELECT h.case_id AS id FROM case_history h
               WHERE h.action = 'approve_guarantee' AND h.at >= $4 AND h.at < $5
               UNION
               SELECT k.id FROM cases k
               WHERE k.closed_at >= $4 AND k.closed_at < $5 AND k.state = 'handed_over'
           ) candidate
           JOIN cases c ON c.id = candidate.id
           LEFT JOIN LATERAL (
               SELECT h.at FROM case_history h
               WHERE h.case_id = c.id AND h.action = 'approve_guarantee'
               ORDER BY h.id LIMIT 1
           ) g ON true
           WHERE ($1 OR c.hospital_id = $2 OR c.domicile_kab_kota_code = $3)
             AND ((g.at >= $4 AND g.at < $5)
                  OR (c.state = 'handed_over' AND c.closed_at >= $4 AND c.closed_at < $5))"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        from as _,
        to as _,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| LeadTimes {
            registered_at: r.registered_at,
            guaranteed_at: r.guaranteed_at.filter(|t| *t >= from && *t < to),
            handed_over_at: r.handed_over_at.filter(|t| *t >= from && *t < to),
        })
        .collect())
}
