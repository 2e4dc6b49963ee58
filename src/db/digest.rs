//! What the daily digest counts, within a scope: the arrivals at a set of desks since an
//! instant, the cases registered or handed over in a period, and the open cases per state
//! with how many are overdue. Case numbers only: the digest can be e-mailed.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::cases::ScopeFilter;

/// A case the digest names: its id (for the link), number and current state code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberedCase {
    pub id: Uuid,
    pub number: String,
    pub state: String,
}

/// The cases in scope that arrived at one of `states` at or after `since` (one line per case,
/// its latest arrival), newest first.
pub async fn arrivals(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    states: &[String],
    since: DateTime<Utc>,
) -> sqlx::Result<Vec<NumberedCase>> {
    sqlx::query_as!(
        NumberedCase,
        r#"SELECT id AS "id!", number AS "number!", state AS "state!" FROM (
             SELECT DISTINCT ON (c.id) c.id, c.number, s.state::text AS state, s.entered_at
             FROM desk_stays s JOIN cases c ON c.id = s.case_id
             WHERE s.entered_at >= $4 AND s.state::text = ANY($5)
               AND ($1 OR s.hospital_id = $2 OR s.domicile_kab_kota_code = $3)
             ORDER BY c.id, s.entered_at DESC
           ) a
           ORDER BY entered_at DESC, number"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        since as _,
        states,
    )
    .fetch_all(db)
    .await
}

/// The cases in scope registered in `[from, to)`, oldest first.
pub async fn registered(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<NumberedCase>> {
    sqlx::query_as!(
        NumberedCase,
        r#"SELECT c.id, c.number, c.state::text AS "state!"
           FROM cases c
           WHERE c.created_at >= $4 AND c.created_at < $5
             AND ($1 OR c.hospital_id = $2 OR c.domicile_kab_kota_code = $3)
           ORDER BY c.created_at, c.number"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        from as _,
        to as _,
    )
    .fetch_all(db)
    .await
}

/// The cases in scope handed over to national insurance in `[from, to)`, oldest first.
pub async fn handed_over(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<NumberedCase>> {
    sqlx::query_as!(
        NumberedCase,
        r#"SELECT c.id, c.number, c.state::text AS "state!"
           FROM cases c
           WHERE c.state = 'handed_over' AND c.closed_at >= $4 AND c.closed_at < $5
             AND ($1 OR c.hospital_id = $2 OR c.domicile_kab_kota_code = $3)
           ORDER BY c.closed_at, c.number"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        from as _,
        to as _,
    )
    .fetch_all(db)
    .await
}

/// Open cases in one state, and how many of them are past their due date on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenInState {
    pub state: String,
    pub open: i64,
    pub overdue: i64,
}

/// Open cases in scope per state, and of those the ones whose due date is before `today`
/// (the lists' "terlambat").
pub async fn open_per_state(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    today: NaiveDate,
) -> sqlx::Result<Vec<OpenInState>> {
    sqlx::query_as!(
        OpenInState,
        r#"SELECT c.state::text AS "state!", count(*) AS "open!",
                  count(*) FILTER (WHERE c.sla_due_date < $4) AS "overdue!"
           FROM cases c
           WHERE c.state NOT IN ('handed_over', 'rejected', 'withdrawn')
             AND ($1 OR c.hospital_id = $2 OR c.domicile_kab_kota_code = $3)
           GROUP BY c.state"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        today as _,
    )
    .fetch_all(db)
    .await
}
