//! Family status codes (`case_status_codes`: the SHA-256 of each code, who issued it, when it
//! was revoked) and the daily lookup counts of the public status page
//! (`status_lookup_counts`: day × outcome, nothing else).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::cases::Code;
use crate::domain::CaseState;

/// The code in force of a case, as its hospital's page shows it (never the code itself).
#[derive(Debug, Clone)]
pub struct ActiveCode {
    pub id: Uuid,
    pub issued_at: DateTime<Utc>,
    /// Display name of the PIC who issued it.
    pub issued_by: String,
}

/// The code in force of `case_id`, if any.
pub async fn active_for_case(
    db: impl PgExecutor<'_>,
    case_id: Uuid,
) -> sqlx::Result<Option<ActiveCode>> {
    sqlx::query_as!(
        ActiveCode,
        r#"SELECT s.id, s.issued_at AS "issued_at: _", u.display_name AS issued_by
             FROM case_status_codes s JOIN users u ON u.id = s.issued_by
            WHERE s.case_id = $1 AND s.revoked_at IS NULL"#,
        case_id
    )
    .fetch_optional(db)
    .await
}

/// The id of the code in force of `case_id`, locked until the transaction ends (with the case
/// row locked by the caller first, two PICs issuing at once queue there).
pub async fn lock_active(db: impl PgExecutor<'_>, case_id: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "SELECT id FROM case_status_codes WHERE case_id = $1 AND revoked_at IS NULL FOR UPDATE",
        case_id
    )
    .fetch_optional(db)
    .await
}

/// Revokes the code `id` (if still in force); true when it was.
pub async fn revoke(
    db: impl PgExecutor<'_>,
    id: Uuid,
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE case_status_codes SET revoked_at = $3, revoked_by = $2 \
          WHERE id = $1 AND revoked_at IS NULL",
        id,
        by,
        at as _
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a new code (its hash) for `case_id`; returns its id.
pub async fn insert(
    db: impl PgExecutor<'_>,
    case_id: Uuid,
    code_hash: &[u8],
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "INSERT INTO case_status_codes (case_id, code_hash, issued_at, issued_by) \
         VALUES ($1, $2, $3, $4) RETURNING id",
        case_id,
        code_hash,
        at as _,
        by
    )
    .fetch_one(db)
    .await
}

/// What a code's hash leads to: the state of its case and since when, or that it was revoked.
#[derive(Debug, Clone)]
pub struct CodeTarget {
    pub revoked: bool,
    pub state: Code<CaseState>,
    pub state_entered_at: DateTime<Utc>,
}

/// The case behind `code_hash` (one probe of a unique index).
pub async fn by_hash(
    db: impl PgExecutor<'_>,
    code_hash: &[u8],
) -> sqlx::Result<Option<CodeTarget>> {
    let row = sqlx::query!(
        r#"SELECT s.revoked_at IS NOT NULL AS "revoked!", c.state::text AS "state!",
                  c.state_entered_at AS "state_entered_at: DateTime<Utc>"
             FROM case_status_codes s JOIN cases c ON c.id = s.case_id
            WHERE s.code_hash = $1"#,
        code_hash
    )
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(CodeTarget {
            revoked: r.revoked,
            state: Code::try_from(r.state).map_err(|e| sqlx::Error::Decode(e.into()))?,
            state_entered_at: r.state_entered_at,
        })
    })
    .transpose()
}

/// Adds one lookup with `outcome` (`found`, `unknown`, `revoked`, `throttled`) to `day`.
pub async fn count_lookup(
    db: impl PgExecutor<'_>,
    day: NaiveDate,
    outcome: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO status_lookup_counts (day, outcome, count) VALUES ($1, $2, 1) \
         ON CONFLICT (day, outcome) DO UPDATE SET count = status_lookup_counts.count + 1",
        day as _,
        outcome
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The counts of one day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayCounts {
    pub day: NaiveDate,
    pub found: i64,
    pub unknown: i64,
    pub revoked: i64,
    pub throttled: i64,
}

/// The counts of every day from `from` to `to` (both included) with at least one lookup,
/// newest first.
pub async fn counts(
    db: impl PgExecutor<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<DayCounts>> {
    sqlx::query_as!(
        DayCounts,
        r#"SELECT day AS "day: _",
                  coalesce(sum(count) FILTER (WHERE outcome = 'found'), 0)::bigint AS "found!",
                  coalesce(sum(count) FILTER (WHERE outcome = 'unknown'), 0)::bigint AS "unknown!",
                  coalesce(sum(count) FILTER (WHERE outcome = 'revoked'), 0)::bigint AS "revoked!",
                  coalesce(sum(count) FILTER (WHERE outcome = 'throttled'), 0)::bigint
                      AS "throttled!"
             FROM status_lookup_counts
            WHERE day BETWEEN $1 AND $2
            GROUP BY day
            ORDER BY day DESC"#,
        from as _,
        to as _
    )
    .fetch_all(db)
    .await
}
