//! The files the database says are stored: their ids and the SHA-256 kept with each row
//! (documents not purged by retention, and the kept files of refused intake forms). What
//! [`crate::storage::FileStore::get`] checks a read against, and what a backup copies.

use sqlx::PgExecutor;
use uuid::Uuid;

/// One stored file as the database knows it.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub id: Uuid,
    pub sha256: Vec<u8>,
    pub size_bytes: i32,
}

/// The checksum kept for the file `id`; `None` when no row stores a file under it (a
/// document purged by retention keeps its row but no longer its file).
pub async fn checksum(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar!(
        r#"SELECT sha256 AS "sha256!" FROM documents WHERE id = $1 AND purged_at IS NULL
           UNION ALL
           SELECT sha256 FROM pending_uploads WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// Every stored file, by id.
pub async fn all(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<StoredFile>> {
    sqlx::query_as!(
        StoredFile,
        r#"SELECT id AS "id!", sha256 AS "sha256!", size_bytes AS "size_bytes!" FROM (
               SELECT id, sha256, size_bytes FROM documents WHERE purged_at IS NULL
               UNION ALL
               SELECT id, sha256, size_bytes FROM pending_uploads
           ) f ORDER BY id"#
    )
    .fetch_all(db)
    .await
}
