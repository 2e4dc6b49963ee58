//! Reports (`reports`): the monthly recap of a hospital and the quarterly provincial report, one
//! row per version. A draft's narrative is saved against its revision; finalising stores the
//! figures and freezes the row (a trigger refuses any later change); a correction is a new row
//! with the next version and its reason. Statements per purpose, each naming the state it
//! expects, so a refused change touches nothing.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::PgExecutor;
use uuid::Uuid;

use super::cases::Code;
use crate::domain::report::{Narrative, ReportKind, ReportStatus};

/// One version of a report, with the names a page shows.
#[derive(Debug, Clone)]
pub struct ReportRow {
    pub id: Uuid,
    pub kind: Code<ReportKind>,
    pub hospital_id: Option<Uuid>,
    pub hospital_code: Option<String>,
    pub hospital_name: Option<String>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub version: i32,
    pub status: Code<ReportStatus>,
    pub revision: i32,
    pub problems: String,
    pub follow_up: String,
    pub recommendations: String,
    pub reopen_reason: Option<String>,
    /// The figures stored when the report was finalised.
    pub figures: Option<Value>,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_by_name: String,
    pub updated_at: DateTime<Utc>,
    pub finalised_by_name: Option<String>,
    pub finalised_at: Option<DateTime<Utc>>,
    /// Whether some version of the same report (kind, hospital, period) is final.
    pub delivered: bool,
}

/// A row as read, codes as text.
struct ReportRecord {
    id: Uuid,
    kind: String,
    hospital_id: Option<Uuid>,
    hospital_code: Option<String>,
    hospital_name: Option<String>,
    period_start: NaiveDate,
    period_end: NaiveDate,
    version: i32,
    status: String,
    revision: i32,
    problems: String,
    follow_up: String,
    recommendations: String,
    reopen_reason: Option<String>,
    figures: Option<Value>,
    created_by_name: String,
    created_at: DateTime<Utc>,
    updated_by_name: String,
    updated_at: DateTime<Utc>,
    finalised_by_name: Option<String>,
    finalised_at: Option<DateTime<Utc>>,
    delivered: bool,
}

impl TryFrom<ReportRecord> for ReportRow {
    type Error = sqlx::Error;
    fn try_from(r: ReportRecord) -> sqlx::Result<ReportRow> {
        let decode = |e: String| sqlx::Error::Decode(e.into());
        Ok(ReportRow {
            id: r.id,
            kind: Code::try_from(r.kind).map_err(decode)?,
            hospital_id: r.hospital_id,
            hospital_code: r.hospital_code,
            hospital_name: r.hospital_name,
            period_start: r.period_start,
            period_end: r.period_end,
            version: r.version,
            status: Code::try_from(r.status).map_err(decode)?,
            revision: r.revision,
            problems: r.problems,
            follow_up: r.follow_up,
            recommendations: r.recommendations,
            reopen_reason: r.reopen_reason,
            figures: r.figures,
            created_by_name: r.created_by_name,
            created_at: r.created_at,
            updated_by_name: r.updated_by_name,
            updated_at: r.updated_at,
            finalised_by_name: r.finalised_by_name,
            finalised_at: r.finalised_at,
            delivered: r.delivered,
        })
    }
}

impl ReportRow {
    /// The narrative as stored.
    pub fn narrative(&self) -> Narrative {
        Narrative {
            problems: self.problems.clone(),
            follow_up: self.follow_up.clone(),
            recommendations: self.recommendations.clone(),
        }
    }
}

/// Which reports a list holds: the quarterly ones when `quarterly`, and the monthly recaps of
/// every hospital (`all_monthly`) or of one (`hospital_id`).
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub quarterly: bool,
    pub all_monthly: bool,
    pub hospital_id: Option<Uuid>,
}

/// `query_as!` of [`ReportRow`] with the condition (and order) `$where` and its arguments.
macro_rules! select_reports {
    ($where:tt $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            ReportRecord,
            r#"SELECT r.id, r.kind, r.hospital_id, h.code AS "hospital_code?",
                 h.name AS "hospital_name?",
                 r.period_start AS "period_start: NaiveDate", r.period_end AS "period_end: NaiveDate",
                 r.version, r.status, r.revision, r.problems, r.follow_up,
                 r.recommendations, r.reopen_reason, r.figures,
                 cu.display_name AS created_by_name, r.created_at AS "created_at: DateTime<Utc>",
                 uu.display_name AS updated_by_name, r.updated_at AS "updated_at: DateTime<Utc>",
                 fu.display_name AS "finalised_by_name?",
                 r.finalised_at AS "finalised_at: DateTime<Utc>",
                 EXISTS (SELECT 1 FROM reports o
                         WHERE o.kind = r.kind AND o.hospital_id IS NOT DISTINCT FROM r.hospital_id
                           AND o.period_start = r.period_start AND o.status = 'final')
                   AS "delivered!"
               FROM reports r
               LEFT JOIN hospitals h ON h.id = r.hospital_id
               JOIN users cu ON cu.id = r.created_by
               JOIN users uu ON uu.id = r.updated_by
               LEFT JOIN users fu ON fu.id = r.finalised_by "# + $where
            $(, $arg)*
        )
    };
}

/// One version by id.
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<ReportRow>> {
    select_reports!("WHERE r.id = $1", id)
        .fetch_optional(db)
        .await?
        .map(ReportRow::try_from)
        .transpose()
}

/// Every version of the report (kind, hospital, period), newest first.
pub async fn versions(
    db: impl PgExecutor<'_>,
    kind: ReportKind,
    hospital_id: Option<Uuid>,
    period_start: NaiveDate,
) -> sqlx::Result<Vec<ReportRow>> {
    select_reports!(
        "WHERE r.kind = $1 AND r.hospital_id IS NOT DISTINCT FROM $2 AND r.period_start = $3
         ORDER BY r.version DESC",
        kind.as_str(),
        hospital_id,
        period_start as _,
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(ReportRow::try_from)
    .collect()
}

/// The reports of a filter, newest period first, then kind, hospital and version (newest
/// first). Reports are few (a dozen hospitals × twelve months a year), so the list is whole.
pub async fn list(db: impl PgExecutor<'_>, filter: &ReportFilter) -> sqlx::Result<Vec<ReportRow>> {
    select_reports!(
        "WHERE (r.kind = 'triwulan' AND $1) OR (r.kind = 'bulanan' AND ($2 OR r.hospital_id = $3))
         ORDER BY r.period_start DESC, r.kind DESC, h.name, r.version DESC",
        filter.quarterly,
        filter.all_monthly,
        filter.hospital_id,
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(ReportRow::try_from)
    .collect()
}

/// A new report version to insert.
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    pub kind: ReportKind,
    pub hospital_id: Option<Uuid>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub version: i32,
    pub reopen_reason: Option<&'a str>,
    pub narrative: &'a Narrative,
    pub by: Uuid,
    pub at: DateTime<Utc>,
}

/// Inserts a draft; `None` when that version, or a draft of the same report, exists already
/// (someone else was first).
pub async fn insert(db: impl PgExecutor<'_>, r: &NewReport<'_>) -> sqlx::Result<Option<Uuid>> {
    let inserted = sqlx::query_scalar!(
        "INSERT INTO reports (kind, hospital_id, period_start, period_end, version, reopen_reason,
                              problems, follow_up, recommendations,
                              created_by, created_at, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $11)
         RETURNING id",
        r.kind.as_str(),
        r.hospital_id,
        r.period_start as _,
        r.period_end as _,
        r.version,
        r.reopen_reason,
        r.narrative.problems,
        r.narrative.follow_up,
        r.narrative.recommendations,
        r.by,
        r.at as _,
    )
    .fetch_one(db)
    .await;
    match inserted {
        Ok(id) => Ok(Some(id)),
        Err(e)
            if super::is_constraint(&e, "reports_version_key")
                || super::is_constraint(&e, "reports_one_draft_key") =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Saves a draft's narrative if the draft is still at `revision`; false otherwise (finalised,
/// or saved by someone else meanwhile).
pub async fn save_narrative(
    db: impl PgExecutor<'_>,
    id: Uuid,
    revision: i32,
    narrative: &Narrative,
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE reports
         SET problems = $3, follow_up = $4, recommendations = $5,
             revision = revision + 1, updated_by = $6, updated_at = $7
         WHERE id = $1 AND revision = $2 AND status = 'draft'",
        id,
        revision,
        narrative.problems,
        narrative.follow_up,
        narrative.recommendations,
        by,
        at as _,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Finalises a draft at `revision` with its `figures`; false when it is no longer that draft.
pub async fn finalise(
    db: impl PgExecutor<'_>,
    id: Uuid,
    revision: i32,
    figures: &Value,
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE reports
         SET status = 'final', figures = $3, finalised_by = $4, finalised_at = $5,
             revision = revision + 1, updated_by = $4, updated_at = $5
         WHERE id = $1 AND revision = $2 AND status = 'draft'",
        id,
        revision,
        figures,
        by,
        at as _,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
