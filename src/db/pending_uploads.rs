//! The files of a refused intake form kept for its next submit (`pending_uploads`): stored by
//! the intake key of the form and the user who sent it, read back only by that same user of
//! the same hospital, turned into the new case's documents, purged when stale.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// A kept file of an intake form (the file is stored under `id`).
#[derive(Debug, Clone)]
pub struct PendingUpload {
    pub id: Uuid,
    pub kind: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub sha256: Vec<u8>,
    pub original_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Who kept the files and for which form.
#[derive(Debug, Clone, Copy)]
pub struct Owner {
    pub intake_key: Uuid,
    pub user_id: Uuid,
    pub hospital_id: Uuid,
}

/// The files kept for `owner`'s form, in the form's order (KTP, KK, other).
pub async fn of_form(db: impl PgExecutor<'_>, owner: Owner) -> sqlx::Result<Vec<PendingUpload>> {
    sqlx::query_as!(
        PendingUpload,
        r#"SELECT id, kind, content_type, size_bytes, sha256, original_name,
             created_at AS "created_at: _"
           FROM pending_uploads
           WHERE intake_key = $1 AND user_id = $2 AND hospital_id = $3
           ORDER BY array_position(ARRAY['ktp', 'kk', 'lainnya'], kind)"#,
        owner.intake_key,
        owner.user_id,
        owner.hospital_id,
    )
    .fetch_all(db)
    .await
}

/// What [`put`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Put {
    /// Whether the file is now kept (false: the form key belongs to another user's form).
    pub stored: bool,
    /// The file kept before for the same kind, now removed (to delete once the transaction
    /// commits).
    pub replaced: Option<Uuid>,
}

/// Keeps `upload` for `owner`'s form in place of the file kept before for the same kind.
pub async fn put(
    conn: &mut sqlx::PgConnection,
    owner: Owner,
    upload: &PendingUpload,
) -> sqlx::Result<Put> {
    let replaced = sqlx::query_scalar!(
        "DELETE FROM pending_uploads WHERE intake_key = $1 AND kind = $2 AND user_id = $3 \
         AND hospital_id = $4 RETURNING id",
        owner.intake_key,
        upload.kind,
        owner.user_id,
        owner.hospital_id,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let stored = sqlx::query_scalar!(
        r#"INSERT INTO pending_uploads (id, intake_key, user_id, hospital_id, kind,
             content_type, size_bytes, sha256, original_name, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (intake_key, kind) DO NOTHING
           RETURNING id"#,
        upload.id,
        owner.intake_key,
        owner.user_id,
        owner.hospital_id,
        upload.kind,
        upload.content_type,
        upload.size_bytes,
        &upload.sha256,
        upload.original_name,
        upload.created_at as _,
    )
    .fetch_optional(&mut *conn)
    .await?
    .is_some();
    Ok(Put { stored, replaced })
}

/// Removes the kept file `id` of `owner`'s form (taken into a case, or replaced by a new
/// choice); true when it was there.
pub async fn remove(db: impl PgExecutor<'_>, owner: Owner, id: Uuid) -> sqlx::Result<bool> {
    let removed = sqlx::query!(
        "DELETE FROM pending_uploads WHERE id = $1 AND intake_key = $2 AND user_id = $3 \
         AND hospital_id = $4",
        id,
        owner.intake_key,
        owner.user_id,
        owner.hospital_id,
    )
    .execute(db)
    .await?;
    Ok(removed.rows_affected() == 1)
}

/// Removes the kept files created before `before`; returns their ids (the files to delete
/// once the transaction commits).
pub async fn remove_stale(
    db: impl PgExecutor<'_>,
    before: DateTime<Utc>,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        "DELETE FROM pending_uploads WHERE created_at < $1 RETURNING id",
        before as _,
    )
    .fetch_all(db)
    .await
}
