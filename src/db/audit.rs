//! The audit log of administrative and security events.

use serde_json::Value;
use sqlx::PgExecutor;
use uuid::Uuid;

/// Records one event. `detail` must never hold passwords, tokens or personal data.
pub async fn record(
    db: impl PgExecutor<'_>,
    actor: Option<Uuid>,
    event: &str,
    target: Option<&str>,
    detail: Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO audit_log (actor_id, event, target, detail) VALUES ($1, $2, $3, $4)",
        actor,
        event,
        target,
        detail,
    )
    .execute(db)
    .await?;
    Ok(())
}
