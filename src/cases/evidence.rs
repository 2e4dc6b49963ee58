//! What an action records on the case row itself, beyond the state change: the identity
//! Disdukcapil verified, the desil and its correction, the guarantee, the PBPU Pemda decision
//! and national coverage. The transition's own statement writes them
//! ([`crate::db::cases::transition`]), so the state it leads to finds its facts in place (a
//! case at `pbpu_proposed` always has its PBPU decision) and the row gets one new version per
//! step. The history row keeps the full evidence; these columns are what later rules and pages
//! read.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::db::cases::{CaseRow, RowFacts};
use crate::domain::guarantee::GuaranteePeriod;
use crate::domain::{ActionData, CaseState, Scheme, sla};

/// What `data` establishes about `case`, which moves to `next`, at `now` (the transition's
/// time). An approval issues its guarantee letter here, in the transaction of `conn`.
pub async fn facts(
    conn: &mut PgConnection,
    case: &CaseRow,
    data: &ActionData,
    next: CaseState,
    now: DateTime<Utc>,
) -> sqlx::Result<RowFacts> {
    Ok(match data {
        ActionData::VerifyNik { .. } | ActionData::RecordIdentity { .. } => {
            identity(case, data, sla::local_date(now))
        }
        ActionData::Resubmit { .. }
        | ActionData::SubmitSktm { .. }
        | ActionData::RecordDesil { .. }
        | ActionData::RecordDesilCorrection { .. } => desil(data, next),
        ActionData::ApproveGuarantee {
            start_date,
            payer,
            ceiling,
            ..
        } => RowFacts::Guarantee {
            // The letter and its number are issued here, in the approving transaction.
            letter_number: super::letter::issue(&mut *conn, case.id, now).await?,
            start: *start_date,
            payer: payer.as_str().to_string(),
            ceiling: *ceiling,
        },
        _ => coverage(data),
    })
}

/// Disdukcapil's checks: the verified NIK and KK, or the identity recorded on the spot.
fn identity(case: &CaseRow, data: &ActionData, today: NaiveDate) -> RowFacts {
    let kk_number = case.patient.kk_number.clone();
    let ActionData::RecordIdentity { new_nik, .. } = data else {
        return RowFacts::IdentityVerified {
            nik: case.patient.nik.clone(),
            kk_number,
        };
    };
    // For a patient who came without documents the civil registry's record replaces what the
    // hospital could only estimate; otherwise the NIK must match what was typed.
    let (sex, birth_date) = if case.patient.has_identity_document {
        (case.patient.sex.clone(), case.patient.birth_date)
    } else {
        let birth = new_nik.birth_date(today).unwrap_or(case.patient.birth_date);
        (new_nik.sex().as_str().to_string(), birth)
    };
    RowFacts::IdentityRecorded {
        nik: new_nik.as_str().to_string(),
        sex,
        birth_date,
        kk_number,
    }
}

/// Dinsos's desil, the SKTM that asks for a correction, and the correction's outcome.
fn desil(data: &ActionData, next: CaseState) -> RowFacts {
    match data {
        // Back to NIK verification (a changed NIK or KK): the desil found for the old identity
        // no longer holds; Dinsos looks it up again after the check.
        ActionData::Resubmit { .. } | ActionData::SubmitSktm { .. }
            if next == CaseState::NikCheck =>
        {
            RowFacts::DesilForgotten
        }
        ActionData::SubmitSktm { .. } if next == CaseState::GuaranteeReview => {
            RowFacts::DesilCorrectionRequested
        }
        ActionData::RecordDesil { desil, .. } => RowFacts::Desil(desil.to_db()),
        ActionData::RecordDesilCorrection {
            corrected,
            new_desil,
            ..
        } => RowFacts::DesilCorrection(new_desil.filter(|_| *corrected).map(|d| d.to_db())),
        _ => RowFacts::None,
    }
}

/// National insurance: PBI activation, the PBPU Pemda decision and PBPU activation. The
/// temporary guarantee ends the day before coverage starts.
fn coverage(data: &ActionData) -> RowFacts {
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
            return RowFacts::PbpuDecision {
                payer: payer.as_str().to_string(),
                decided_on: *decided_on,
                reference: decision_reference.clone(),
            };
        }
        _ => return RowFacts::None,
    };
    RowFacts::Coverage {
        scheme: scheme.as_str().to_string(),
        bpjs_card_number: Some(card.clone()),
        effective,
        guarantee_end: GuaranteePeriod::end_before(effective),
    }
}
