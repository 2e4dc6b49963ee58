//! The daftar nominatif: batches (`nominatif_batches`), their cases (`nominatif_entries`), the
//! annex rows (view `nominatif_rows`: the decreed copy of a closed batch, the live case
//! otherwise) and the eligible cases (SQL function `nominatif_eligible`, the one definition).
//! A case is in at most one batch that is not cancelled: the partial unique index
//! `nominatif_entries_active_case_key` decides, also between two builds at once.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::stream::BoxStream;
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

/// A batch as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    pub id: Uuid,
    pub number: String,
    pub basis: String,
    pub payer: Option<String>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub status: String,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub decree_number: Option<String>,
    pub decree_date: Option<NaiveDate>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// A batch in the list, with how many of its cases the reader's scope holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSummary {
    pub batch: BatchRow,
    pub rows: i64,
}

/// One row of the decree annex.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AnnexRow {
    pub case_id: Uuid,
    pub case_number: String,
    /// The case's state now (a draft may hold a case withdrawn since it was added).
    #[serde(skip)]
    pub case_state: String,
    pub full_name: String,
    /// `L` / `P`.
    pub sex: String,
    pub birth_date: NaiveDate,
    pub nik: Option<String>,
    pub kk_number: Option<String>,
    pub address: Option<String>,
    pub kab_kota_code: String,
    pub kab_kota_name: String,
    pub hospital_name: String,
    pub guarantee_start: Option<NaiveDate>,
    pub guarantee_end: Option<NaiveDate>,
    /// `pemprov` / `pemkab_asal`.
    pub payer: Option<String>,
}

/// An eligible case not in any batch yet, as offered for adding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: Uuid,
    pub number: String,
    pub full_name: String,
    pub kab_kota_name: String,
    pub hospital_name: String,
    /// The date that makes it eligible: the guarantee's start or the PBPU Pemda decision.
    pub basis_date: NaiveDate,
}

/// The batch a case is in (not cancelled), for the case page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseBatch {
    pub id: Uuid,
    pub number: String,
    pub status: String,
    pub decree_number: Option<String>,
    pub decree_date: Option<NaiveDate>,
}

/// What a new batch holds before its cases.
pub struct NewBatch<'a> {
    pub number: &'a str,
    pub basis: &'a str,
    pub payer: Option<&'a str>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

/// The next running number of `year` (1, 2, …), safe against concurrent builds: the row lock
/// of the upsert serialises them.
pub async fn next_number(conn: &mut PgConnection, year: i32) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        "INSERT INTO nominatif_numbers (year, last) VALUES ($1, 1)
         ON CONFLICT (year) DO UPDATE SET last = nominatif_numbers.last + 1
         RETURNING last",
        year
    )
    .fetch_one(conn)
    .await
}

/// Inserts a draft batch.
pub async fn insert(conn: &mut PgConnection, b: &NewBatch<'_>) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "INSERT INTO nominatif_batches
             (number, basis, payer, period_start, period_end, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        b.number,
        b.basis,
        b.payer,
        b.period_start as _,
        b.period_end as _,
        b.created_by,
        b.created_at as _,
    )
    .fetch_one(conn)
    .await
}

/// Adds the eligible cases of a draft batch's basis, payer and period to it (only those of
/// `only` when given); a case another transaction put in a batch meanwhile is skipped, never
/// listed twice. Returns the cases added.
pub async fn add_eligible(
    conn: &mut PgConnection,
    batch_id: Uuid,
    only: Option<&[Uuid]>,
    added_by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        r#"INSERT INTO nominatif_entries (batch_id, batch_status, case_id, added_by, added_at)
           SELECT b.id, b.status, e.case_id, $3, $4
           FROM nominatif_batches b
           CROSS JOIN LATERAL nominatif_eligible(b.basis, b.payer, b.period_start, b.period_end) e
           WHERE b.id = $1 AND b.status = 'draft'
             AND ($2::uuid[] IS NULL OR e.case_id = ANY($2))
           ON CONFLICT (case_id) WHERE batch_status <> 'cancelled' DO NOTHING
           RETURNING case_id"#,
        batch_id,
        only as _,
        added_by,
        at as _,
    )
    .fetch_all(conn)
    .await
}

/// The eligible cases a draft of this basis, payer and period could still take, oldest first
/// (at most `limit`).
pub async fn candidates(
    db: impl PgExecutor<'_>,
    basis: &str,
    payer: Option<&str>,
    start: NaiveDate,
    end: NaiveDate,
    limit: i64,
) -> sqlx::Result<Vec<Candidate>> {
    sqlx::query_as!(
        Candidate,
        r#"SELECT c.id, c.number, c.full_name, k.name AS kab_kota_name, h.name AS hospital_name,
                  (CASE WHEN $1 = 'pbpu_pemda' THEN c.pbpu_decided_on ELSE c.guarantee_start END)
                      AS "basis_date!: NaiveDate"
           FROM nominatif_eligible($1, $2, $3, $4) e
           JOIN cases c ON c.id = e.case_id
           JOIN kab_kota k ON k.code = c.domicile_kab_kota_code
           JOIN hospitals h ON h.id = c.hospital_id
           ORDER BY 6, c.number
           LIMIT $5"#,
        basis,
        payer,
        start as _,
        end as _,
        limit,
    )
    .fetch_all(db)
    .await
}

/// A batch, locked for the rest of the transaction (the operations on a draft).
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<BatchRow>> {
    sqlx::query!(
        "SELECT id FROM nominatif_batches WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(&mut *conn)
    .await?;
    by_id(conn, id).await
}

/// A batch.
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<BatchRow>> {
    Ok(batches(db, Some(id)).await?.pop())
}

/// The batch `id`, or every batch when `None`; newest first.
async fn batches(db: impl PgExecutor<'_>, id: Option<Uuid>) -> sqlx::Result<Vec<BatchRow>> {
    sqlx::query_as!(
        BatchRow,
        r#"SELECT b.id, b.number, b.basis, b.payer,
                  b.period_start AS "period_start: _", b.period_end AS "period_end: _",
                  b.status, u.display_name AS created_by_name, b.created_at AS "created_at: _",
                  b.decree_number, b.decree_date AS "decree_date: _",
                  b.closed_at AS "closed_at: _", b.cancel_reason,
                  b.cancelled_at AS "cancelled_at: _"
           FROM nominatif_batches b JOIN users u ON u.id = b.created_by
           WHERE $1::uuid IS NULL OR b.id = $1
           ORDER BY b.created_at DESC, b.number DESC"#,
        id
    )
    .fetch_all(db)
    .await
}

/// Every batch, newest first, with its cases in the kab/kota `kab` (every case when `None`).
pub async fn list(pool: &PgPool, kab: Option<&str>) -> sqlx::Result<Vec<BatchSummary>> {
    let counts: HashMap<Uuid, i64> = sqlx::query!(
        r#"SELECT batch_id AS "batch_id!", count(*) AS "rows!" FROM nominatif_rows
           WHERE $1::text IS NULL OR kab_kota_code = $1
           GROUP BY batch_id"#,
        kab
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.batch_id, r.rows))
    .collect();
    Ok(batches(pool, None)
        .await?
        .into_iter()
        .map(|batch| BatchSummary {
            rows: counts.get(&batch.id).copied().unwrap_or(0),
            batch,
        })
        .collect())
}

/// The annex rows of a batch in the kab/kota `kab` (every row when `None`), in annex order
/// (kab/kota code, name, case number), streamed: a batch of any size is never held in memory.
pub fn rows<'a>(
    db: impl PgExecutor<'a> + 'a,
    batch_id: Uuid,
    kab: Option<&'a str>,
) -> BoxStream<'a, sqlx::Result<AnnexRow>> {
    sqlx::query_as!(
        AnnexRow,
        r#"SELECT r.case_id AS "case_id!", r.case_number AS "case_number!",
                  r.case_state AS "case_state!", r.full_name AS "full_name!", r.sex AS "sex!",
                  r.birth_date AS "birth_date!: NaiveDate", r.nik, r.kk_number, r.address,
                  r.kab_kota_code AS "kab_kota_code!", r.kab_kota_name AS "kab_kota_name!",
                  r.hospital_name AS "hospital_name!",
                  r.guarantee_start AS "guarantee_start: NaiveDate",
                  r.guarantee_end AS "guarantee_end: NaiveDate", r.payer
           FROM nominatif_rows r
           WHERE r.batch_id = $1 AND ($2::text IS NULL OR r.kab_kota_code = $2)
           ORDER BY r.kab_kota_code, r.full_name, r.case_number"#,
        batch_id,
        kab,
    )
    .fetch(db)
}

/// Removes a case from a draft batch; false when it was not there.
pub async fn remove(conn: &mut PgConnection, batch_id: Uuid, case_id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "DELETE FROM nominatif_entries
         WHERE batch_id = $1 AND case_id = $2 AND batch_status = 'draft'",
        batch_id,
        case_id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The batch (not cancelled) a case is in.
pub async fn for_case(db: impl PgExecutor<'_>, case_id: Uuid) -> sqlx::Result<Option<CaseBatch>> {
    sqlx::query_as!(
        CaseBatch,
        r#"SELECT b.id, b.number, b.status, b.decree_number,
                  b.decree_date AS "decree_date: NaiveDate"
           FROM nominatif_entries e JOIN nominatif_batches b ON b.id = e.batch_id
           WHERE e.case_id = $1 AND e.batch_status <> 'cancelled'"#,
        case_id
    )
    .fetch_optional(db)
    .await
}

/// For each of `case_ids`, its number and the number of the batch (not cancelled) holding it,
/// if any: why a case could not be added.
pub async fn holders(
    db: impl PgExecutor<'_>,
    case_ids: &[Uuid],
) -> sqlx::Result<Vec<(String, Option<String>)>> {
    let rows = sqlx::query!(
        r#"SELECT c.number, b.number AS "batch?"
           FROM cases c
           LEFT JOIN nominatif_entries e ON e.case_id = c.id AND e.batch_status <> 'cancelled'
           LEFT JOIN nominatif_batches b ON b.id = e.batch_id
           WHERE c.id = ANY($1)
           ORDER BY c.number"#,
        case_ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.number, r.batch)).collect())
}

/// The numbers of the cases of a batch that are withdrawn or rejected since they were added.
pub async fn no_longer_eligible(
    conn: &mut PgConnection,
    batch_id: Uuid,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "SELECT c.number FROM nominatif_entries e JOIN cases c ON c.id = e.case_id
         WHERE e.batch_id = $1 AND c.state IN ('withdrawn', 'rejected')
         ORDER BY c.number",
        batch_id
    )
    .fetch_all(conn)
    .await
}

/// Copies the annex columns of every case of a draft batch into its entries, as they are now
/// (done in the transaction that records the decree).
pub async fn freeze_annex(conn: &mut PgConnection, batch_id: Uuid) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE nominatif_entries e SET
             annex_full_name = r.full_name, annex_sex = r.sex, annex_birth_date = r.birth_date,
             annex_nik = r.nik, annex_kk_number = r.kk_number, annex_address = r.address,
             annex_kab_kota_code = r.kab_kota_code, annex_kab_kota_name = r.kab_kota_name,
             annex_hospital_name = r.hospital_name, annex_guarantee_start = r.guarantee_start,
             annex_guarantee_end = r.guarantee_end, annex_payer = r.payer
         FROM nominatif_rows r
         WHERE e.batch_id = $1 AND r.batch_id = e.batch_id AND r.case_id = e.case_id
           AND e.batch_status = 'draft'",
        batch_id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Records the decree on a draft batch and closes it (its entries follow through the foreign
/// key). False when the batch was not a draft.
pub async fn close(
    conn: &mut PgConnection,
    batch_id: Uuid,
    decree_number: &str,
    decree_date: NaiveDate,
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE nominatif_batches SET status = 'closed', decree_number = $2, decree_date = $3,
             closed_by = $4, closed_at = $5
         WHERE id = $1 AND status = 'draft'",
        batch_id,
        decree_number,
        decree_date as _,
        by,
        at as _,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Cancels a draft batch with a reason; its cases are free again. False when it was not a
/// draft.
pub async fn cancel(
    conn: &mut PgConnection,
    batch_id: Uuid,
    reason: &str,
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE nominatif_batches SET status = 'cancelled', cancel_reason = $2,
             cancelled_by = $3, cancelled_at = $4
         WHERE id = $1 AND status = 'draft'",
        batch_id,
        reason,
        by,
        at as _,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Logs a read of the personal data of a batch's cases in the kab/kota `kab` (all when
/// `None`): one access-log row per case, as `reader` describes the reader (its `case_id`
/// and `case_ids` are not used).
pub async fn log_reads(
    db: impl PgExecutor<'_>,
    batch_id: Uuid,
    kab: Option<&str>,
    reader: &crate::db::access_log::AccessEntry<'_>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO case_access_log (case_id, user_id, what, via, at, role, client_ip, kind)
         SELECT r.case_id, $3, 'nominatif', $4, $5, $6::text::user_role, $7::text::inet, $8
         FROM nominatif_rows r
         WHERE r.batch_id = $1 AND ($2::text IS NULL OR r.kab_kota_code = $2)",
        batch_id,
        kab,
        reader.user_id,
        reader.via,
        reader.at as _,
        reader.role.as_str(),
        reader.client_ip.map(|ip| ip.to_string()),
        reader.kind.as_str(),
    )
    .execute(db)
    .await?;
    Ok(())
}
