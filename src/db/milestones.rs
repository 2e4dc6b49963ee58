//! The milestones of a case from registration: when it was registered, when it got its
//! temporary guarantee (the first `approve_guarantee`) and when it was handed over to national
//! insurance, with what the bottleneck page groups a case by (the patient's kab/kota and the
//! hospital). Working days between them are computed by the reader from the holiday table.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::cases::ScopeFilter;
use super::figures::GroupBy;

/// A case whose guarantee or handover falls in a period, with both instants kept only when
/// they fall in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestones {
    pub case_id: Uuid,
    pub case_number: String,
    pub kab_kota_code: String,
    pub kab_kota_name: String,
    pub hospital_code: String,
    pub hospital_name: String,
    /// The service type recorded at intake (`igd`, `rawat_inap`, `rawat_jalan`).
    pub service_type: String,
    pub registered_at: DateTime<Utc>,
    pub guaranteed_at: Option<DateTime<Utc>>,
    pub handed_over_at: Option<DateTime<Utc>>,
}

/// The cases of the scope whose guarantee or handover falls in `[from, to)`.
pub async fn in_period(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<Milestones>> {
    let rows = sqlx::query!(
        r#"SELECT c.id, c.number, c.domicile_kab_kota_code, k.name AS kab_kota_name,
                  h.code AS hospital_code, h.name AS hospital_name, c.service_type,
                  c.created_at AS "registered_at: DateTime<Utc>",
                  g.at AS "guaranteed_at?: DateTime<Utc>",
                  CASE WHEN c.state = 'handed_over' THEN c.closed_at END
                      AS "handed_over_at?: DateTime<Utc>"
           FROM cases c
           JOIN kab_kota k ON k.code = c.domicile_kab_kota_code
           JOIN hospitals h ON h.id = c.hospital_id
           LEFT JOIN LATERAL (
               SELECT ch.at FROM case_history ch
               WHERE ch.case_id = c.id AND ch.action = 'approve_guarantee'
               ORDER BY ch.id LIMIT 1
           ) g ON true
           WHERE ($1 OR c.hospital_id = $2 OR c.domicile_kab_kota_code = $3)
             AND ((g.at >= $4 AND g.at < $5)
                  OR (c.state = 'handed_over' AND c.closed_at >= $4 AND c.closed_at < $5))
           ORDER BY c.created_at, c.id"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        from as _,
        to as _,
    )
    .fetch_all(db)
    .await?;
    let within = |t: Option<DateTime<Utc>>| t.filter(|t| *t >= from && *t < to);
    Ok(rows
        .into_iter()
        .map(|r| Milestones {
            case_id: r.id,
            case_number: r.number,
            kab_kota_code: r.domicile_kab_kota_code,
            kab_kota_name: r.kab_kota_name,
            hospital_code: r.hospital_code,
            hospital_name: r.hospital_name,
            service_type: r.service_type,
            registered_at: r.registered_at,
            guaranteed_at: within(r.guaranteed_at),
            handed_over_at: within(r.handed_over_at),
        })
        .collect())
}

/// Cases of one group that were registered on the same WITA day and reached a milestone on the
/// same one: all the lead times and the reports' counts need, since their working days are the
/// same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneCount {
    /// `guaranteed` (the first temporary guarantee) or `handed_over`.
    pub milestone: String,
    /// The group's code and name (kab/kota or hospital); empty for [`GroupBy::Nothing`].
    pub group_code: String,
    pub group_name: String,
    /// The service type recorded at intake.
    pub service_type: String,
    pub registered_day: NaiveDate,
    pub day: NaiveDate,
    pub n: i64,
}

/// Cases of one group that reached a milestone in the same number of working days from
/// registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneDays {
    /// `guaranteed` (the first temporary guarantee) or `handed_over`.
    pub milestone: String,
    /// The group's code and name (kab/kota or hospital); empty for [`GroupBy::Nothing`].
    pub group_code: String,
    pub group_name: String,
    /// The service type recorded at intake.
    pub service_type: String,
    /// Working days after the day registered up to the day reached
    /// (`domain::sla::working_days_between`).
    pub days: i64,
    pub n: i64,
}

/// The guarantees and handovers of the scope on the WITA days `from..=to` before the day
/// `until` (the watermark), from the daily roll-up `case_milestone_daily`, counted per
/// milestone × group × service type × working days with the holidays `weekday_holidays`
/// (`db::stays::weekday_holidays`). Never changes once read (for the same holidays).
pub async fn rolled(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    (from, to): (NaiveDate, NaiveDate),
    until: NaiveDate,
    group: GroupBy,
    weekday_holidays: &[NaiveDate],
) -> sqlx::Result<Vec<MilestoneDays>> {
    sqlx::query_as!(
        MilestoneDays,
        r#"WITH x AS (
               SELECT f.milestone,
                      CASE WHEN $6 = 'kab' THEN f.kab_kota_code END AS kab_kota_code,
                      CASE WHEN $6 = 'rs' THEN f.hospital_id END AS hospital_id,
                      f.service_type,
                      greatest(working_day_number(f.day, $8) - working_day_number(f.registered_day, $8), 0)
                          AS days,
                      sum(f.n)::bigint AS n
               FROM case_milestone_daily f
               WHERE f.day >= $4 AND f.day <= $5 AND f.day < $7
                 AND ($1 OR f.hospital_id = $2 OR f.kab_kota_code = $3)
               GROUP BY 1, 2, 3, 4, 5
           )
           SELECT x.milestone AS "milestone!", coalesce(k.code, h.code, '') AS "group_code!",
                  coalesce(k.name, h.name, '') AS "group_name!",
                  x.service_type AS "service_type!", x.days AS "days!", x.n AS "n!"
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
    .await
}

/// The guarantees and handovers of the scope in the instants `since..until` (`until`: `None`
/// for up to now; `since` at or after the watermark) on the WITA days `from..=to`, counted
/// live per milestone × group × service type × day registered × day reached.
pub async fn live(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    (from, to): (NaiveDate, NaiveDate),
    (since, until): (DateTime<Utc>, Option<DateTime<Utc>>),
    group: GroupBy,
) -> sqlx::Result<Vec<MilestoneCount>> {
    sqlx::query_as!(
        MilestoneCount,
        r#"WITH e AS (
               SELECT (e.at AT TIME ZONE 'Asia/Makassar')::date AS day, e.milestone,
                      e.kab_kota_code, e.hospital_id, e.service_type,
                      (e.registered_at AT TIME ZONE 'Asia/Makassar')::date AS registered_day
               FROM case_milestone_events e
               WHERE e.at >= $7 AND e.at < coalesce($8::timestamptz, 'infinity')
                 AND ($1 OR e.hospital_id = $2 OR e.kab_kota_code = $3)
           ),
           x AS (
               SELECT e.milestone,
                      CASE WHEN $6 = 'kab' THEN e.kab_kota_code END AS kab_kota_code,
                      CASE WHEN $6 = 'rs' THEN e.hospital_id END AS hospital_id,
                      e.service_type, e.registered_day, e.day, count(*) AS n
               FROM e
               WHERE e.day >= $4 AND e.day <= $5
               GROUP BY 1, 2, 3, 4, 5, 6
           )
           SELECT x.milestone AS "milestone!", coalesce(k.code, h.code, '') AS "group_code!",
                  coalesce(k.name, h.name, '') AS "group_name!",
                  x.service_type AS "service_type!",
                  x.registered_day AS "registered_day!: NaiveDate",
                  x.day AS "day!: NaiveDate", x.n AS "n!"
           FROM x
           LEFT JOIN kab_kota k ON k.code = x.kab_kota_code
           LEFT JOIN hospitals h ON h.id = x.hospital_id"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        from as _,
        to as _,
        group.code(),
        since as _,
        until as _,
    )
    .fetch_all(db)
    .await
}
