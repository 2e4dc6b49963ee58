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

/// A user told of an event by [`fan_out`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipient {
    pub user_id: Uuid,
    /// Whether an in-app notification was written (the user's `in_app` choice for the kind).
    pub in_app: bool,
    /// Whether the user wants this kind by e-mail and has an address to send it to.
    pub by_email: bool,
}

/// Tells the active users of `desk` whose scope covers the case that it entered `state`
/// (kind `kind`), never `actor`: an in-app row for each one whose choice for the kind keeps
/// the in-app channel on, and every such user returned with their channels, so the caller can
/// enqueue the e-mails in the same transaction. A user's scope is the hospital or kab/kota on
/// their row (the `users_scope_fits_role` constraint gives each role exactly its own), so a
/// provincial user, who has neither, covers every case. The choices are read from the view
/// `effective_notification_preferences`, which holds the defaults.
pub async fn fan_out(
    conn: &mut sqlx::PgConnection,
    case_id: Uuid,
    desk: Role,
    state: CaseState,
    kind: &str,
    actor: Option<Uuid>,
    at: DateTime<Utc>,
) -> sqlx::Result<Vec<Recipient>> {
    // The recipients and the in-app notifications in one statement: the INSERT runs to
    // completion whether or not the SELECT reads what it wrote.
    sqlx::query_as!(
        Recipient,
        r#"WITH recipients AS (
               SELECT u.id AS user_id, p.in_app, (p.email AND u.email IS NOT NULL) AS by_email
               FROM cases c
               JOIN users u ON u.role = $2::text::user_role
               JOIN effective_notification_preferences p ON p.user_id = u.id AND p.kind = $3
               WHERE c.id = $1 AND u.active AND u.id IS DISTINCT FROM $4
                 AND (u.hospital_id IS NULL OR u.hospital_id = c.hospital_id)
                 AND (u.kab_kota_code IS NULL OR u.kab_kota_code = c.domicile_kab_kota_code)
           ), told AS (
               INSERT INTO notifications (user_id, case_id, kind, state, created_at)
               SELECT r.user_id, $1, $3, $5::text::case_state, $6 FROM recipients r
               WHERE r.in_app
           )
           SELECT user_id AS "user_id!", in_app AS "in_app!", by_email AS "by_email!"
           FROM recipients ORDER BY user_id"#,
        case_id,
        desk.as_str(),
        kind,
        actor,
        state.as_str(),
        at as _,
    )
    .fetch_all(&mut *conn)
    .await
}

/// The header shows at most this many unread notifications ("99+" beyond).
pub const UNREAD_SHOWN: i64 = 99;

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
