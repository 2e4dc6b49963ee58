//! What a workflow step writes besides the state change that `service::perform` makes: the
//! evidence of its history row, and the facts some steps keep on the case (the identity
//! Disdukcapil verified, Dinkes's PBPU Pemda decision).

use sqlx::{Postgres, Transaction};

use crate::db;
use crate::db::cases::CaseRow;
use crate::domain::{ActionData, CaseState};

/// The evidence of a history row: the action's data and, when the hospital sends a case back
/// to NIK verification because its NIK or KK changed since Disdukcapil verified it, how they
/// changed (`identity_change`, numbers masked; see [`super::identity_change`]).
pub fn evidence(
    case: &CaseRow,
    data: &ActionData,
    next: CaseState,
) -> serde_json::Result<serde_json::Value> {
    let mut evidence = serde_json::to_value(data)?;
    if matches!(
        data,
        ActionData::Resubmit { .. } | ActionData::SubmitSktm { .. }
    ) && next.is_identity_desk()
        && let Some(change) = super::identity_change(case)
        && let Some(map) = evidence.as_object_mut()
    {
        map.insert("identity_change".into(), change);
    }
    Ok(evidence)
}

/// Records what step `data` keeps on case `c` (already updated by the step) besides the
/// transition. Runs before the transition is written, so the state it leads to finds its
/// facts in place (a case at `pbpu_proposed` always has its PBPU decision).
pub async fn record(
    tx: &mut Transaction<'_, Postgres>,
    c: &CaseRow,
    data: &ActionData,
) -> sqlx::Result<()> {
    match data {
        ActionData::VerifyNik { .. } | ActionData::RecordIdentity { .. } => {
            db::steps::mark_identity_verified(
                &mut **tx,
                c.id,
                c.patient.nik.as_deref(),
                c.patient.kk_number.as_deref(),
            )
            .await
        }
        ActionData::EnrolPbpuPemda {
            payer,
            decided_on,
            decision_reference,
            ..
        } => {
            db::steps::record_pbpu_decision(
                &mut **tx,
                c.id,
                payer.as_str(),
                *decided_on,
                decision_reference.as_deref(),
            )
            .await
        }
        _ => Ok(()),
    }
}
