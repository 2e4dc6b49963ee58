//! [`ActionData::parse`]: one small parser per action, grouped by the desk's concern (the
//! hospital's own steps, identity, desil, guarantee, national coverage). Each reads its fields
//! through [`Form`] — every field first, so all errors are collected — and then builds its
//! variant; [`Form::finish`] turns the result and the errors into the answer.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::ActionData;
use super::FieldError;
use super::form::Form;
use crate::domain::desil::Desil;
use crate::domain::quota::OverQuota;
use crate::domain::reference::{Payer, ReturnReason, SourceSystem, WithdrawReason};
use crate::domain::workflow::Action;

/// Reads one action's fields from the form and builds its variant (`None` when a required
/// value is missing; the form then holds the error).
type Parser = fn(&mut Form<'_>) -> Option<ActionData>;

impl ActionData {
    /// Parses and validates the input of `action` (form fields or JSON
    /// strings). Strings are trimmed; empty means absent; all field errors
    /// are collected. `today` is the program-local date (WITA) used for
    /// "not in the future" checks. Unknown keys are ignored.
    pub fn parse(
        action: Action,
        input: &HashMap<String, String>,
        today: NaiveDate,
    ) -> Result<ActionData, Vec<FieldError>> {
        let mut form = Form::new(action.fields(), input, today);
        let data = parser(action)(&mut form);
        form.finish(data)
    }
}

/// The parser of `action`.
fn parser(action: Action) -> Parser {
    match action {
        Action::Submit => |_| Some(ActionData::Submit),
        Action::Resubmit => resubmit,
        Action::ReturnToRsud => return_to_rsud,
        Action::Withdraw => withdraw,
        Action::VerifyNik => verify_nik,
        Action::ReferToKab => |f| Some(ActionData::ReferToKab { reason: reason(f)? }),
        Action::RequireRecording => |f| Some(ActionData::RequireRecording { reason: reason(f)? }),
        Action::RecordIdentity => record_identity,
        Action::RecordDesil => record_desil,
        Action::SubmitSktm => submit_sktm,
        Action::RecordDesilCorrection => record_desil_correction,
        Action::ApproveGuarantee => approve_guarantee,
        Action::RejectGuarantee => |f| Some(ActionData::RejectGuarantee { reason: reason(f)? }),
        Action::ProposePbi => propose_pbi,
        Action::RecordPbiActive => record_pbi_active,
        Action::RecordPbiRefused => |f| Some(ActionData::RecordPbiRefused { reason: reason(f)? }),
        Action::ProposePbpu => propose_pbpu,
        Action::EnrolPbpuPemda => enrol_pbpu_pemda,
        Action::RecordPbpuActive => record_pbpu_active,
    }
}

/// The required `reason` of a referral or a refusal.
fn reason(f: &mut Form<'_>) -> Option<String> {
    f.text("reason")
}

// The hospital's own steps, and a case sent back or closed early.

fn resubmit(f: &mut Form<'_>) -> Option<ActionData> {
    let note = f.text("note");
    Some(ActionData::Resubmit { note })
}

fn return_to_rsud(f: &mut Form<'_>) -> Option<ActionData> {
    let reason_code = f.select::<ReturnReason>("reason_code");
    let reason_text = f.text("reason_text");
    Some(ActionData::ReturnToRsud {
        reason_code: reason_code?,
        reason_text: reason_text?,
    })
}

fn withdraw(f: &mut Form<'_>) -> Option<ActionData> {
    let reason_code = f.select::<WithdrawReason>("reason_code");
    let reason_text = f.text("reason_text");
    Some(ActionData::Withdraw {
        reason_code: reason_code?,
        reason_text,
    })
}

// Identity (Disdukcapil).

fn verify_nik(f: &mut Form<'_>) -> Option<ActionData> {
    let source_system = f.select::<SourceSystem>("source_system");
    let registry_data = f.text("registry_data");
    let data_vintage = f.date("data_vintage");
    let note = f.text("note");
    Some(ActionData::VerifyNik {
        source_system: source_system?,
        registry_data: registry_data?,
        data_vintage,
        note,
    })
}

fn record_identity(f: &mut Form<'_>) -> Option<ActionData> {
    let new_nik = f.nik("new_nik");
    let ktp_el_issued = f.checkbox("ktp_el_issued");
    let recorded_on = f.date("recorded_on");
    let note = f.text("note");
    Some(ActionData::RecordIdentity {
        new_nik: new_nik?,
        ktp_el_issued,
        recorded_on: recorded_on?,
        note,
    })
}

// Desil (Dinsos) and the SKTM route.

fn record_desil(f: &mut Form<'_>) -> Option<ActionData> {
    let source_system = f.select::<SourceSystem>("source_system");
    let desil = f.desil("desil");
    let registry_data = f.text("registry_data");
    let data_vintage = f.date("data_vintage");
    let note = f.text("note");
    Some(ActionData::RecordDesil {
        source_system: source_system?,
        desil: desil?,
        registry_data: registry_data?,
        data_vintage,
        note,
    })
}

fn submit_sktm(f: &mut Form<'_>) -> Option<ActionData> {
    let sktm_number = f.text("sktm_number");
    let sktm_date = f.date("sktm_date");
    let issued_by = f.text("issued_by");
    Some(ActionData::SubmitSktm {
        sktm_number: sktm_number?,
        sktm_date: sktm_date?,
        issued_by: issued_by?,
    })
}

fn record_desil_correction(f: &mut Form<'_>) -> Option<ActionData> {
    let corrected = f.select_code("corrected").map(|c| c == "ya");
    let note = f.text("note");
    let (new_desil, corrected_on) = if corrected == Some(true) {
        correction(f)
    } else {
        // Not corrected: any stray values are ignored.
        (None, None)
    };
    let corrected = corrected?;
    if corrected && (new_desil.is_none() || corrected_on.is_none()) {
        return None;
    }
    Some(ActionData::RecordDesilCorrection {
        corrected,
        new_desil,
        corrected_on,
        note,
    })
}

/// The new desil and the date of a correction that was made: both required then (their specs
/// cannot say so, as they are optional when nothing was corrected), and the desil a listed one.
fn correction(f: &mut Form<'_>) -> (Option<Desil>, Option<NaiveDate>) {
    let new_desil = f.desil("new_desil");
    let corrected_on = f.date("corrected_on");
    let spec_desil = f.spec("new_desil");
    let spec_date = f.spec("corrected_on");
    if f.raw("new_desil").is_none() {
        f.error(
            "new_desil",
            format!("{} wajib diisi jika desil dikoreksi", spec_desil.label),
        );
    } else if new_desil == Some(Desil::NotListed) {
        f.error(
            "new_desil",
            format!("{} harus desil 1–10", spec_desil.label),
        );
    }
    if f.raw("corrected_on").is_none() {
        f.error(
            "corrected_on",
            format!("{} wajib diisi jika desil dikoreksi", spec_date.label),
        );
    }
    (new_desil, corrected_on)
}

// The temporary guarantee (Dinkes).

/// The letter number is not read: it is issued at approval, and a `letter_number` an older
/// client still sends is ignored like any other unknown key.
fn approve_guarantee(f: &mut Form<'_>) -> Option<ActionData> {
    let start_date = f.date("start_date");
    let payer = f.select::<Payer>("payer");
    let ceiling = f.integer("ceiling");
    if ceiling.is_some_and(|c| c <= 0) {
        let label = f.spec("ceiling").label;
        f.error("ceiling", format!("{label} harus lebih dari 0"));
    }
    let over_quota = over_quota(f);
    Some(ActionData::ApproveGuarantee {
        start_date: start_date?,
        payer: payer?,
        ceiling,
        over_quota,
    })
}

// National coverage: PBI JKN, or PBPU Pemda when PBI is not possible.

fn propose_pbi(f: &mut Form<'_>) -> Option<ActionData> {
    let proposed_on = f.date("proposed_on");
    let proposal_reference = f.text("proposal_reference");
    Some(ActionData::ProposePbi {
        proposed_on: proposed_on?,
        proposal_reference,
    })
}

/// The card number and effective date BPJS records when a membership becomes active.
fn membership(f: &mut Form<'_>) -> Option<(String, NaiveDate)> {
    let bpjs_card_number = f.card_number("bpjs_card_number");
    let effective_date = f.date("effective_date");
    Some((bpjs_card_number?, effective_date?))
}

fn record_pbi_active(f: &mut Form<'_>) -> Option<ActionData> {
    let (bpjs_card_number, effective_date) = membership(f)?;
    Some(ActionData::RecordPbiActive {
        bpjs_card_number,
        effective_date,
    })
}

fn propose_pbpu(f: &mut Form<'_>) -> Option<ActionData> {
    let proposed_on = f.date("proposed_on");
    let proposal_reference = f.text("proposal_reference");
    let note = f.text("note");
    Some(ActionData::ProposePbpu {
        proposed_on: proposed_on?,
        proposal_reference,
        note,
    })
}

fn enrol_pbpu_pemda(f: &mut Form<'_>) -> Option<ActionData> {
    let payer = f.select::<Payer>("payer");
    let decided_on = f.date("decided_on");
    let decision_reference = f.text("decision_reference");
    let note = f.text("note");
    let over_quota = over_quota(f);
    Some(ActionData::EnrolPbpuPemda {
        payer: payer?,
        decided_on: decided_on?,
        decision_reference,
        note,
        over_quota,
    })
}

/// The confirmation to approve beyond the quota (whether it is needed is decided against the
/// payer's quota, in the approval's transaction).
fn over_quota(f: &mut Form<'_>) -> OverQuota {
    OverQuota {
        confirmed: f.checkbox("over_quota_confirmed"),
        reason: f.text("over_quota_reason"),
    }
}

fn record_pbpu_active(f: &mut Form<'_>) -> Option<ActionData> {
    let (bpjs_card_number, effective_date) = membership(f)?;
    Some(ActionData::RecordPbpuActive {
        bpjs_card_number,
        effective_date,
    })
}
