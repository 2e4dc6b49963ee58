//! The per-account sign-in throttle's counters (`sign_in_throttle`); the rule is in
//! [`crate::auth::throttle`].

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// The streak of attempts on one account name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub failures: i32,
    pub last_failure_at: DateTime<Utc>,
    pub blocked_until: Option<DateTime<Utc>>,
}

/// Deletes the counters whose last failure is before `before` (their streak is over).
pub async fn prune(db: impl PgExecutor<'_>, before: DateTime<Utc>) -> sqlx::Result<u64> {
    let r = sqlx::query!(
        "DELETE FROM sign_in_throttle WHERE last_failure_at < $1",
        before as _
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}

/// The counter of `key`, locked until the end of the transaction (created empty when there is
/// none, so that two first attempts at once do not both start from nothing).
pub async fn lock(tx: &mut PgConnection, key: &[u8], now: DateTime<Utc>) -> sqlx::Result<Counter> {
    sqlx::query!(
        "INSERT INTO sign_in_throttle (username_key, failures, last_failure_at) \
         VALUES ($1, 0, $2) ON CONFLICT (username_key) DO NOTHING",
        key,
        now as _,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query_as!(
        Counter,
        r#"SELECT failures, last_failure_at AS "last_failure_at: DateTime<Utc>",
                  blocked_until AS "blocked_until: DateTime<Utc>"
           FROM sign_in_throttle WHERE username_key = $1 FOR UPDATE"#,
        key,
    )
    .fetch_one(&mut *tx)
    .await
}

/// Stores the counter of `key` (locked by [`lock`]).
pub async fn store(tx: &mut PgConnection, key: &[u8], counter: &Counter) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE sign_in_throttle SET failures = $2, last_failure_at = $3, blocked_until = $4 \
         WHERE username_key = $1",
        key,
        counter.failures,
        counter.last_failure_at as _,
        counter.blocked_until as _,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Forgets the streak of `key` (after a successful password check).
pub async fn clear(db: impl PgExecutor<'_>, key: &[u8]) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM sign_in_throttle WHERE username_key = $1", key)
        .execute(db)
        .await?;
    Ok(())
}
