//! The evidence each workflow action requires: described once as data ([`Action::fields`], in
//! `fields`) so HTML forms and the OpenAPI document are generated from it, and parsed from a
//! string map ([`ActionData::parse`]) with every field error collected and worded in Bahasa
//! Indonesia.
//!
//! - `fields`: the field specs of every action (the single source for forms, parsing, OpenAPI);
//! - `form`: reading one field of an action's input against its spec, collecting errors;
//! - `parse`: one small parser per action, grouped by the desk's concern.

mod fields;
pub(crate) mod form;
mod parse;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use fields::{
    FieldKind, FieldSpec, LONG_TEXT_MAX, NIK_PATTERN, OVER_QUOTA_FIELDS, TEXT_MAX, field,
    free_text_keys,
};

use super::desil::Desil;
use super::guarantee::GuaranteePeriod;
use super::locale;
use super::nik::Nik;
use super::quota::OverQuota;
use super::reference::{Payer, ReturnReason, SourceSystem, WithdrawReason};
use super::workflow::Action;

/// One invalid or missing field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Field name (form / JSON key).
    pub field: &'static str,
    /// Bahasa Indonesia message naming the field by its label.
    pub message: String,
}

/// The validated evidence of one action; serialized (tagged by `action`)
/// into the history row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ActionData {
    /// Submit a draft.
    Submit,
    /// Resubmit a returned case.
    Resubmit {
        /// Optional note.
        note: Option<String>,
    },
    /// NIK confirmed in SIAK.
    VerifyNik {
        /// Always SIAK.
        source_system: SourceSystem,
        /// The data as the registry showed it.
        registry_data: String,
        /// Date of the registry data, if known.
        data_vintage: Option<NaiveDate>,
        /// Optional note.
        note: Option<String>,
    },
    /// Referred to the kab/kota Dukcapil.
    ReferToKab {
        /// Why.
        reason: String,
    },
    /// On-the-spot recording required.
    RequireRecording {
        /// Why.
        reason: String,
    },
    /// Identity recorded.
    RecordIdentity {
        /// The NIK issued or found.
        new_nik: Nik,
        /// Whether a KTP-el was issued.
        ktp_el_issued: bool,
        /// Date of recording.
        recorded_on: NaiveDate,
        /// Optional note.
        note: Option<String>,
    },
    /// Desil recorded from SIKS-NG / DTSEN.
    RecordDesil {
        /// SIKS-NG or DTSEN.
        source_system: SourceSystem,
        /// The desil found.
        desil: Desil,
        /// The data as the registry showed it.
        registry_data: String,
        /// Date of the registry data, if known.
        data_vintage: Option<NaiveDate>,
        /// Optional note.
        note: Option<String>,
    },
    /// SKTM submitted by the hospital.
    SubmitSktm {
        /// Certificate number.
        sktm_number: String,
        /// Certificate date.
        sktm_date: NaiveDate,
        /// Issuing desa/kelurahan.
        issued_by: String,
    },
    /// Outcome of the desil correction.
    RecordDesilCorrection {
        /// Whether the desil was corrected.
        corrected: bool,
        /// New desil (when corrected).
        new_desil: Option<Desil>,
        /// Date of the correction (when corrected).
        corrected_on: Option<NaiveDate>,
        /// Optional note.
        note: Option<String>,
    },
    /// Temporary guarantee approved. The letter's number is not typed: it is issued from the
    /// yearly sequence when the approval is written (see [`super::guarantee`]).
    ApproveGuarantee {
        /// First day covered.
        start_date: NaiveDate,
        /// Who pays.
        payer: Payer,
        /// Optional ceiling in rupiah.
        ceiling: Option<i64>,
        /// Confirmation to go beyond the payer's remaining budget (quota).
        #[serde(flatten)]
        over_quota: OverQuota,
    },
    /// Guarantee rejected.
    RejectGuarantee {
        /// Why.
        reason: String,
    },
    /// PBI JKN proposed to Kemensos.
    ProposePbi {
        /// Date of the proposal.
        proposed_on: NaiveDate,
        /// Optional proposal reference.
        proposal_reference: Option<String>,
    },
    /// PBI JKN active.
    RecordPbiActive {
        /// 13-digit BPJS card number.
        bpjs_card_number: String,
        /// Effective date of membership.
        effective_date: NaiveDate,
    },
    /// PBI proposal refused.
    RecordPbiRefused {
        /// Why.
        reason: String,
    },
    /// PBPU Pemda proposed to Dinkes (PBI is not possible).
    ProposePbpu {
        /// Date of the proposal.
        proposed_on: NaiveDate,
        /// Optional proposal reference.
        proposal_reference: Option<String>,
        /// Optional note.
        note: Option<String>,
    },
    /// Dinkes decided the PBPU Pemda enrolment and passes it to BPJS.
    EnrolPbpuPemda {
        /// Who pays the premium.
        payer: Payer,
        /// Date of the decision (its year is the quota year).
        decided_on: NaiveDate,
        /// Optional reference of the decision.
        decision_reference: Option<String>,
        /// Optional note.
        note: Option<String>,
        /// Confirmation to go beyond the payer's remaining PBPU Pemda quota.
        #[serde(flatten)]
        over_quota: OverQuota,
    },
    /// PBPU Pemda membership active.
    RecordPbpuActive {
        /// 13-digit BPJS card number.
        bpjs_card_number: String,
        /// Effective date of membership.
        effective_date: NaiveDate,
    },
    /// Sent back to the hospital.
    ReturnToRsud {
        /// Reason code.
        reason_code: ReturnReason,
        /// Explanation.
        reason_text: String,
    },
    /// Case withdrawn.
    Withdraw {
        /// Reason code.
        reason_code: WithdrawReason,
        /// Optional explanation.
        reason_text: Option<String>,
    },
}

/// The dates of a case that an action's dates are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseDates {
    /// Admission to hospital.
    pub admission: NaiveDate,
    /// Start of the temporary guarantee, once approved.
    pub guarantee_start: Option<NaiveDate>,
}

impl ActionData {
    /// Date rules that need the case itself (the caller checks them after [`Self::parse`]): a
    /// guarantee does not start before the patient was admitted, a PBPU decision is not older
    /// than the admission, and national coverage starts after the temporary guarantee did (the
    /// guarantee ends the day before coverage, so its period is never empty or reversed).
    pub fn case_date_problems(&self, case: &CaseDates) -> Vec<FieldError> {
        let problem = |field: &'static str, message: String| vec![FieldError { field, message }];
        match self {
            ActionData::ApproveGuarantee { start_date, .. } => {
                GuaranteePeriod::start_problem(*start_date, case.admission)
                    .map_or_else(Vec::new, |m| problem("start_date", m))
            }
            ActionData::EnrolPbpuPemda { decided_on, .. } if *decided_on < case.admission => {
                problem(
                    "decided_on",
                    format!(
                        "Tanggal keputusan tidak boleh sebelum tanggal masuk rumah sakit ({}).",
                        locale::date(case.admission)
                    ),
                )
            }
            ActionData::RecordPbiActive { effective_date, .. }
            | ActionData::RecordPbpuActive { effective_date, .. } => {
                let start = case.guarantee_start.unwrap_or(case.admission);
                GuaranteePeriod::coverage_problem(start, *effective_date)
                    .map_or_else(Vec::new, |m| problem("effective_date", m))
            }
            _ => vec![],
        }
    }

    /// The action this evidence belongs to.
    pub fn action(&self) -> Action {
        match self {
            ActionData::Submit => Action::Submit,
            ActionData::Resubmit { .. } => Action::Resubmit,
            ActionData::VerifyNik { .. } => Action::VerifyNik,
            ActionData::ReferToKab { .. } => Action::ReferToKab,
            ActionData::RequireRecording { .. } => Action::RequireRecording,
            ActionData::RecordIdentity { .. } => Action::RecordIdentity,
            ActionData::RecordDesil { .. } => Action::RecordDesil,
            ActionData::SubmitSktm { .. } => Action::SubmitSktm,
            ActionData::RecordDesilCorrection { .. } => Action::RecordDesilCorrection,
            ActionData::ApproveGuarantee { .. } => Action::ApproveGuarantee,
            ActionData::RejectGuarantee { .. } => Action::RejectGuarantee,
            ActionData::ProposePbi { .. } => Action::ProposePbi,
            ActionData::RecordPbiActive { .. } => Action::RecordPbiActive,
            ActionData::RecordPbiRefused { .. } => Action::RecordPbiRefused,
            ActionData::ProposePbpu { .. } => Action::ProposePbpu,
            ActionData::EnrolPbpuPemda { .. } => Action::EnrolPbpuPemda,
            ActionData::RecordPbpuActive { .. } => Action::RecordPbpuActive,
            ActionData::ReturnToRsud { .. } => Action::ReturnToRsud,
            ActionData::Withdraw { .. } => Action::Withdraw,
        }
    }

    /// The desil recorded by `record_desil` (input to [`super::decide`]).
    pub fn recorded_desil(&self) -> Option<Desil> {
        match self {
            ActionData::RecordDesil { desil, .. } => Some(*desil),
            _ => None,
        }
    }

    /// A human-readable reason for the history (reason, reason code and
    /// text, or note), if any.
    pub fn reason(&self) -> Option<String> {
        match self {
            ActionData::ReferToKab { reason }
            | ActionData::RequireRecording { reason }
            | ActionData::RejectGuarantee { reason }
            | ActionData::RecordPbiRefused { reason } => Some(reason.clone()),
            ActionData::Resubmit { note }
            | ActionData::VerifyNik { note, .. }
            | ActionData::RecordIdentity { note, .. }
            | ActionData::RecordDesil { note, .. }
            | ActionData::RecordDesilCorrection { note, .. }
            | ActionData::ProposePbpu { note, .. }
            | ActionData::EnrolPbpuPemda { note, .. } => note.clone(),
            ActionData::ReturnToRsud {
                reason_code,
                reason_text,
            } => Some(format!("{}: {reason_text}", reason_code.label())),
            ActionData::Withdraw {
                reason_code,
                reason_text,
            } => Some(match reason_text {
                Some(text) => format!("{}: {text}", reason_code.label()),
                None => reason_code.label().to_string(),
            }),
            ActionData::Submit
            | ActionData::SubmitSktm { .. }
            | ActionData::ApproveGuarantee { .. }
            | ActionData::ProposePbi { .. }
            | ActionData::RecordPbiActive { .. }
            | ActionData::RecordPbpuActive { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 10, 15).expect("valid date")
    }

    fn input(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn parse(action: Action, pairs: &[(&str, &str)]) -> Result<ActionData, Vec<FieldError>> {
        ActionData::parse(action, &input(pairs), today())
    }

    fn errors(action: Action, pairs: &[(&str, &str)]) -> Vec<FieldError> {
        parse(action, pairs).expect_err("should fail")
    }

    /// A valid input for every action.
    fn valid(action: Action) -> Vec<(&'static str, &'static str)> {
        match action {
            Action::Submit => vec![],
            Action::Resubmit => vec![("note", "Foto KTP sudah diganti")],
            Action::VerifyNik => vec![
                ("source_system", "siak"),
                ("registry_data", "Nama: Maria; lahir 12-05-1985"),
                ("data_vintage", "2025-10-01"),
            ],
            Action::ReferToKab | Action::RequireRecording => {
                vec![("reason", "Tidak ditemukan di SIAK")]
            }
            Action::RejectGuarantee | Action::RecordPbiRefused => {
                vec![("reason", "Tidak memenuhi syarat")]
            }
            Action::RecordIdentity => vec![
                ("new_nik", "5371025205850001"),
                ("ktp_el_issued", "on"),
                ("recorded_on", "2025-10-14"),
            ],
            Action::RecordDesil => vec![
                ("source_system", "siks_ng"),
                ("desil", "3"),
                ("registry_data", "Desil 3, pemutakhiran Agustus 2025"),
            ],
            Action::SubmitSktm => vec![
                ("sktm_number", "470/12/X/2025"),
                ("sktm_date", "2025-10-15"),
                ("issued_by", "Kelurahan Oebobo"),
            ],
            Action::RecordDesilCorrection => vec![
                ("corrected", "ya"),
                ("new_desil", "4"),
                ("corrected_on", "2025-10-10"),
            ],
            Action::ApproveGuarantee => vec![
                // Not a field any more (the number is issued at approval): ignored.
                ("letter_number", "440/123/DINKES/2025"),
                ("start_date", "2025-10-16"),
                ("payer", "pemprov"),
                ("ceiling", "15.000.000"),
            ],
            Action::ProposePbi => vec![("proposed_on", "2025-10-15")],
            Action::RecordPbiActive => vec![
                ("bpjs_card_number", "0001234567890"),
                ("effective_date", "2025-11-01"),
            ],
            Action::ProposePbpu => vec![("proposed_on", "2025-10-15")],
            Action::EnrolPbpuPemda => vec![("payer", "pemprov"), ("decided_on", "2025-10-15")],
            Action::RecordPbpuActive => vec![
                ("bpjs_card_number", "0009876543210"),
                ("effective_date", "2025-11-01"),
            ],
            Action::ReturnToRsud => vec![
                ("reason_code", "foto_tidak_terbaca"),
                ("reason_text", "Foto KK buram"),
            ],
            Action::Withdraw => vec![("reason_code", "meninggal")],
        }
    }

    #[test]
    fn happy_parse_for_every_action() {
        for &action in Action::ALL {
            let data =
                parse(action, &valid(action)).unwrap_or_else(|e| panic!("{action:?}: {e:?}"));
            assert_eq!(data.action(), action);
        }
        let d = parse(Action::RecordDesil, &valid(Action::RecordDesil)).expect("ok");
        assert_eq!(d.recorded_desil(), Some(Desil::Listed(3)));
        let d = parse(Action::ApproveGuarantee, &valid(Action::ApproveGuarantee)).expect("ok");
        assert!(matches!(
            d,
            ActionData::ApproveGuarantee {
                ceiling: Some(15_000_000),
                payer: Payer::Pemprov,
                ..
            }
        ));
        let d = parse(Action::RecordIdentity, &valid(Action::RecordIdentity)).expect("ok");
        assert!(matches!(
            d,
            ActionData::RecordIdentity {
                ktp_el_issued: true,
                ..
            }
        ));
        let d = parse(Action::Withdraw, &valid(Action::Withdraw)).expect("ok");
        assert_eq!(d.reason().as_deref(), Some("Pasien meninggal dunia"));
        let d = parse(Action::ReturnToRsud, &valid(Action::ReturnToRsud)).expect("ok");
        assert_eq!(
            d.reason().as_deref(),
            Some("Foto tidak terbaca: Foto KK buram")
        );
    }

    #[test]
    fn every_required_field_missing_is_named() {
        for &action in Action::ALL {
            let required: Vec<&FieldSpec> = action.fields().iter().filter(|f| f.required).collect();
            let errs = match parse(action, &[]) {
                Ok(_) => vec![],
                Err(e) => e,
            };
            assert_eq!(errs.len(), required.len(), "{action:?}: {errs:?}");
            for spec in required {
                let e = errs
                    .iter()
                    .find(|e| e.field == spec.name)
                    .unwrap_or_else(|| panic!("{action:?} {}", spec.name));
                assert_eq!(e.message, format!("{} wajib diisi", spec.label));
            }
        }
        let errs = errors(Action::SubmitSktm, &[("sktm_number", "  ")]);
        assert!(errs.iter().any(|e| e.message == "Tanggal SKTM wajib diisi"));
    }

    #[test]
    fn future_dates_refused() {
        let errs = errors(
            Action::SubmitSktm,
            &[
                ("sktm_number", "1"),
                ("sktm_date", "2025-10-16"),
                ("issued_by", "Desa Oelnasi"),
            ],
        );
        assert_eq!(
            errs,
            vec![FieldError {
                field: "sktm_date",
                message: "Tanggal SKTM tidak boleh di masa depan.".into()
            }]
        );
        let errs = errors(Action::ProposePbi, &[("proposed_on", "2030-01-01")]);
        assert_eq!(errs[0].field, "proposed_on");
        // Start date of a guarantee may be in the future.
        let mut ok = valid(Action::ApproveGuarantee);
        ok[1] = ("start_date", "2026-01-01");
        assert!(parse(Action::ApproveGuarantee, &ok).is_ok());
        // Bad date.
        let errs = errors(Action::ProposePbi, &[("proposed_on", "2025-02-30")]);
        assert!(errs[0].message.contains("tanggal"));
        // DD/MM/YYYY accepted.
        assert!(parse(Action::ProposePbi, &[("proposed_on", "01/10/2025")]).is_ok());
    }

    #[test]
    fn pbpu_enrolment_records_payer_and_decision() {
        let d = parse(
            Action::EnrolPbpuPemda,
            &[
                ("payer", "pemkab_asal"),
                ("decided_on", "14/10/2025"),
                ("decision_reference", " ND/440/2025 "),
            ],
        )
        .expect("ok");
        assert_eq!(
            d,
            ActionData::EnrolPbpuPemda {
                payer: Payer::PemkabAsal,
                decided_on: NaiveDate::from_ymd_opt(2025, 10, 14).expect("date"),
                decision_reference: Some("ND/440/2025".into()),
                note: None,
                over_quota: OverQuota::default(),
            }
        );
        let e = errors(
            Action::EnrolPbpuPemda,
            &[("payer", "bpjs"), ("decided_on", "2025-10-16")],
        );
        let fields: Vec<_> = e.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["payer", "decided_on"]);
        assert!(e[0].message.starts_with("Penanggung iuran tidak valid"));
        assert_eq!(e[1].message, "Tanggal keputusan tidak boleh di masa depan.");
        let e = errors(Action::ProposePbpu, &[("proposed_on", "2025-10-16")]);
        assert_eq!(e[0].message, "Tanggal usulan tidak boleh di masa depan.");
    }

    #[test]
    fn over_quota_confirmation_is_read_and_kept_in_the_history_only_when_given() {
        // Arrange
        let mut pairs = valid(Action::ApproveGuarantee);
        let plain = parse(Action::ApproveGuarantee, &pairs).expect("ok");
        pairs.extend([
            ("over_quota_confirmed", "on"),
            ("over_quota_reason", " Pasien kritis "),
        ]);

        // Act
        let confirmed = parse(Action::ApproveGuarantee, &pairs).expect("ok");

        // Assert
        let ActionData::ApproveGuarantee { over_quota, .. } = &confirmed else {
            panic!("{confirmed:?}");
        };
        assert!(over_quota.confirmed);
        assert_eq!(over_quota.reason.as_deref(), Some("Pasien kritis"));
        let plain_json = serde_json::to_value(&plain).expect("json");
        assert!(
            plain_json.get("over_quota_confirmed").is_none(),
            "{plain_json}"
        );
        assert!(
            plain_json.get("over_quota_reason").is_none(),
            "{plain_json}"
        );
        let json = serde_json::to_value(&confirmed).expect("json");
        assert_eq!(json["over_quota_confirmed"], true);
        assert_eq!(json["over_quota_reason"], "Pasien kritis");
        assert_eq!(json["action"], "approve_guarantee");
        let back: ActionData = serde_json::from_value(json).expect("reads back");
        assert_eq!(back, confirmed);
        let e = errors(
            Action::EnrolPbpuPemda,
            &[
                ("payer", "pemprov"),
                ("decided_on", "2025-10-15"),
                ("over_quota_reason", "a\u{0}b"),
            ],
        );
        assert_eq!(e[0].field, "over_quota_reason");
    }

    #[test]
    fn invalid_desil_and_select() {
        let errs = errors(
            Action::RecordDesil,
            &[
                ("source_system", "siak"),
                ("desil", "11"),
                ("registry_data", "x"),
            ],
        );
        assert_eq!(errs.len(), 2);
        assert!(
            errs.iter()
                .any(|e| e.field == "desil"
                    && e.message == "Desil harus 1–10 atau 'tidak terdaftar'")
        );
        assert!(errs.iter().any(|e| e.field == "source_system"));
        let d = parse(
            Action::RecordDesil,
            &[
                ("source_system", "dtsen"),
                ("desil", "tidak_terdaftar"),
                ("registry_data", "tidak ditemukan"),
            ],
        )
        .expect("ok");
        assert_eq!(d.recorded_desil(), Some(Desil::NotListed));
    }

    #[test]
    fn desil_correction_conditional_fields() {
        let errs = errors(Action::RecordDesilCorrection, &[("corrected", "ya")]);
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["new_desil", "corrected_on"]);
        assert!(errs[0].message.contains("Desil hasil koreksi wajib diisi"));

        let d = parse(
            Action::RecordDesilCorrection,
            &[("corrected", "tidak"), ("new_desil", "4")],
        )
        .expect("ok");
        assert_eq!(
            d,
            ActionData::RecordDesilCorrection {
                corrected: false,
                new_desil: None,
                corrected_on: None,
                note: None
            }
        );

        let errs = errors(
            Action::RecordDesilCorrection,
            &[
                ("corrected", "ya"),
                ("new_desil", "4"),
                ("corrected_on", "2025-12-01"),
            ],
        );
        assert_eq!(
            errs[0].message,
            "Tanggal koreksi tidak boleh di masa depan."
        );

        let errs = errors(
            Action::RecordDesilCorrection,
            &[
                ("corrected", "ya"),
                ("new_desil", "tidak_terdaftar"),
                ("corrected_on", "2025-10-01"),
            ],
        );
        assert_eq!(errs[0].field, "new_desil");
        let errs = errors(Action::RecordDesilCorrection, &[("corrected", "mungkin")]);
        assert_eq!(errs[0].field, "corrected");
    }

    #[test]
    fn bpjs_card_thirteen_digits() {
        let e = errors(
            Action::RecordPbiActive,
            &[
                ("bpjs_card_number", "000123456789"),
                ("effective_date", "2025-11-01"),
            ],
        );
        assert_eq!(e[0].message, "Nomor kartu BPJS harus 13 digit angka");
        let d = parse(
            Action::RecordPbiActive,
            &[
                ("bpjs_card_number", "0001 2345 6789 0"),
                ("effective_date", "2025-11-01"),
            ],
        )
        .expect("ok");
        assert!(
            matches!(d, ActionData::RecordPbiActive { ref bpjs_card_number, .. } if bpjs_card_number == "0001234567890")
        );
        let e = errors(
            Action::RecordPbpuActive,
            &[
                ("effective_date", "2025-11-01"),
                ("bpjs_card_number", "12345678901234"),
            ],
        );
        assert_eq!(e[0].field, "bpjs_card_number");
        assert_eq!(e[0].message, "Nomor kartu BPJS harus 13 digit angka");
    }

    #[test]
    fn other_validations() {
        let long = "x".repeat(LONG_TEXT_MAX + 1);
        let e = errors(Action::ReferToKab, &[("reason", long.as_str())]);
        assert!(e[0].message.contains("maksimal 2000 karakter"));
        let e = errors(
            Action::RecordIdentity,
            &[("new_nik", "123"), ("recorded_on", "2025-10-01")],
        );
        assert!(e[0].message.starts_with("NIK baru: "));
        let mut input = valid(Action::ApproveGuarantee);
        input[3] = ("ceiling", "0");
        let e = errors(Action::ApproveGuarantee, &input);
        assert_eq!(e[0].message, "Plafon jaminan (Rp) harus lebih dari 0");
        input[3] = ("ceiling", "satu juta");
        let e = errors(Action::ApproveGuarantee, &input);
        assert_eq!(e[0].field, "ceiling");
        // Whitespace-only is absent; strings are trimmed.
        let d = parse(Action::Resubmit, &[("note", "  ok  ")]).expect("ok");
        assert_eq!(d.reason().as_deref(), Some("ok"));
        let d = parse(Action::Resubmit, &[("note", "   ")]).expect("ok");
        assert_eq!(d, ActionData::Resubmit { note: None });
    }

    #[test]
    fn control_characters_are_refused_in_every_field_once() {
        for &action in Action::ALL {
            for spec in action.fields() {
                let mut input = valid(action);
                input.retain(|(k, _)| *k != spec.name);
                input.push((spec.name, "a\u{0}b"));
                let errs = errors(action, &input);
                let on_field: Vec<_> = errs.iter().filter(|e| e.field == spec.name).collect();
                // A conditional field is ignored when its condition does not hold.
                if spec.name == "new_desil" || spec.name == "corrected_on" {
                    continue;
                }
                assert_eq!(on_field.len(), 1, "{action:?} {}: {errs:?}", spec.name);
                assert!(
                    on_field[0]
                        .message
                        .starts_with(&format!("{} berisi karakter kendali", spec.label)),
                    "{action:?}: {}",
                    on_field[0].message
                );
            }
        }
        // A text area keeps its line breaks; a one-line field refuses them.
        assert!(parse(Action::ReferToKab, &[("reason", "satu\r\ndua")]).is_ok());
        let e = errors(
            Action::SubmitSktm,
            &[
                ("sktm_number", "470/12\n/X"),
                ("sktm_date", "2025-10-15"),
                ("issued_by", "Kelurahan Oebobo"),
            ],
        );
        assert_eq!(
            e[0].message,
            "Nomor SKTM harus satu baris; hapus baris baru di dalamnya."
        );
    }

    #[test]
    fn dates_outside_their_range_are_refused() {
        let mut input = valid(Action::ApproveGuarantee);
        input[1] = ("start_date", "-9999-01-01");
        let e = errors(Action::ApproveGuarantee, &input);
        assert!(e[0].message.contains("tahun harus antara 1900 dan 2100"));
        input[1] = ("start_date", "2026-01-16");
        let e = errors(Action::ApproveGuarantee, &input);
        assert_eq!(
            e[0].message,
            "Tanggal mulai jaminan terlalu jauh ke depan; paling lambat 15-01-2026."
        );
        let e = errors(
            Action::RecordPbiActive,
            &[
                ("bpjs_card_number", "0001234567890"),
                ("effective_date", "2020-10-14"),
            ],
        );
        assert_eq!(
            e[0].message,
            "Tanggal mulai berlaku terlalu lama; paling awal 15-10-2020."
        );
    }

    #[test]
    fn a_typed_letter_number_is_ignored_not_refused() {
        // An older client still sends the number it used to type; whatever it holds, the
        // approval parses the same, and the evidence carries no number.
        for typed in ["440/123/DINKES/2025", "a\u{0}b", &"9".repeat(100_000)] {
            let mut input = valid(Action::ApproveGuarantee);
            input[0] = ("letter_number", typed);
            let d = parse(Action::ApproveGuarantee, &input).expect("ok");
            let json = serde_json::to_value(&d).expect("serializes");
            assert!(json.get("letter_number").is_none(), "{json}");
        }
        assert!(
            !Action::ApproveGuarantee
                .fields()
                .iter()
                .any(|f| f.name == "letter_number")
        );
    }

    #[test]
    fn a_guarantee_does_not_start_before_admission() {
        let d = parse(Action::ApproveGuarantee, &valid(Action::ApproveGuarantee)).expect("ok");
        let admitted = |s: &str| CaseDates {
            admission: s.parse::<NaiveDate>().expect("date"),
            guarantee_start: None,
        };
        assert!(d.case_date_problems(&admitted("2025-10-16")).is_empty());
        let e = d.case_date_problems(&admitted("2025-10-17"));
        assert_eq!(e[0].field, "start_date");
        assert_eq!(
            e[0].message,
            "Tanggal mulai jaminan tidak boleh sebelum tanggal masuk rumah sakit (17-10-2025)."
        );
        let other = parse(Action::ProposePbi, &valid(Action::ProposePbi)).expect("ok");
        assert!(other.case_date_problems(&admitted("2025-10-17")).is_empty());
    }

    #[test]
    fn coverage_starts_after_the_guarantee() {
        let date = |s: &str| s.parse::<NaiveDate>().expect("date");
        for action in [Action::RecordPbiActive, Action::RecordPbpuActive] {
            let d = parse(action, &valid(action)).expect("ok");
            let (ActionData::RecordPbiActive { effective_date, .. }
            | ActionData::RecordPbpuActive { effective_date, .. }) = d
            else {
                panic!("{action:?} parses to its own variant");
            };
            let case = |start: NaiveDate| CaseDates {
                admission: date("2020-01-01"),
                guarantee_start: Some(start),
            };
            let day = chrono::Duration::days(1);
            assert!(d.case_date_problems(&case(effective_date - day)).is_empty());
            let e = d.case_date_problems(&case(effective_date));
            assert_eq!(e[0].field, "effective_date", "{action:?}");
            assert!(
                e[0].message.contains("sesudah tanggal mulai jaminan"),
                "{e:?}"
            );
            assert_eq!(d.case_date_problems(&case(effective_date + day)).len(), 1);
        }
    }

    #[test]
    fn specs_are_consistent() {
        for &action in Action::ALL {
            for spec in action.fields() {
                assert!(!spec.label.is_empty());
                if let FieldKind::Select(options) = spec.kind {
                    assert!(!options.is_empty());
                }
            }
        }
        assert!(
            Action::SubmitSktm
                .fields()
                .iter()
                .any(|f| f.name == "sktm_date" && f.not_future())
        );
    }
}
