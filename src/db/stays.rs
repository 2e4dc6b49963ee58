//! Desk stays: the spells a case spends at each desk (every non-terminal state), one row each,
//! opened and closed in the transaction of the transition that moves the case. Figures about
//! time at desks read these rows; working days are computed by the reader from the holiday
//! table (`domain::sla`), never stored, so a holiday entered later counts everywhere at once.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::cases::Code;
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

/// Opens a stay of the case at the desk of `state` from `at`, with the case's current domicile
/// and hospital. Call [`leave`] first: a case has at most one open stay (a unique index says
/// so). Terminal states have no desk, and so no stay: nothing is written for them.
pub async fn enter(
    db: impl PgExecutor<'_>,
    case_id: Uuid,
    state: CaseState,
    at: DateTime<Utc>,
    sla_due_date: Option<NaiveDate>,
) -> sqlx::Result<()> {
    if state.is_terminal() {
        return Ok(());
    }
    sqlx::query!(
        "INSERT INTO desk_stays \
           (case_id, state, domicile_kab_kota_code, hospital_id, entered_at, sla_due_date) \
         SELECT id, $2::text::case_state, domicile_kab_kota_code, hospital_id, $3, $4 \
         FROM cases WHERE id = $1",
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
/// the hospital's desk says where the case belonged all along.
pub async fn rescope_open(db: impl PgExecutor<'_>, case_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE desk_stays s \
         SET domicile_kab_kota_code = c.domicile_kab_kota_code, hospital_id = c.hospital_id \
         FROM cases c WHERE c.id = s.case_id AND s.case_id = $1 AND s.left_at IS NULL",
        case_id,
    )
    .execute(db)
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

/// The stays in the scope that overlap `[from, to)`: closed within it, or still open.
pub async fn in_period(
    db: impl PgExecutor<'_>,
    scope: &super::cases::ScopeFilter,
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
           ORDER BY s.state, s.domicile_kab_kota_code, s.entered_at"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        from as _,
        to as _,
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
