//! Claims (`claims`, `claim_history`): the hospital's bill for a guaranteed case, its
//! verification by Dinkes and its payment; [`realised`] sums the paid claims (the realised
//! financing of the reports).

use chrono::NaiveDate;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::{Payer, Rupiah};

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
/// hospital, ordered by those three.
pub async fn realised(
    db: impl PgExecutor<'_>,
    filter: &RealisedFilter,
) -> sqlx::Result<Vec<RealisedRow>> {
    sqlx::query!(
        r#"SELECT payer AS "payer!", kab_kota_code AS "kab_kota_code!", hospital_id AS "hospital_id!",
             count(*) AS "claims!", sum(amount_paid)::bigint AS "amount_paid!"
           FROM claims
           WHERE status = 'paid' AND paid_on BETWEEN $1 AND $2
             AND ($3::uuid IS NULL OR hospital_id = $3)
             AND ($4::text IS NULL OR kab_kota_code = $4)
           GROUP BY payer, kab_kota_code, hospital_id
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
