//! What some workflow steps record on the case beside the transition itself: the identity
//! Disdukcapil verified, Dinkes's PBPU Pemda decision, and forgetting the desil of an identity
//! that changed. Each is one statement for one purpose, run in the transition's transaction.

use chrono::NaiveDate;
use sqlx::PgExecutor;
use uuid::Uuid;

/// Notes that Disdukcapil verified the identity now, with the NIK and KK number it verified
/// (a later edit of either sends the case back through NIK verification).
pub async fn mark_identity_verified(
    db: impl PgExecutor<'_>,
    case_id: Uuid,
    nik: Option<&str>,
    kk_number: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE cases SET identity_verified_at = now(), verified_nik = $2, verified_kk = $3 \
         WHERE id = $1",
        case_id,
        nik,
        kk_number
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records Dinkes's PBPU Pemda enrolment decision: who pays the premium (`pemprov` or
/// `pemkab_asal`), when it was decided, and its reference.
pub async fn record_pbpu_decision(
    db: impl PgExecutor<'_>,
    case_id: Uuid,
    payer: &str,
    decided_on: NaiveDate,
    reference: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE cases SET pbpu_payer = $2, pbpu_decided_on = $3, pbpu_decision_reference = $4 \
         WHERE id = $1",
        case_id,
        payer,
        decided_on as _,
        reference
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets the desil found (and any correction of it or pending request for one): it belonged
/// to an identity that has since changed, and Dinsos looks it up again.
pub async fn forget_desil(db: impl PgExecutor<'_>, case_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE cases SET desil = NULL, desil_corrected = NULL, desil_correction_pending = false \
         WHERE id = $1",
        case_id
    )
    .execute(db)
    .await?;
    Ok(())
}
