//! The retention period (`retention_settings`) and the purge of a closed case's personal data:
//! what identifies the patient goes, what the figures count stays. Of the append-only tables,
//! `case_history` and `claim_history` lose only the free text of a purged case, through the
//! owner's function `purge_case_free_text` (the service's role may not UPDATE them); the
//! others (`audit_log`, `case_access_log`, `export_log`) hold no personal data and are never
//! touched.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// The name a purged case and its decree-annex rows keep (the column may not be empty).
pub const PURGED_NAME: &str = "Data pribadi dihapus";
/// What replaces the free text written about a purged case (reasons, notes, registry data).
pub const PURGED_TEXT: &str = "[dihapus: masa retensi berakhir]";

/// The retention period in months after a case closes.
pub async fn months(db: impl PgExecutor<'_>) -> sqlx::Result<i32> {
    sqlx::query_scalar!("SELECT months FROM retention_settings")
        .fetch_one(db)
        .await
}

/// Sets the retention period.
pub async fn set_months(
    db: impl PgExecutor<'_>,
    months: i32,
    by: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE retention_settings SET months = $1, updated_by = $2, updated_at = $3",
        months,
        by,
        now as _,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Closed cases due for the purge: closed before `cutoff`, not purged, with no claim still in
/// process (submitted or returned: its document is still needed). Oldest first, at most
/// `limit`.
pub async fn due(
    db: impl PgExecutor<'_>,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        r#"SELECT c.id FROM cases c
           WHERE c.purged_at IS NULL AND c.closed_at < $1
             AND NOT EXISTS (SELECT 1 FROM claims cl WHERE cl.case_id = c.id
                               AND cl.status IN ('submitted', 'returned'))
           ORDER BY c.closed_at, c.id
           LIMIT $2"#,
        cutoff as _,
        limit,
    )
    .fetch_all(db)
    .await
}

/// How many cases were purged, and how many are due at `cutoff` (the administrator's page).
pub async fn counts(db: impl PgExecutor<'_>, cutoff: DateTime<Utc>) -> sqlx::Result<(i64, i64)> {
    let row = sqlx::query!(
        r#"SELECT
             (SELECT count(*) FROM cases WHERE purged_at IS NOT NULL) AS "purged!",
             (SELECT count(*) FROM cases c WHERE c.purged_at IS NULL AND c.closed_at < $1
                AND NOT EXISTS (SELECT 1 FROM claims cl WHERE cl.case_id = c.id
                                  AND cl.status IN ('submitted', 'returned'))) AS "due!""#,
        cutoff as _,
    )
    .fetch_one(db)
    .await?;
    Ok((row.purged, row.due))
}

/// What the purge of one case removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purged {
    pub number: String,
    /// The documents whose files are to be deleted once the transaction commits.
    pub documents: Vec<Uuid>,
    pub nominatif_entries: u64,
    /// History steps, claim steps and quota charges whose free text was replaced.
    pub free_text: i64,
}

/// Removes the personal data of case `id` if it is still due (closed before `cutoff`, not
/// purged): in the case the name (a fixed text: the column may not be empty), NIK, KK, birth
/// place, address, village, district, family phone, clinical reason, BPJS card number and the
/// verified identity; the birth date keeps its year only. The decree-annex rows of the case
/// lose the same; the free text of its history steps, claim steps and over-quota approval is
/// replaced by [`PURGED_TEXT`]; its documents lose their names and digests and are marked (the
/// caller deletes their files after commit). Sex, kab/kota, hospital, states, dates, payer, amounts
/// and claims stay. `None` when the case is not due (any more). Run it in a transaction.
pub async fn purge_case(
    conn: &mut PgConnection,
    id: Uuid,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Purged>> {
    let number = sqlx::query_scalar!(
        r#"UPDATE cases SET
             full_name = $4, birth_place = NULL,
             birth_date = date_trunc('year', birth_date)::date,
             nik = NULL, kk_number = NULL, address = NULL, desa = NULL, kecamatan = NULL,
             family_phone = NULL, clinical_reason = NULL, bpjs_card_number = NULL,
             verified_nik = NULL, verified_kk = NULL, intake_key = NULL,
             version = version + 1, purged_at = $3
           WHERE id = $1 AND purged_at IS NULL AND closed_at < $2
             AND NOT EXISTS (SELECT 1 FROM claims cl WHERE cl.case_id = $1
                               AND cl.status IN ('submitted', 'returned'))
           RETURNING number"#,
        id,
        cutoff as _,
        now as _,
        PURGED_NAME,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(number) = number else {
        return Ok(None);
    };
    let nominatif_entries = sqlx::query!(
        r#"UPDATE nominatif_entries SET
             annex_full_name = CASE WHEN annex_full_name IS NOT NULL THEN $2 END,
             annex_birth_date = date_trunc('year', annex_birth_date)::date,
             annex_nik = NULL, annex_kk_number = NULL, annex_address = NULL
           WHERE case_id = $1"#,
        id,
        PURGED_NAME,
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    // Free text about the case: its history's reasons and typed evidence, its claims' step
    // reasons (append-only tables: through the owner's narrow function), the reason of an
    // approval beyond the quota.
    let keys: Vec<String> = crate::domain::action::free_text_keys()
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut free_text = sqlx::query_scalar!(
        r#"SELECT purge_case_free_text($1, $2, $3) AS "n!""#,
        id,
        PURGED_TEXT,
        &keys,
    )
    .fetch_one(&mut *conn)
    .await?;
    free_text += sqlx::query!(
        "UPDATE quota_charges SET over_quota_reason = $2
         WHERE case_id = $1 AND over_quota_reason IS NOT NULL",
        id,
        PURGED_TEXT,
    )
    .execute(&mut *conn)
    .await?
    .rows_affected() as i64;
    let documents = sqlx::query_scalar!(
        r#"UPDATE documents SET original_name = NULL, sha256 = '\x'::bytea, purged_at = $2
           WHERE case_id = $1 AND purged_at IS NULL
           RETURNING id"#,
        id,
        now as _,
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(Purged {
        number,
        documents,
        nominatif_entries,
        free_text,
    }))
}

/// Whether document `id`'s file was removed by the purge.
pub async fn document_purged(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT purged_at IS NOT NULL AS "purged!" FROM documents WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .unwrap_or(false))
}
