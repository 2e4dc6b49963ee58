//! Idempotency keys (`idempotency_keys`): a user's key for one state-changing request, claimed
//! and answered inside the request's own transaction (see [`crate::cases::idempotency`]).

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// A key as it was used: what the request asked and the answer it got.
#[derive(Debug, Clone)]
pub struct UsedKey {
    pub fingerprint: Vec<u8>,
    pub status: Option<i16>,
    pub answer: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

/// Claims `key` for `user_id` in the caller's transaction: true when this transaction now holds
/// it (a new key, or one older than `expired_before`, which is taken as new). While another
/// transaction holds the key, the insert waits on the primary key until that one ends; false
/// when the key stays someone else's (then [`used`] reads what it answered).
pub async fn claim(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    key: &str,
    fingerprint: &[u8],
    now: DateTime<Utc>,
    expired_before: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let claimed = sqlx::query_scalar!(
        "INSERT INTO idempotency_keys (user_id, key, fingerprint, created_at) \
         VALUES ($1, $2, $3, $4::timestamptz) \
         ON CONFLICT (user_id, key) DO UPDATE \
         SET fingerprint = EXCLUDED.fingerprint, created_at = EXCLUDED.created_at, \
             status = NULL, answer = NULL \
         WHERE idempotency_keys.created_at < $5::timestamptz \
         RETURNING true",
        user_id,
        key,
        fingerprint,
        now as _,
        expired_before as _,
    )
    .fetch_optional(db)
    .await?;
    Ok(claimed.is_some())
}

/// What `key` of `user_id` was used for, if it is stored.
pub async fn used(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    key: &str,
) -> sqlx::Result<Option<UsedKey>> {
    sqlx::query_as!(
        UsedKey,
        r#"SELECT fingerprint, status, answer, created_at AS "created_at: DateTime<Utc>"
           FROM idempotency_keys WHERE user_id = $1 AND key = $2"#,
        user_id,
        key,
    )
    .fetch_optional(db)
    .await
}

/// Stores the answer of the request that claimed `key` (in its transaction).
pub async fn answer(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    key: &str,
    status: i16,
    answer: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE idempotency_keys SET status = $3, answer = $4 WHERE user_id = $1 AND key = $2",
        user_id,
        key,
        status,
        answer,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes the keys made before `before`; returns how many.
pub async fn prune(db: impl PgExecutor<'_>, before: DateTime<Utc>) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "DELETE FROM idempotency_keys WHERE created_at < $1::timestamptz",
        before as _,
    )
    .execute(db)
    .await?
    .rows_affected())
}
