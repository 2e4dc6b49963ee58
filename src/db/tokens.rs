//! Personal API tokens (stored as SHA-256 hashes), each with an expiry date chosen at creation.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// A token as listed to its owner (never the token itself).
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Stores a new token hash, made at `now` (the app clock) and valid until `expires_at`.
pub async fn insert(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    name: &str,
    hash: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        user_id,
        name,
        hash,
        now as _,
        expires_at as _,
    )
    .fetch_one(db)
    .await
}

/// The tokens of a user, newest first.
pub async fn list_for_user(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as!(
        TokenRow,
        r#"SELECT id, name, created_at AS "created_at: DateTime<Utc>",
                  expires_at AS "expires_at: DateTime<Utc>",
                  last_used_at AS "last_used_at: DateTime<Utc>",
                  revoked_at AS "revoked_at: DateTime<Utc>"
           FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id"#,
        user_id
    )
    .fetch_all(db)
    .await
}

/// Revokes a token of this user; false when there is no such unrevoked token.
pub async fn revoke(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE api_tokens SET revoked_at = $3 \
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
        id,
        user_id,
        now as _,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Revokes every unrevoked token of a user (password change or reset, deactivation); the
/// number revoked.
pub async fn revoke_all(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let r = sqlx::query!(
        "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        user_id,
        now as _,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}

/// What an unrevoked token with a given hash is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// Valid: its owner (the token is marked used at `now`).
    Live { user_id: Uuid },
    /// Past its expiry date (not marked used).
    Expired {
        id: Uuid,
        user_id: Uuid,
        expires_at: DateTime<Utc>,
    },
}

/// How stale a token's `last_used_at` may be: a live token is marked used at most once in
/// this span, not on every call (a write per API call would double the transactions of a read).
pub const LAST_USED_GRANULARITY: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// The unrevoked token with this hash at `now` (the app clock), marking a live one used when
/// its mark is older than [`LAST_USED_GRANULARITY`]; `None` for an unknown or revoked token.
pub async fn lookup(
    db: impl PgExecutor<'_>,
    hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<Option<TokenUse>> {
    let row = sqlx::query!(
        r#"WITH token AS (
               SELECT id, user_id, expires_at, last_used_at FROM api_tokens
               WHERE token_hash = $1 AND revoked_at IS NULL
           ), marked AS (
               UPDATE api_tokens a SET last_used_at = $2
               FROM token t
               WHERE a.id = t.id AND t.expires_at > $2
                 AND (t.last_used_at IS NULL OR t.last_used_at <= $3)
               RETURNING a.id
           )
           SELECT id AS "id!", user_id AS "user_id!", expires_at AS "expires_at!: DateTime<Utc>"
           FROM token"#,
        hash,
        now as _,
        (now - LAST_USED_GRANULARITY) as _,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        if r.expires_at > now {
            TokenUse::Live { user_id: r.user_id }
        } else {
            TokenUse::Expired {
                id: r.id,
                user_id: r.user_id,
                expires_at: r.expires_at,
            }
        }
    }))
}

/// Notes that the expired token `id` was refused at `now`; true when the refusal should be
/// written to the audit log: the first one, then at most one an hour, however often a client
/// retries.
pub async fn note_expiry_refusal(
    db: impl PgExecutor<'_>,
    id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE api_tokens SET expiry_noted_at = $2 WHERE id = $1 \
         AND (expiry_noted_at IS NULL OR expiry_noted_at <= $2::timestamptz - interval '1 hour')",
        id,
        now as _,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}
