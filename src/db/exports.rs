//! The export log (`export_log`): one row per export or report download.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgExecutor;
use uuid::Uuid;

/// One finished (or abandoned) download.
#[derive(Debug, Clone)]
pub struct ExportRecord<'a> {
    pub user_id: Uuid,
    pub at: DateTime<Utc>,
    /// Which list: `queue`, `monitoring`, `claims`, `report`, `nominatif`, … (`[a-z_]{1,40}`).
    pub what: &'a str,
    /// `xlsx`, `csv`, `print` or `json`.
    pub format: &'a str,
    pub row_count: i64,
    /// False when the stream stopped before its end.
    pub completed: bool,
    /// Filters or the object exported; never personal data.
    pub detail: Value,
}

/// Records one download.
pub async fn record(db: impl PgExecutor<'_>, export: &ExportRecord<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO export_log (user_id, at, what, format, row_count, completed, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        export.user_id,
        export.at as _,
        export.what,
        export.format,
        export.row_count,
        export.completed,
        export.detail,
    )
    .execute(db)
    .await?;
    Ok(())
}
