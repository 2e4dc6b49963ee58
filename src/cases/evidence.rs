//! What an action records on the case row itself, beyond the state change: one statement per
//! purpose (identity, desil, guarantee, national coverage), written in the transition's
//! transaction before the state changes, so the state it leads to finds its facts in place (a
//! case at `pbpu_proposed` always has its PBPU decision). The history row keeps the full
//! evidence; these columns are what later rules and pages read.

use chrono::{Duration, NaiveDate};
use sqlx::PgConnection;

use crate::db::cases::{self as db_cases, CaseRow};
use crate::db::steps;
use crate::domain::{ActionData, CaseState, Scheme};

/// Records what `data` establishes about `case`, which moves to `next`.
pub async fn record(
    conn: &mut PgConnection,
    case: &CaseRow,
    data: &ActionData,
    next: CaseState,
    today: NaiveDate,
) -> sqlx::Result<()> {
    match data {
        ActionData::VerifyNik { .. } | ActionData::RecordIdentity { .. } => {
            identity(conn, case, data, today).await
        }
        ActionData::Resubmit { .. }
        | ActionData::SubmitSktm { .. }
        | ActionData::RecordDesil { .. }
        | ActionData::RecordDesilCorrection { .. } => desil(conn, case, data, next).await,
        ActionData::ApproveGuarantee {
            letter_number,
            start_date,
            payer,
            ceiling,
            ..
        } => {
            let payer = payer.as_str();
            db_cases::record_guarantee(conn, case.id, letter_number, *start_date, payer, *ceiling)
                .await
        }
        _ => coverage(conn, case, data).await,
    }
}

/// Disdukcapil's checks: the verified NIK and KK, or the identity recorded on the spot.
async fn identity(
    conn: &mut PgConnection,
    case: &CaseRow,
    data: &ActionData,
    today: NaiveDate,
) -> sqlx::Result<()> {
    let kk = case.patient.kk_number.as_deref();
    let ActionData::RecordIdentity { new_nik, .. } = data else {
        let nik = case.patient.nik.as_deref();
        return steps::mark_identity_verified(conn, case.id, nik, kk).await;
    };
    // For a patient who came without documents the civil registry's record replaces what the
    // hospital could only estimate; otherwise the NIK must match what was typed.
    let (sex, birth) = if case.patient.has_identity_document {
        (case.patient.sex.clone(), case.patient.birth_date)
    } else {
        let birth = new_nik.birth_date(today).unwrap_or(case.patient.birth_date);
        (new_nik.sex().as_str().to_string(), birth)
    };
    db_cases::record_identity(&mut *conn, case.id, new_nik.as_str(), &sex, birth).await?;
    steps::mark_identity_verified(conn, case.id, Some(new_nik.as_str()), kk).await
}

/// Dinsos's desil, the SKTM that asks for a correction, and the correction's outcome.
async fn desil(
    conn: &mut PgConnection,
    case: &CaseRow,
    data: &ActionData,
    next: CaseState,
) -> sqlx::Result<()> {
    let id = case.id;
    match data {
        // Back to NIK verification (a changed NIK or KK): the desil found for the old identity
        // no longer holds; Dinsos looks it up again after the check.
        ActionData::Resubmit { .. } | ActionData::SubmitSktm { .. }
            if next == CaseState::NikCheck =>
        {
            steps::forget_desil(conn, id).await
        }
        ActionData::SubmitSktm { .. } if next == CaseState::GuaranteeReview => {
            db_cases::request_desil_correction(conn, id).await
        }
        ActionData::RecordDesil { desil, .. } => {
            db_cases::record_desil(conn, id, desil.to_db()).await
        }
        ActionData::RecordDesilCorrection {
            corrected,
            new_desil,
            ..
        } => {
            let corrected = new_desil.filter(|_| *corrected).map(|d| d.to_db());
            db_cases::record_desil_correction(conn, id, corrected).await
        }
        _ => Ok(()),
    }
}

/// National insurance: PBI activation, the PBPU Pemda decision and PBPU activation. The
/// temporary guarantee ends the day before coverage starts.
async fn coverage(conn: &mut PgConnection, case: &CaseRow, data: &ActionData) -> sqlx::Result<()> {
    let id = case.id;
    let (scheme, card, effective) = match data {
        ActionData::RecordPbiActive {
            bpjs_card_number,
            effective_date,
        } => (Scheme::PbiJkn, bpjs_card_number, *effective_date),
        ActionData::RecordPbpuActive {
            bpjs_card_number,
            effective_date,
        } => (Scheme::PbpuPemda, bpjs_card_number, *effective_date),
        ActionData::EnrolPbpuPemda {
            payer,
            decided_on,
            decision_reference,
            ..
        } => {
            let reference = decision_reference.as_deref();
            return steps::record_pbpu_decision(conn, id, payer.as_str(), *decided_on, reference)
                .await;
        }
        _ => return Ok(()),
    };
    let end = effective - Duration::days(1);
    db_cases::record_coverage(conn, id, scheme.as_str(), Some(card), effective, end).await
}
