//! Claims (`claims`, `claim_history`): the hospital's bill for a guaranteed case, its
//! verification by Dinkes and its payment; [`realised`] sums the paid claims (the realised
//! financing of the reports).

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde_json::Value;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use super::cases::{Code, OptCode, ScopeFilter, fed_stream};
use crate::domain::claim::{ClaimInput, PaymentInput};
use crate::domain::{ClaimStatus, Payer, Role, Rupiah};

/// Which paid claims [`realised`] sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealisedFilter {
    /// First day of payment, inclusive.
    pub from: NaiveDate,
    /// Last day of payment, inclusive (by `paid_on`).
    pub to: NaiveDate,
    pub hospital_id: Option<Uuid>,
    /// The patient's kab/kota of origin (domicile) as frozen on the claim.
    pub kab_kota_code: Option<String>,
}

/// Paid claims of one payer, kab/kota of origin and hospital.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealisedRow {
    pub payer: Payer,
    pub kab_kota_code: String,
    pub hospital_id: Uuid,
    pub claims: i64,
    pub amount_paid: Rupiah,
}

/// Paid claims with `paid_on` in `[from, to]`, grouped by payer × kab/kota of origin ×
/// hospital, ordered by those three: from their daily counts (`claims_paid_daily`, kept by
/// triggers in the transactions that write claims), not every paid claim of the period.
pub async fn realised(
    db: impl PgExecutor<'_>,
    filter: &RealisedFilter,
) -> sqlx::Result<Vec<RealisedRow>> {
    sqlx::query!(
        r#"SELECT payer AS "payer!", kab_kota_code AS "kab_kota_code!", hospital_id AS "hospital_id!",
             sum(claims)::bigint AS "claims!", sum(amount_paid)::bigint AS "amount_paid!"
           FROM claims_paid_daily
           WHERE paid_on BETWEEN $1 AND $2
             AND ($3::uuid IS NULL OR hospital_id = $3)
             AND ($4::text IS NULL OR kab_kota_code = $4)
           GROUP BY payer, kab_kota_code, hospital_id
           HAVING sum(claims) > 0
           ORDER BY payer, kab_kota_code, hospital_id"#,
        filter.from as _,
        filter.to as _,
        filter.hospital_id,
        filter.kab_kota_code,
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(RealisedRow {
            payer: r
                .payer
                .parse()
                .map_err(|_| sqlx::Error::Decode(format!("unknown payer {}", r.payer).into()))?,
            kab_kota_code: r.kab_kota_code,
            hospital_id: r.hospital_id,
            claims: r.claims,
            amount_paid: Rupiah(r.amount_paid),
        })
    })
    .collect()
}

/// A claim as stored, with the names a page shows beside it.
#[derive(Debug, Clone)]
pub struct ClaimRow {
    pub id: Uuid,
    pub number: String,
    pub case_id: Uuid,
    pub case_number: String,
    /// The patient's name and NIK (personal data: lists mask the NIK).
    pub patient_name: String,
    pub patient_nik: Option<String>,
    pub hospital_id: Uuid,
    pub hospital_name: String,
    pub payer: Code<Payer>,
    /// The patient's kab/kota of origin, as frozen on the claim.
    pub kab_kota_code: String,
    pub kab_kota_name: String,
    pub status: Code<ClaimStatus>,
    pub version: i32,
    pub care_start: NaiveDate,
    pub care_end: NaiveDate,
    pub amount_claimed: Rupiah,
    pub ina_cbg_code: Option<String>,
    pub document_id: Uuid,
    pub document_content_type: String,
    pub document_size: i32,
    pub return_reason: Option<String>,
    pub paid_on: Option<NaiveDate>,
    pub amount_paid: Option<Rupiah>,
    pub payment_reference: Option<String>,
    pub submitted_by_name: String,
    pub submitted_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
    pub paid_recorded_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Which claims [`find`] returns; every condition is optional except the scope.
#[derive(Debug, Clone, Default)]
pub struct ClaimQuery {
    pub status: Option<ClaimStatus>,
    pub hospital_id: Option<Uuid>,
    pub kab_kota_code: Option<String>,
    /// Claims whose period of care overlaps `[from, to]` (either end open).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Keyset: claims submitted before this one (submitted at, id), newest first.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// A claim's row as the query reads it, before its codes are checked.
struct ClaimRecord {
    id: Uuid,
    number: String,
    case_id: Uuid,
    case_number: String,
    full_name: String,
    nik: Option<String>,
    hospital_id: Uuid,
    hospital_name: String,
    payer: String,
    kab_kota_code: String,
    kab_kota_name: String,
    status: String,
    version: i32,
    care_start: NaiveDate,
    care_end: NaiveDate,
    amount_claimed: i64,
    ina_cbg_code: Option<String>,
    document_id: Uuid,
    document_content_type: String,
    document_size: i32,
    return_reason: Option<String>,
    paid_on: Option<NaiveDate>,
    amount_paid: Option<i64>,
    payment_reference: Option<String>,
    submitted_by_name: String,
    submitted_at: DateTime<Utc>,
    verified_at: Option<DateTime<Utc>>,
    paid_recorded_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ClaimRecord> for ClaimRow {
    type Error = sqlx::Error;

    fn try_from(r: ClaimRecord) -> sqlx::Result<ClaimRow> {
        let decode = |e: String| sqlx::Error::Decode(e.into());
        Ok(ClaimRow {
            id: r.id,
            number: r.number,
            case_id: r.case_id,
            case_number: r.case_number,
            patient_name: r.full_name,
            patient_nik: r.nik,
            hospital_id: r.hospital_id,
            hospital_name: r.hospital_name,
            payer: Code::try_from(r.payer).map_err(decode)?,
            kab_kota_code: r.kab_kota_code,
            kab_kota_name: r.kab_kota_name,
            status: Code::try_from(r.status).map_err(decode)?,
            version: r.version,
            care_start: r.care_start,
            care_end: r.care_end,
            amount_claimed: Rupiah(r.amount_claimed),
            ina_cbg_code: r.ina_cbg_code,
            document_id: r.document_id,
            document_content_type: r.document_content_type,
            document_size: r.document_size,
            return_reason: r.return_reason,
            paid_on: r.paid_on,
            amount_paid: r.amount_paid.map(Rupiah),
            payment_reference: r.payment_reference,
            submitted_by_name: r.submitted_by_name,
            submitted_at: r.submitted_at,
            verified_at: r.verified_at,
            paid_recorded_at: r.paid_recorded_at,
            updated_at: r.updated_at,
        })
    }
}

/// A compile-checked claim query: the claims joined with what a claim row shows, then `$rest`
/// (the conditions and order, a string literal) with its arguments.
macro_rules! claim_select {
    ($rest:tt, $($args:tt)*) => {
        sqlx::query_as!(
            ClaimRecord,
            r#"SELECT cl.id, cl.number, cl.case_id, c.number AS case_number, c.full_name, c.nik,
             cl.hospital_id, h.name AS hospital_name, cl.payer, cl.kab_kota_code,
             k.name AS kab_kota_name, cl.status::text AS "status!", cl.version,
             cl.care_start AS "care_start: NaiveDate", cl.care_end AS "care_end: NaiveDate",
             cl.amount_claimed, cl.ina_cbg_code, cl.document_id,
             d.content_type AS document_content_type, d.size_bytes AS document_size,
             cl.return_reason, cl.paid_on AS "paid_on: NaiveDate", cl.amount_paid,
             cl.payment_reference, su.display_name AS submitted_by_name,
             cl.submitted_at AS "submitted_at: DateTime<Utc>",
             cl.verified_at AS "verified_at: DateTime<Utc>",
             cl.paid_recorded_at AS "paid_recorded_at: DateTime<Utc>",
             cl.updated_at AS "updated_at: DateTime<Utc>"
           FROM claims cl
           JOIN cases c ON c.id = cl.case_id
           JOIN hospitals h ON h.id = cl.hospital_id
           JOIN kab_kota k ON k.code = cl.kab_kota_code
           JOIN documents d ON d.id = cl.document_id
           JOIN users su ON su.id = cl.submitted_by "# + $rest,
            $($args)*
        )
    };
}

/// The claim query of [`find`] and [`stream`]: the claims in `$scope` matching `$q` (a
/// [`ClaimQuery`]), newest submission first; each condition is skipped when `NULL`. Planned
/// for its values on every execution (a plan for any of them would read every claim), so the
/// case page and the claim page use [`of_case`] and [`by_id`] instead.
macro_rules! claim_query {
    ($scope:ident, $q:ident, $after_at:ident, $after_id:ident) => {
        claim_select!(
            r#"WHERE ($1 OR cl.hospital_id = $2 OR cl.kab_kota_code = $3)
             AND ($4::text IS NULL OR cl.status = $4::text::claim_status)
             AND ($5::uuid IS NULL OR cl.hospital_id = $5)
             AND ($6::text IS NULL OR cl.kab_kota_code = $6)
             AND ($7::date IS NULL OR cl.care_end >= $7)
             AND ($8::date IS NULL OR cl.care_start <= $8)
             AND ($9::timestamptz IS NULL OR (cl.submitted_at, cl.id) < ($9, $10::uuid))
           ORDER BY cl.submitted_at DESC, cl.id DESC
           LIMIT $11"#,
            $scope.all,
            $scope.hospital_id,
            $scope.kab_kota_code,
            $q.status.map(|s| s.as_str()),
            $q.hospital_id,
            $q.kab_kota_code,
            $q.from as _,
            $q.to as _,
            $after_at as _,
            $after_id,
            $q.limit
        )
    };
}

/// The claims in `scope` matching `q`, newest submission first: the claims list.
pub async fn find(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    q: &ClaimQuery,
) -> sqlx::Result<Vec<ClaimRow>> {
    let (after_at, after_id) = q.after.unzip();
    claim_query!(scope, q, after_at, after_id)
        .fetch_all(db)
        .await?
        .into_iter()
        .map(ClaimRow::try_from)
        .collect()
}

/// Every claim in `scope` matching `q` (its limit and keyset ignored), newest submission
/// first, read with `fetch` as the consumer takes them (see [`super::cases::fed_stream`]).
pub fn stream(
    pool: PgPool,
    scope: &ScopeFilter,
    q: &ClaimQuery,
) -> BoxStream<'static, sqlx::Result<ClaimRow>> {
    let (scope, q) = (
        scope.clone(),
        ClaimQuery {
            after: None,
            limit: i64::MAX,
            ..q.clone()
        },
    );
    fed_stream(pool, move |feed, mut db| async move {
        let (after_at, after_id) = (None::<DateTime<Utc>>, None::<Uuid>);
        let rows = claim_query!(scope, q, after_at, after_id).fetch(&mut *db);
        feed.send_all(rows.map(|row| row.and_then(ClaimRow::try_from)))
            .await;
    })
}

/// One claim in `scope`.
pub async fn by_id(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    id: Uuid,
) -> sqlx::Result<Option<ClaimRow>> {
    claim_select!(
        "WHERE cl.id = $4 AND ($1 OR cl.hospital_id = $2 OR cl.kab_kota_code = $3)",
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        id
    )
    .fetch_optional(db)
    .await?
    .map(ClaimRow::try_from)
    .transpose()
}

/// The claims of a case in `scope`, newest submission first: the case page's.
pub async fn of_case(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    case_id: Uuid,
) -> sqlx::Result<Vec<ClaimRow>> {
    claim_select!(
        "WHERE cl.case_id = $4 AND ($1 OR cl.hospital_id = $2 OR cl.kab_kota_code = $3)
         ORDER BY cl.submitted_at DESC, cl.id DESC",
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        case_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(ClaimRow::try_from)
    .collect()
}

/// Locks a claim row for the rest of the transaction; false when there is none.
pub async fn lock(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<bool> {
    Ok(
        sqlx::query_scalar!("SELECT id FROM claims WHERE id = $1 FOR UPDATE", id)
            .fetch_optional(db)
            .await?
            .is_some(),
    )
}

/// The case a claim belongs to.
pub async fn case_of(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!("SELECT case_id FROM claims WHERE id = $1", id)
        .fetch_optional(db)
        .await
}

/// The next claim number of `year`: `KLM-2026-000001` (one sequence for all years, so numbers
/// never repeat).
pub async fn next_number(db: impl PgExecutor<'_>, year: i32) -> sqlx::Result<String> {
    let n = sqlx::query_scalar!(r#"SELECT nextval('claim_number_seq') AS "n!""#)
        .fetch_one(db)
        .await?;
    Ok(format!("KLM-{year}-{n:06}"))
}

/// Another claim of the case whose period of care shares a day with `[start, end]`: its
/// number.
pub async fn overlapping(
    db: impl PgExecutor<'_>,
    case_id: Uuid,
    start: NaiveDate,
    end: NaiveDate,
    except: Option<Uuid>,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "SELECT number FROM claims
         WHERE case_id = $1 AND care_start <= $3 AND care_end >= $2
           AND ($4::uuid IS NULL OR id <> $4)
         ORDER BY care_start LIMIT 1",
        case_id,
        start as _,
        end as _,
        except,
    )
    .fetch_optional(db)
    .await
}

/// What the other claims of the case claim together.
pub async fn claimed_elsewhere(
    db: impl PgExecutor<'_>,
    case_id: Uuid,
    except: Option<Uuid>,
) -> sqlx::Result<Rupiah> {
    let sum = sqlx::query_scalar!(
        r#"SELECT coalesce(sum(amount_claimed), 0)::bigint AS "sum!" FROM claims
           WHERE case_id = $1 AND ($2::uuid IS NULL OR id <> $2)"#,
        case_id,
        except,
    )
    .fetch_one(db)
    .await?;
    Ok(Rupiah(sum))
}

/// Who pays and where the patient comes from, as the case says now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub payer: Payer,
    pub kab_kota_code: String,
}

/// A new claim (status `submitted`, version 1).
pub struct NewClaim<'a> {
    pub id: Uuid,
    pub number: &'a str,
    pub case_id: Uuid,
    pub hospital_id: Uuid,
    pub origin: &'a Origin,
    pub input: &'a ClaimInput,
    pub document_id: Uuid,
    pub submitted_by: Uuid,
    pub at: DateTime<Utc>,
}

/// Records a new claim.
pub async fn insert(db: impl PgExecutor<'_>, c: &NewClaim<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO claims (id, number, case_id, hospital_id, payer, kab_kota_code, care_start,
             care_end, amount_claimed, ina_cbg_code, document_id, submitted_by, submitted_at,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $13)",
        c.id,
        c.number,
        c.case_id,
        c.hospital_id,
        c.origin.payer.as_str(),
        c.origin.kab_kota_code,
        c.input.care_start as _,
        c.input.care_end as _,
        c.input.amount_claimed.0,
        c.input.ina_cbg_code,
        c.document_id,
        c.submitted_by,
        c.at as _,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A returned claim, corrected and submitted again (the document replaced when a new one was
/// sent). False when the version is stale.
pub async fn resubmit(
    db: impl PgExecutor<'_>,
    id: Uuid,
    version: i32,
    origin: &Origin,
    input: &ClaimInput,
    document_id: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE claims SET status = 'submitted', version = version + 1, return_reason = NULL,
             payer = $3, kab_kota_code = $4, care_start = $5, care_end = $6,
             amount_claimed = $7, ina_cbg_code = $8, document_id = $9, updated_at = $10
         WHERE id = $1 AND version = $2 AND status = 'returned'",
        id,
        version,
        origin.payer.as_str(),
        origin.kab_kota_code,
        input.care_start as _,
        input.care_end as _,
        input.amount_claimed.0,
        input.ina_cbg_code,
        document_id,
        at as _,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sends a submitted claim back with `reason`. False when the version is stale.
pub async fn send_back(
    db: impl PgExecutor<'_>,
    id: Uuid,
    version: i32,
    reason: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE claims SET status = 'returned', version = version + 1, return_reason = $3,
             updated_at = $4
         WHERE id = $1 AND version = $2 AND status = 'submitted'",
        id,
        version,
        reason,
        at as _,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Accepts a submitted claim as verified by `user`. False when the version is stale.
pub async fn accept(
    db: impl PgExecutor<'_>,
    id: Uuid,
    version: i32,
    user: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE claims SET status = 'accepted', version = version + 1, verified_by = $3,
             verified_at = $4, updated_at = $4
         WHERE id = $1 AND version = $2 AND status = 'submitted'",
        id,
        version,
        user,
        at as _,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the payment of an accepted claim, freezing its payer and kab/kota of origin as the
/// case says at payment. False when the version is stale.
pub async fn pay(
    db: impl PgExecutor<'_>,
    id: Uuid,
    version: i32,
    origin: &Origin,
    payment: &PaymentInput,
    user: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE claims SET status = 'paid', version = version + 1, payer = $3,
             kab_kota_code = $4, paid_on = $5, amount_paid = $6, payment_reference = $7,
             paid_by = $8, paid_recorded_at = $9, updated_at = $9
         WHERE id = $1 AND version = $2 AND status = 'accepted'",
        id,
        version,
        origin.payer.as_str(),
        origin.kab_kota_code,
        payment.paid_on as _,
        payment.amount_paid.0,
        payment.payment_reference,
        user,
        at as _,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One step of a claim, for its history.
pub struct NewClaimHistory<'a> {
    pub claim_id: Uuid,
    pub action: &'a str,
    pub from_status: Option<ClaimStatus>,
    pub to_status: ClaimStatus,
    pub from_version: Option<i32>,
    pub actor_id: Uuid,
    pub actor_role: Role,
    pub at: DateTime<Utc>,
    pub reason: Option<&'a str>,
    /// What the step recorded (amounts, dates, the document), never a NIK.
    pub detail: Value,
}

/// Writes a history row.
pub async fn insert_history(db: impl PgExecutor<'_>, h: &NewClaimHistory<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO claim_history (claim_id, action, from_status, to_status, from_version,
             actor_id, actor_role, at, reason, detail)
         VALUES ($1, $2, $3::text::claim_status, $4::text::claim_status, $5, $6,
             $7::text::user_role, $8, $9, $10)",
        h.claim_id,
        h.action,
        h.from_status.map(|s| s.as_str()),
        h.to_status.as_str(),
        h.from_version,
        h.actor_id,
        h.actor_role.as_str(),
        h.at as _,
        h.reason,
        h.detail,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A step of a claim's history, with its actor's name.
#[derive(Debug, Clone)]
pub struct ClaimHistoryRow {
    pub action: String,
    pub from_status: OptCode<ClaimStatus>,
    pub to_status: Code<ClaimStatus>,
    pub from_version: Option<i32>,
    pub actor_name: String,
    pub actor_role: Code<Role>,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
    pub detail: Value,
}

/// A claim's history, oldest first.
pub async fn history(
    db: impl PgExecutor<'_>,
    claim_id: Uuid,
) -> sqlx::Result<Vec<ClaimHistoryRow>> {
    let decode = |e: String| sqlx::Error::Decode(e.into());
    sqlx::query!(
        r#"SELECT hi.action, hi.from_status::text AS from_status,
             hi.to_status::text AS "to_status!", hi.from_version,
             u.display_name AS actor_name, hi.actor_role::text AS "actor_role!",
             hi.at AS "at: DateTime<Utc>", hi.reason, hi.detail
           FROM claim_history hi JOIN users u ON u.id = hi.actor_id
           WHERE hi.claim_id = $1 ORDER BY hi.id"#,
        claim_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(ClaimHistoryRow {
            action: r.action,
            from_status: OptCode::try_from(r.from_status).map_err(decode)?,
            to_status: Code::try_from(r.to_status).map_err(decode)?,
            from_version: r.from_version,
            actor_name: r.actor_name,
            actor_role: Code::try_from(r.actor_role).map_err(decode)?,
            at: r.at,
            reason: r.reason,
            detail: r.detail,
        })
    })
    .collect()
}
