//! The yearly quota per payer: the limits Dinkes sets (`quotas`), every change of them
//! (`quota_changes`) and what each approval took (`quota_charges`). A payer is stored as its
//! kab/kota code, `NULL` for the province; a kind as `guarantee` or `pbpu_pemda`
//! ([`crate::domain::quota::QuotaKind`]). The rules are in `domain::quota`, the transaction
//! that applies them in `cases::quota`.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// The limits of one payer for one year (`None`: not set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaRow {
    pub kab_kota_code: Option<String>,
    pub guarantee_budget: Option<i64>,
    pub pbpu_quota: Option<i64>,
    pub updated_by_name: String,
    pub updated_at: DateTime<Utc>,
}

/// The limits of `payer` (a kab/kota code, `None` for the province) for `year`, the row locked
/// for the rest of the transaction: the approval that holds it is the only one deciding on
/// this quota until it commits, and the next one then sees its charge. `None` when no limit
/// was ever set (nothing to lock, nothing to check).
pub async fn lock(
    conn: &mut PgConnection,
    year: i32,
    payer: Option<&str>,
) -> sqlx::Result<Option<QuotaRow>> {
    sqlx::query_as!(
        QuotaRow,
        r#"SELECT q.kab_kota_code, q.guarantee_budget, q.pbpu_quota,
                  u.display_name AS updated_by_name, q.updated_at AS "updated_at: DateTime<Utc>"
           FROM quotas q JOIN users u ON u.id = q.updated_by
           WHERE q.year = $1 AND COALESCE(q.kab_kota_code, '') = COALESCE($2, '')
           FOR UPDATE OF q"#,
        year,
        payer
    )
    .fetch_optional(conn)
    .await
}

/// The limits of every payer that has some for `year`.
pub async fn of_year(db: impl PgExecutor<'_>, year: i32) -> sqlx::Result<Vec<QuotaRow>> {
    sqlx::query_as!(
        QuotaRow,
        r#"SELECT q.kab_kota_code, q.guarantee_budget, q.pbpu_quota,
                  u.display_name AS updated_by_name, q.updated_at AS "updated_at: DateTime<Utc>"
           FROM quotas q JOIN users u ON u.id = q.updated_by
           WHERE q.year = $1"#,
        year
    )
    .fetch_all(db)
    .await
}

/// What the charges of one kind, year and payer add up to, leaving out case `except` (the case
/// being approved, whose own earlier charge it replaces).
pub async fn used(
    db: impl PgExecutor<'_>,
    kind: &str,
    year: i32,
    payer: Option<&str>,
    except: Uuid,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT COALESCE(sum(amount), 0)::bigint AS "used!" FROM quota_charges
           WHERE kind = $1 AND year = $2 AND COALESCE(kab_kota_code, '') = COALESCE($3, '')
             AND case_id <> $4"#,
        kind,
        year,
        payer,
        except
    )
    .fetch_one(db)
    .await
}

/// The charges of one year, summed per kind and payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    pub kind: String,
    pub kab_kota_code: Option<String>,
    /// Sum of the amounts (rupiah, or people).
    pub used: i64,
    /// Approvals booked.
    pub approvals: i64,
    /// Of those, approvals beyond the quota (confirmed with a reason).
    pub over_quota: i64,
    /// Of those, guarantees approved without a ceiling.
    pub without_amount: i64,
}

/// [`UsageRow`]s of `year`, from the charges index (a year's charges, nothing else).
pub async fn usage(db: impl PgExecutor<'_>, year: i32) -> sqlx::Result<Vec<UsageRow>> {
    sqlx::query_as!(
        UsageRow,
        r#"SELECT kind AS "kind!", kab_kota_code,
                  COALESCE(sum(amount), 0)::bigint AS "used!",
                  count(*) AS "approvals!",
                  count(*) FILTER (WHERE over_quota) AS "over_quota!",
                  count(*) FILTER (WHERE amount IS NULL) AS "without_amount!"
           FROM quota_charges WHERE year = $1
           GROUP BY kind, kab_kota_code"#,
        year
    )
    .fetch_all(db)
    .await
}

/// What one approval takes from a quota.
#[derive(Debug, Clone)]
pub struct NewCharge<'a> {
    pub case_id: Uuid,
    pub kind: &'a str,
    pub year: i32,
    pub kab_kota_code: Option<&'a str>,
    /// The ceiling (`None`: none), or 1 person.
    pub amount: Option<i64>,
    pub quota_at_decision: Option<i64>,
    pub used_before: i64,
    pub over_quota_reason: Option<&'a str>,
    pub decided_by: Uuid,
    pub decided_at: DateTime<Utc>,
}

/// Books an approval; a case approved again replaces its own charge of that kind.
pub async fn charge(db: impl PgExecutor<'_>, c: &NewCharge<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO quota_charges (case_id, kind, year, kab_kota_code, amount, \
             quota_at_decision, used_before, over_quota, over_quota_reason, decided_by, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text IS NOT NULL, $8, $9, $10) \
         ON CONFLICT (case_id, kind) DO UPDATE SET year = EXCLUDED.year, \
             kab_kota_code = EXCLUDED.kab_kota_code, amount = EXCLUDED.amount, \
             quota_at_decision = EXCLUDED.quota_at_decision, used_before = EXCLUDED.used_before, \
             over_quota = EXCLUDED.over_quota, over_quota_reason = EXCLUDED.over_quota_reason, \
             decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at",
        c.case_id,
        c.kind,
        c.year,
        c.kab_kota_code,
        c.amount,
        c.quota_at_decision,
        c.used_before,
        c.over_quota_reason,
        c.decided_by,
        c.decided_at as _
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A charge as stored, for the case it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRow {
    pub kind: String,
    pub year: i32,
    pub kab_kota_code: Option<String>,
    pub kab_kota_name: Option<String>,
    pub amount: Option<i64>,
    pub quota_at_decision: Option<i64>,
    pub used_before: i64,
    pub over_quota: bool,
    pub over_quota_reason: Option<String>,
    pub decided_by_name: String,
    pub decided_at: DateTime<Utc>,
}

/// The charges of a case (a guarantee, a PBPU Pemda enrolment), guarantee first.
pub async fn charges_of_case(
    db: impl PgExecutor<'_>,
    case_id: Uuid,
) -> sqlx::Result<Vec<ChargeRow>> {
    sqlx::query_as!(
        ChargeRow,
        r#"SELECT c.kind, c.year, c.kab_kota_code, k.name AS "kab_kota_name?", c.amount,
                  c.quota_at_decision, c.used_before, c.over_quota, c.over_quota_reason,
                  u.display_name AS decided_by_name, c.decided_at AS "decided_at: DateTime<Utc>"
           FROM quota_charges c
           JOIN users u ON u.id = c.decided_by
           LEFT JOIN kab_kota k ON k.code = c.kab_kota_code
           WHERE c.case_id = $1
           ORDER BY c.kind DESC"#,
        case_id
    )
    .fetch_all(db)
    .await
}

/// Sets one limit of `payer` for `year` to `value`, by `user` at `at`, and records the change;
/// returns the value it had (`None`: not set). One transaction (`conn`): the row is created if
/// needed, then locked, so two changes at once are recorded one after the other, each with the
/// value the other left.
pub async fn set_limit(
    conn: &mut PgConnection,
    year: i32,
    payer: Option<&str>,
    kind: &str,
    value: i64,
    user: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query!(
        "INSERT INTO quotas (year, kab_kota_code, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (year, (COALESCE(kab_kota_code, ''))) DO NOTHING",
        year,
        payer,
        user,
        at as _
    )
    .execute(&mut *conn)
    .await?;
    let row = lock(&mut *conn, year, payer)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    sqlx::query!(
        "UPDATE quotas SET \
             guarantee_budget = CASE WHEN $3 = 'guarantee' THEN $4 ELSE guarantee_budget END, \
             pbpu_quota = CASE WHEN $3 = 'pbpu_pemda' THEN $4 ELSE pbpu_quota END, \
             updated_by = $5, updated_at = $6 \
         WHERE year = $1 AND COALESCE(kab_kota_code, '') = COALESCE($2, '')",
        year,
        payer,
        kind,
        value,
        user,
        at as _
    )
    .execute(&mut *conn)
    .await?;
    let old = match kind {
        "guarantee" => row.guarantee_budget,
        _ => row.pbpu_quota,
    };
    sqlx::query!(
        "INSERT INTO quota_changes (year, kab_kota_code, kind, old_value, new_value, changed_by, \
             changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        year,
        payer,
        kind,
        old,
        value,
        user,
        at as _
    )
    .execute(&mut *conn)
    .await?;
    Ok(old)
}

/// One recorded change of a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub year: i32,
    pub kab_kota_code: Option<String>,
    pub kind: String,
    pub old_value: Option<i64>,
    pub new_value: i64,
    pub changed_by_name: String,
    pub changed_at: DateTime<Utc>,
}

/// The changes of `year`, newest first, at most `limit`; with `payers`, only those of these
/// payers (kab/kota codes, `""` for the province).
pub async fn changes(
    db: impl PgExecutor<'_>,
    year: i32,
    payers: Option<&[String]>,
    limit: i64,
) -> sqlx::Result<Vec<ChangeRow>> {
    sqlx::query_as!(
        ChangeRow,
        r#"SELECT c.year, c.kab_kota_code, c.kind, c.old_value, c.new_value,
                  u.display_name AS changed_by_name, c.changed_at AS "changed_at: DateTime<Utc>"
           FROM quota_changes c JOIN users u ON u.id = c.changed_by
           WHERE c.year = $1
             AND ($2::text[] IS NULL OR COALESCE(c.kab_kota_code, '') = ANY($2))
           ORDER BY c.changed_at DESC, c.id DESC
           LIMIT $3"#,
        year,
        payers,
        limit
    )
    .fetch_all(db)
    .await
}
