//! In-app notifications: the fan-out written with a transition, the unread count of the
//! header and the list of `/notifikasi`. Every read and write names the user, so one user
//! never sees or marks another's notifications.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::{CaseState, Role};

/// A notification as the list shows it: the case number and the state the case entered, no
/// personal data.
#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub case_number: String,
    pub kind: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Notifies the active users of `desk` whose scope covers the case that it entered `state`:
/// one row each, kind `kind`, never for `actor`. A user's scope is the hospital or kab/kota
/// on their row (the `users_scope_fits_role` constraint gives each role exactly its own), so
/// a provincial user, who has neither, covers every case. Returns how many were written.
pub async fn fan_out(
    db: impl PgExecutor<'_>,
    case_id: Uuid,
    desk: Role,
    state: CaseState,
    kind: &str,
    actor: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "INSERT INTO notifications (user_id, case_id, kind, state, created_at) \
         SELECT u.id, c.id, $3, $4::text::case_state, $6 \
         FROM cases c JOIN users u ON u.role = $2::text::user_role \
         WHERE c.id = $1 AND u.active AND u.id <> $5 \
           AND (u.hospital_id IS NULL OR u.hospital_id = c.hospital_id) \
           AND (u.kab_kota_code IS NULL OR u.kab_kota_code = c.domicile_kab_kota_code)",
        case_id,
        desk.as_str(),
        kind,
        state.as_str(),
        actor,
        at as _,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// How many notifications of a user are unread (the partial index answers it).
pub async fn unread_count(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM notifications WHERE user_id = $1 AND read_at IS NULL"#,
        user_id
    )
    .fetch_one(db)
    .await
}

/// A user's latest notifications, newest first.
pub async fn list(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<NotificationRow>> {
    sqlx::query_as!(
        NotificationRow,
        r#"SELECT n.id, n.case_id, c.number AS case_number, n.kind, n.state::text AS "state!",
                  n.created_at AS "created_at: DateTime<Utc>",
                  n.read_at AS "read_at: DateTime<Utc>"
           FROM notifications n JOIN cases c ON c.id = n.case_id
           WHERE n.user_id = $1
           ORDER BY n.created_at DESC, n.id
           LIMIT $2"#,
        user_id,
        limit
    )
    .fetch_all(db)
    .await
}

/// Marks every unread notification of a user read; returns how many.
pub async fn mark_all_read(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL",
        user_id,
        at as _,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Marks one notification of this user read and returns its case; `None` when the id is not
/// one of the user's notifications.
pub async fn open(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    id: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "UPDATE notifications SET read_at = coalesce(read_at, $3) \
         WHERE id = $2 AND user_id = $1 RETURNING case_id",
        user_id,
        id,
        at as _,
    )
    .fetch_optional(db)
    .await
}
