//! Desk stays: the spells a case spends at each desk (every non-terminal state), one row each,
//! opened and closed in the transaction of the transition that moves the case. Figures about
//! time at desks read these rows; working days are computed by the reader from the holiday
//! table (`domain::sla`), never stored, so a holiday entered later counts everywhere at once.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::cases::Code;
use super::figures::GroupBy;
use crate::domain::CaseState;

/// One spell of a case at a desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskStay {
    /// The state, and so the desk (`CaseState::desk`).
    pub state: Code<CaseState>,
    /// The patient's domicile when the case arrived at the desk.
    pub domicile_kab_kota_code: String,
    /// The hospital of the case when it arrived at the desk.
    pub hospital_id: Uuid,
    pub entered_at: DateTime<Utc>,
    /// When the case left the desk; `None` while it is still there.
    pub left_at: Option<DateTime<Utc>>,
    /// The desk's due date, fixed on arrival (none for desks without a service level, and for
    /// stays rebuilt from the history by the migration).
    pub sla_due_date: Option<NaiveDate>,
}

/// Closes the case's open stay, if it has one, at `at`.
pub async fn leave(db: impl PgExecutor<'_>, case_id: Uuid, at: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE desk_stays SET left_at = $2 WHERE case_id = $1 AND left_at IS NULL",
        case_id,
        at as _,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Moves the case to the desk of `state` at `at`: closes its open stay, if it has one (a new
/// draft has none) and, unless `state` is terminal (no desk, no stay), opens the next with the
/// case's current domicile and hospital, in one statement. Its `INSERT` reads the count of the
/// rows its `UPDATE` closed, so the old stay is closed before the new one meets the unique
/// index of open stays.
pub async fn move_to(
    db: impl PgExecutor<'_>,
    case_id: Uuid,
    state: CaseState,
    at: DateTime<Utc>,
    sla_due_date: Option<NaiveDate>,
) -> sqlx::Result<()> {
    if state.is_terminal() {
        return leave(db, case_id, at).await;
    }
    sqlx::query!(
        "WITH closed AS ( \
             UPDATE desk_stays SET left_at = $3 WHERE case_id = $1 AND left_at IS NULL \
             RETURNING id \
         ) \
         INSERT INTO desk_stays \
           (case_id, state, domicile_kab_kota_code, hospital_id, entered_at, sla_due_date) \
         SELECT c.id, $2::text::case_state, c.domicile_kab_kota_code, c.hospital_id, $3, $4 \
         FROM cases c, (SELECT count(*) FROM closed) l WHERE c.id = $1",
        case_id,
        state.as_str(),
        at as _,
        sla_due_date as _,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Gives the case's open stay the case's current domicile and hospital: a correction made at
/// the hospital's desk says where the case belonged all along. Moves the figures' epoch: the
/// stays open at the watermark that readers keep in memory may have changed group.
pub async fn rescope_open(conn: &mut sqlx::PgConnection, case_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!("UPDATE figures_epoch SET n = n + 1")
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "UPDATE desk_stays s \
         SET domicile_kab_kota_code = c.domicile_kab_kota_code, hospital_id = c.hospital_id \
         FROM cases c WHERE c.id = s.case_id AND s.case_id = $1 AND s.left_at IS NULL",
        case_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A case's stays, oldest first.
pub async fn for_case(db: impl PgExecutor<'_>, case_id: Uuid) -> sqlx::Result<Vec<DeskStay>> {
    let decode = |e: String| sqlx::Error::Decode(e.into());
    sqlx::query!(
        r#"SELECT state::text AS "state!", domicile_kab_kota_code, hospital_id,
             entered_at AS "entered_at: DateTime<Utc>", left_at AS "left_at: DateTime<Utc>",
             sla_due_date AS "sla_due_date: NaiveDate"
           FROM desk_stays WHERE case_id = $1 ORDER BY entered_at, id"#,
        case_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(DeskStay {
            state: Code::try_from(r.state).map_err(decode)?,
            domicile_kab_kota_code: r.domicile_kab_kota_code,
            hospital_id: r.hospital_id,
            entered_at: r.entered_at,
            left_at: r.left_at,
            sla_due_date: r.sla_due_date,
        })
    })
    .collect()
}

/// A stay at a desk during a period, with what the bottleneck page groups it by.
#[derive(Debug, Clone)]
pub struct PeriodStay {
    pub case_id: Uuid,
    pub case_number: String,
    pub state: Code<CaseState>,
    pub kab_kota_code: String,
    pub kab_kota_name: String,
    pub hospital_code: String,
    pub hospital_name: String,
    pub entered_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
    pub sla_due_date: Option<NaiveDate>,
}

/// The stays at the desk of `state` in the scope that overlap `[from, to)`: closed within it,
/// or still open (the cases behind a figure of time at a desk).
pub async fn in_period(
    db: impl PgExecutor<'_>,
    scope: &super::cases::ScopeFilter,
    state: CaseState,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<PeriodStay>> {
    let decode = |e: String| sqlx::Error::Decode(e.into());
    sqlx::query!(
        r#"SELECT s.case_id, c.number, s.state::text AS "state!", s.domicile_kab_kota_code,
             k.name AS kab_kota_name, h.code AS hospital_code, h.name AS hospital_name,
             s.entered_at AS "entered_at: DateTime<Utc>", s.left_at AS "left_at: DateTime<Utc>",
             s.sla_due_date AS "sla_due_date: NaiveDate"
           FROM desk_stays s
           JOIN cases c ON c.id = s.case_id
           JOIN kab_kota k ON k.code = s.domicile_kab_kota_code
           JOIN hospitals h ON h.id = s.hospital_id
           WHERE (s.left_at IS NULL OR (s.left_at >= $4 AND s.left_at < $5))
             AND s.entered_at < $5
             AND ($1 OR s.hospital_id = $2 OR s.domicile_kab_kota_code = $3)
             AND s.state = $6::text::case_state
           ORDER BY s.domicile_kab_kota_code, s.entered_at"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        from as _,
        to as _,
        state.as_str(),
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(PeriodStay {
            case_id: r.case_id,
            case_number: r.number,
            state: Code::try_from(r.state).map_err(decode)?,
            kab_kota_code: r.domicile_kab_kota_code,
            kab_kota_name: r.kab_kota_name,
            hospital_code: r.hospital_code,
            hospital_name: r.hospital_name,
            entered_at: r.entered_at,
            left_at: r.left_at,
            sla_due_date: r.sla_due_date,
        })
    })
    .collect()
}

/// Stays at one desk in one group that began on the same WITA day, ended on the same one (or
/// are open) and had the same due date: all a figure of time at desks needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StayCount {
    pub state: Code<CaseState>,
    /// The group's code and name (kab/kota or hospital); empty for [`GroupBy::Nothing`].
    pub group_code: String,
    pub group_name: String,
    pub entered_day: NaiveDate,
    /// The WITA day the stays ended; `None` while open.
    pub left_day: Option<NaiveDate>,
    /// The desk's due date (`None` from the roll-up, which does not keep it: an ended stay is
    /// never overdue).
    pub due: Option<NaiveDate>,
    /// Whether the stays began before the instant the query was given (see [`touched`]).
    pub began_before: bool,
    pub n: i64,
}

/// Decodes the rows of the two queries below, which return the same columns.
macro_rules! stay_counts {
    ($rows:expr) => {
        $rows
            .into_iter()
            .map(|r| {
                Ok(StayCount {
                    state: Code::try_from(r.state)
                        .map_err(|e: String| sqlx::Error::Decode(e.into()))?,
                    group_code: r.group_code,
                    group_name: r.group_name,
                    entered_day: r.entered_day,
                    left_day: r.left_day,
                    due: r.due,
                    began_before: r.began_before,
                    n: r.n,
                })
            })
            .collect()
    };
}

/// Ended stays at one desk in one group that took the same number of working days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedCount {
    pub state: Code<CaseState>,
    /// The group's code and name (kab/kota or hospital); empty for [`GroupBy::Nothing`].
    pub group_code: String,
    pub group_name: String,
    /// Working days after the day they began up to the day they ended
    /// (`domain::sla::working_days_between`).
    pub days: i64,
    pub n: i64,
}

/// The holidays of `holidays` that fall on a weekday, sorted: what the SQL function
/// `working_day_number` counts working days with.
pub fn weekday_holidays(holidays: &std::collections::BTreeSet<NaiveDate>) -> Vec<NaiveDate> {
    use chrono::Datelike;
    holidays
        .iter()
        .filter(|d| d.weekday().number_from_monday() <= 5)
        .copied()
        .collect()
}

/// The stays of the scope that ended in the WITA days `from..=to` before the day `until`
/// (the watermark), from the daily roll-up `desk_time_daily`, counted per desk × group ×
/// working days with the holidays `weekday_holidays` ([`weekday_holidays`]). Never changes
/// once read (for the same holidays).
pub async fn ended_rolled(
    db: impl PgExecutor<'_>,
    scope: &super::cases::ScopeFilter,
    (from, to): (NaiveDate, NaiveDate),
    until: NaiveDate,
    group: GroupBy,
    weekday_holidays: &[NaiveDate],
) -> sqlx::Result<Vec<EndedCount>> {
    let rows = sqlx::query!(
        r#"WITH x AS (
               SELECT f.state,
                      CASE WHEN $6 = 'kab' THEN f.kab_kota_code END AS kab_kota_code,
                      CASE WHEN $6 = 'rs' THEN f.hospital_id END AS hospital_id,
                      greatest(working_day_number(f.day, $8) - working_day_number(f.entered_day, $8), 0)
                          AS days,
                      sum(f.n)::bigint AS n
               FROM desk_time_daily f
               WHERE f.day >= $4 AND f.day <= $5 AND f.day < $7
                 AND ($1 OR f.hospital_id = $2 OR f.kab_kota_code = $3)
               GROUP BY 1, 2, 3, 4
           )
           SELECT x.state::text AS "state!", coalesce(k.code, h.code, '') AS "group_code!",
                  coalesce(k.name, h.name, '') AS "group_name!", x.days AS "days!", x.n AS "n!"
           FROM x
           LEFT JOIN kab_kota k ON k.code = x.kab_kota_code
           LEFT JOIN hospitals h ON h.id = x.hospital_id"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        from as _,
        to as _,
        group.code(),
        until as _,
        weekday_holidays as _,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(EndedCount {
                state: Code::try_from(r.state)
                    .map_err(|e: String| sqlx::Error::Decode(e.into()))?,
                group_code: r.group_code,
                group_name: r.group_name,
                days: r.days,
                n: r.n,
            })
        })
        .collect()
}

/// The stays of the scope that were open at the instant `at` (began before it, had not ended),
/// whatever they did since. Never changes once `at` is an hour past
/// (see `figures::ROLLUP_GRACE`), except when an open stay is moved to a corrected domicile
/// (which moves the figures' epoch).
pub async fn open_at(
    db: impl PgExecutor<'_>,
    scope: &super::cases::ScopeFilter,
    at: DateTime<Utc>,
    group: GroupBy,
) -> sqlx::Result<Vec<StayCount>> {
    let rows = sqlx::query!(
        r#"WITH x AS (
               SELECT s.state,
                      CASE WHEN $5 = 'kab' THEN s.domicile_kab_kota_code END AS kab_kota_code,
                      CASE WHEN $5 = 'rs' THEN s.hospital_id END AS hospital_id,
                      (s.entered_at AT TIME ZONE 'Asia/Makassar')::date AS entered_day,
                      s.sla_due_date, count(*) AS n
               FROM desk_stays s
               WHERE (s.left_at IS NULL OR s.left_at >= $4)
                 AND s.entered_at < $4
                 AND ($1 OR s.hospital_id = $2 OR s.domicile_kab_kota_code = $3)
               GROUP BY 1, 2, 3, 4, 5
           )
           SELECT x.state::text AS "state!", coalesce(k.code, h.code, '') AS "group_code!",
                  coalesce(k.name, h.name, '') AS "group_name!",
                  x.entered_day AS "entered_day!: NaiveDate", NULL::date AS "left_day?: NaiveDate",
                  x.sla_due_date AS "due?: NaiveDate", true AS "began_before!", x.n AS "n!"
           FROM x
           LEFT JOIN kab_kota k ON k.code = x.kab_kota_code
           LEFT JOIN hospitals h ON h.id = x.hospital_id"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        at as _,
        group.code(),
    )
    .fetch_all(db)
    .await?;
    stay_counts!(rows)
}

/// The stays of the scope that began or ended in the instants `since..until` (`until`: `None`
/// for up to now), as they were at `until` (ended before it, or open), with whether they began
/// before `since`. Through the indexes of both instants: the stays touched since the fence of
/// the figures or between two fences (see `cases::desk_figures`), a day's transitions at most.
pub async fn touched(
    db: impl PgExecutor<'_>,
    scope: &super::cases::ScopeFilter,
    (since, until): (DateTime<Utc>, Option<DateTime<Utc>>),
    group: GroupBy,
) -> sqlx::Result<Vec<StayCount>> {
    let rows = sqlx::query!(
        r#"WITH x AS (
               SELECT s.state,
                      CASE WHEN $5 = 'kab' THEN s.domicile_kab_kota_code END AS kab_kota_code,
                      CASE WHEN $5 = 'rs' THEN s.hospital_id END AS hospital_id,
                      (s.entered_at AT TIME ZONE 'Asia/Makassar')::date AS entered_day,
                      CASE WHEN s.left_at < coalesce($6::timestamptz, 'infinity')
                           THEN (s.left_at AT TIME ZONE 'Asia/Makassar')::date END AS left_day,
                      s.sla_due_date AS due,
                      s.entered_at < $4 AS began_before, count(*) AS n
               FROM desk_stays s
               WHERE ((s.left_at >= $4 AND s.left_at < coalesce($6::timestamptz, 'infinity'))
                      OR (s.entered_at >= $4 AND s.entered_at < coalesce($6::timestamptz, 'infinity')))
                 AND ($1 OR s.hospital_id = $2 OR s.domicile_kab_kota_code = $3)
               GROUP BY 1, 2, 3, 4, 5, 6, 7
           )
           SELECT x.state::text AS "state!", coalesce(k.code, h.code, '') AS "group_code!",
                  coalesce(k.name, h.name, '') AS "group_name!",
                  x.entered_day AS "entered_day!: NaiveDate", x.left_day AS "left_day?: NaiveDate",
                  x.due AS "due?: NaiveDate", x.began_before AS "began_before!", x.n AS "n!"
           FROM x
           LEFT JOIN kab_kota k ON k.code = x.kab_kota_code
           LEFT JOIN hospitals h ON h.id = x.hospital_id"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        since as _,
        group.code(),
        until as Option<DateTime<Utc>>,
    )
    .fetch_all(db)
    .await?;
    stay_counts!(rows)
}

/// An open stay past its due date whose desk has not been told yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueStay {
    pub id: i64,
    pub case_id: Uuid,
    pub case_number: String,
    /// The state code (the caller parses it).
    pub state: String,
}

/// Up to `limit` open stays whose due date is before `today` and that were not announced,
/// locked for the caller's transaction; stays another transaction holds are skipped, so two
/// sweeps at once share the work and neither waits.
pub async fn lock_overdue_unannounced(
    db: impl PgExecutor<'_>,
    today: NaiveDate,
    limit: i64,
) -> sqlx::Result<Vec<OverdueStay>> {
    sqlx::query_as!(
        OverdueStay,
        r#"SELECT s.id, s.case_id, c.number AS case_number, s.state::text AS "state!"
           FROM desk_stays s JOIN cases c ON c.id = s.case_id
           WHERE s.left_at IS NULL AND s.overdue_notified_at IS NULL AND s.sla_due_date < $1
           ORDER BY s.sla_due_date, s.id
           LIMIT $2
           FOR UPDATE OF s SKIP LOCKED"#,
        today as _,
        limit,
    )
    .fetch_all(db)
    .await
}

/// Records that the desk was told the stay is overdue.
pub async fn mark_overdue_announced(
    db: impl PgExecutor<'_>,
    stay_id: i64,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE desk_stays SET overdue_notified_at = $2 WHERE id = $1",
        stay_id,
        at as _,
    )
    .execute(db)
    .await?;
    Ok(())
}
