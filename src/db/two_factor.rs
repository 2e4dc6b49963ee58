//! Second factor and account recovery: TOTP secrets, recovery codes, activation codes and the
//! notices shown at the next sign-in. Codes are stored as hashes only
//! ([`crate::auth::totp::one_time_code_hash`]); times come from the caller's clock.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// A user's TOTP secret.
#[derive(Debug, Clone)]
pub struct TotpRow {
    pub secret: Vec<u8>,
    /// Enrolment confirmed with a code: sign-in asks for codes.
    pub confirmed: bool,
}

/// The user's TOTP secret, confirmed or not.
pub async fn totp_of(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<Option<TotpRow>> {
    sqlx::query_as!(
        TotpRow,
        r#"SELECT secret, confirmed_at IS NOT NULL AS "confirmed!"
           FROM user_totp WHERE user_id = $1"#,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Begins an enrolment with `secret` unless one is already begun (the page shows the same
/// secret until it is confirmed); returns the secret in force.
pub async fn begin_enrolment(
    db: &mut PgConnection,
    user_id: Uuid,
    secret: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<TotpRow> {
    sqlx::query!(
        "INSERT INTO user_totp (user_id, secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO NOTHING",
        user_id,
        secret,
        now as _
    )
    .execute(&mut *db)
    .await?;
    sqlx::query_as!(
        TotpRow,
        r#"SELECT secret, confirmed_at IS NOT NULL AS "confirmed!"
           FROM user_totp WHERE user_id = $1"#,
        user_id
    )
    .fetch_one(&mut *db)
    .await
}

/// Confirms a begun enrolment with the step of the code that proved it (that step is used).
pub async fn confirm(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    step: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE user_totp SET confirmed_at = $3, last_step = $2 \
         WHERE user_id = $1 AND confirmed_at IS NULL",
        user_id,
        step,
        now as _
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Records `step` as used; false when it (or a later one) was used already, so that no code
/// is accepted twice, even by two requests at once.
pub async fn use_step(db: impl PgExecutor<'_>, user_id: Uuid, step: i64) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE user_totp SET last_step = $2 \
         WHERE user_id = $1 AND confirmed_at IS NOT NULL \
           AND (last_step IS NULL OR last_step < $2)",
        user_id,
        step
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Stores a confirmed secret at once (the demo's users and the tests' users of the roles that
/// must use a second factor), replacing any other.
pub async fn set_confirmed(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    secret: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO user_totp (user_id, secret, confirmed_at, created_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (user_id) DO UPDATE SET secret = $2, confirmed_at = $3, last_step = NULL",
        user_id,
        secret,
        now as _
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Removes the second factor and the recovery codes.
pub async fn disable(db: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM recovery_codes WHERE user_id = $1", user_id)
        .execute(&mut *db)
        .await?;
    sqlx::query!("DELETE FROM user_totp WHERE user_id = $1", user_id)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Replaces the user's recovery codes with these hashes.
pub async fn replace_recovery_codes(
    db: &mut PgConnection,
    user_id: Uuid,
    hashes: &[Vec<u8>],
) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM recovery_codes WHERE user_id = $1", user_id)
        .execute(&mut *db)
        .await?;
    sqlx::query!(
        "INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, h FROM unnest($2::bytea[]) h",
        user_id,
        hashes
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Uses the recovery code with this hash; false when there is none unused.
pub async fn use_recovery_code(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE recovery_codes SET used_at = $3 \
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        user_id,
        hash,
        now as _
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Unused recovery codes left.
pub async fn recovery_codes_left(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL"#,
        user_id
    )
    .fetch_one(db)
    .await
}

/// Stores a new activation code's hash for the user, replacing any earlier code.
pub async fn issue_activation(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    hash: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO activation_codes (user_id, code_hash, issued_at, expires_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE \
         SET code_hash = $2, issued_at = $3, expires_at = $4, used_at = NULL",
        user_id,
        hash,
        now as _,
        expires_at as _
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Uses the activation code of the active user `username` whose hash is `hash`, if it is
/// unused and not expired at `now`; the user's id, or `None` (the same for every reason).
pub async fn use_activation(
    db: impl PgExecutor<'_>,
    username: &str,
    hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "UPDATE activation_codes a SET used_at = $3 FROM users u \
         WHERE a.user_id = u.id AND lower(u.username) = lower($1) AND u.active \
           AND a.code_hash = $2 AND a.used_at IS NULL AND a.expires_at > $3 \
         RETURNING a.user_id",
        username,
        hash,
        now as _
    )
    .fetch_optional(db)
    .await
}

/// A notice for the user's next sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// `reset` or `email_changed`.
    pub kind: String,
    pub actor_role: String,
    pub created_at: DateTime<Utc>,
}

/// Leaves a notice for the user's next sign-in.
pub async fn add_notice(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    kind: &str,
    actor_role: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO account_notices (user_id, kind, actor_role, created_at) \
         VALUES ($1, $2, $3, $4)",
        user_id,
        kind,
        actor_role,
        now as _
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The notices not shown yet, oldest first, marked shown.
pub async fn take_notices(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<Notice>> {
    let mut notices = sqlx::query_as!(
        Notice,
        r#"UPDATE account_notices SET shown_at = $2
           WHERE user_id = $1 AND shown_at IS NULL
           RETURNING kind, actor_role, created_at AS "created_at: DateTime<Utc>""#,
        user_id,
        now as _
    )
    .fetch_all(db)
    .await?;
    notices.sort_by_key(|n| n.created_at);
    Ok(notices)
}

/// True when an administrator changed the user's e-mail address and the user has not signed
/// in since to see it: such an address does not receive an activation code (an administrator
/// could otherwise send a reset to an address of their own).
pub async fn email_changed_unseen(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM account_notices
                          WHERE user_id = $1 AND kind = 'email_changed' AND shown_at IS NULL)
           AS "unseen!""#,
        user_id
    )
    .fetch_one(db)
    .await
}
