//! Notification preferences: what each user chose per kind of notification and channel. Read
//! from the view `effective_notification_preferences`, which holds the defaults (a kind the
//! user never saved shows them); saving writes a row per kind, so from then on the user's
//! choice holds whatever the defaults become.

use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::domain::NotificationKind;

/// The choice in force for one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preference {
    pub kind: NotificationKind,
    /// Shown in the application (`/notifikasi`); always false for the digest.
    pub in_app: bool,
    /// Sent by e-mail (when the user has an address and the server has e-mail configured).
    pub email: bool,
}

/// Every kind's choice in force for a user, in the view's kind order (unknown kinds, which
/// the view cannot produce, are skipped).
pub async fn effective(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<Vec<Preference>> {
    let rows = sqlx::query!(
        r#"SELECT kind AS "kind!", in_app AS "in_app!", email AS "email!"
           FROM effective_notification_preferences
           WHERE user_id = $1"#,
        user_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Preference {
                kind: r.kind.parse().ok()?,
                in_app: r.in_app,
                email: r.email,
            })
        })
        .collect())
}

/// Stores the user's choices, one row per kind (inserted or replaced). Call inside a
/// transaction so that a page's choices are saved together or not at all. The digest's
/// in-app channel is stored as false whatever is passed: it has none.
pub async fn save(
    conn: &mut PgConnection,
    user_id: Uuid,
    choices: &[Preference],
) -> sqlx::Result<()> {
    for p in choices {
        sqlx::query!(
            "INSERT INTO notification_preferences (user_id, kind, in_app, email) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, kind) DO UPDATE \
             SET in_app = EXCLUDED.in_app, email = EXCLUDED.email",
            user_id,
            p.kind.as_str(),
            p.in_app && p.kind.has_in_app(),
            p.email,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The active case-role users who chose the daily digest by e-mail and have an address.
pub async fn digest_email_recipients(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        r#"SELECT u.id
           FROM users u
           JOIN effective_notification_preferences p ON p.user_id = u.id AND p.kind = 'digest'
           WHERE u.active AND p.email AND u.email IS NOT NULL AND u.role <> 'admin'
           ORDER BY u.id"#
    )
    .fetch_all(db)
    .await
}

/// Whether `user_id` still wants `kind` by e-mail (the choice may have changed since an e-mail
/// was enqueued).
pub async fn wants_email(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    kind: NotificationKind,
) -> sqlx::Result<bool> {
    let wants = sqlx::query_scalar!(
        r#"SELECT email AS "email!" FROM effective_notification_preferences
           WHERE user_id = $1 AND kind = $2"#,
        user_id,
        kind.as_str()
    )
    .fetch_optional(db)
    .await?;
    Ok(wants.unwrap_or(false))
}
