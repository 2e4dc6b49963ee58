//! The evidence each workflow action requires, described once as data
//! ([`Action::fields`]) so HTML forms and the OpenAPI document are generated
//! from it, and parsed from a string map ([`ActionData::parse`]) with every
//! field error collected and worded in Bahasa Indonesia.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::date::{self, DateRange};
use super::desil::Desil;
use super::locale;
use super::nik::Nik;
use super::reference::{Payer, ReturnReason, SourceSystem, WithdrawReason};
use super::text::{self, Lines};
use super::workflow::Action;

/// Maximum length (characters) of a [`FieldKind::LongText`] value.
pub const LONG_TEXT_MAX: usize = 2000;
/// Maximum length (characters) of a [`FieldKind::Text`] value.
pub const TEXT_MAX: usize = 200;

/// The kind of an input field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One-line text (max [`TEXT_MAX`] characters).
    Text,
    /// Multi-line text (max [`LONG_TEXT_MAX`] characters).
    LongText,
    /// A date, `YYYY-MM-DD` (also `DD/MM/YYYY`).
    Date,
    /// A whole number (rupiah); thousands dots allowed.
    Integer,
    /// A checkbox; absent means false.
    Checkbox,
    /// One of the listed `(code, label)` options.
    Select(&'static [(&'static str, &'static str)]),
    /// A 16-digit NIK.
    Nik,
    /// A desil code (see [`Desil::OPTIONS`]).
    Desil,
}

/// Description of one input field of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Form / JSON key.
    pub name: &'static str,
    /// Bahasa Indonesia label.
    pub label: &'static str,
    /// Kind of input.
    pub kind: FieldKind,
    /// Whether the field is always required (conditional requirements are
    /// described in `help`).
    pub required: bool,
    /// Help text shown under the field.
    pub help: &'static str,
    /// Maximum length in characters of a text field, when not its kind's default.
    pub max_chars: Option<usize>,
    /// The plausible range of a date field (see [`FieldSpec::within`]).
    pub dates: DateRange,
}

impl FieldSpec {
    /// Maximum length in characters for text fields.
    pub fn max_len(&self) -> Option<usize> {
        match self.kind {
            FieldKind::Text => Some(self.max_chars.unwrap_or(TEXT_MAX)),
            FieldKind::LongText => Some(self.max_chars.unwrap_or(LONG_TEXT_MAX)),
            _ => None,
        }
    }

    /// Whether a date field must not be in the future.
    pub fn not_future(&self) -> bool {
        self.kind == FieldKind::Date && self.dates.not_future()
    }

    /// The same field with at most `max` characters.
    pub const fn max_chars(mut self, max: usize) -> FieldSpec {
        self.max_chars = Some(max);
        self
    }

    /// The same date field, plausible only within `range`.
    pub const fn within(mut self, range: DateRange) -> FieldSpec {
        self.dates = range;
        self
    }

    /// Checks a trimmed, non-empty value of this field for control characters and length
    /// (see [`text::check`]); codes, dates and numbers get [`text::CODE_MAX`].
    pub fn check_text(&self, value: &str) -> Result<(), FieldError> {
        let lines = match self.kind {
            FieldKind::LongText => Lines::Many,
            _ => Lines::One,
        };
        let max = self.max_len().unwrap_or(text::CODE_MAX);
        text::check(self.name, self.label, value, max, lines)
    }
}

/// A field description (for `const` field lists here and in the intake form).
pub const fn field(
    name: &'static str,
    label: &'static str,
    kind: FieldKind,
    required: bool,
    help: &'static str,
) -> FieldSpec {
    FieldSpec {
        name,
        label,
        kind,
        required,
        help,
        max_chars: None,
        dates: DateRange::ANY,
    }
}

const NOTE: FieldSpec = field("note", "Catatan", FieldKind::LongText, false, "");
const REASON: FieldSpec = field("reason", "Alasan", FieldKind::LongText, true, "");
const DATA_VINTAGE: FieldSpec = field(
    "data_vintage",
    "Tanggal data",
    FieldKind::Date,
    false,
    "Tanggal pembaruan data di registri, jika diketahui",
)
.within(DateRange::REGISTRY_VINTAGE);
const SIAK_ONLY: &[(&str, &str)] = &[("siak", "SIAK")];
const DESIL_SOURCES: &[(&str, &str)] = &[("siks_ng", "SIKS-NG"), ("dtsen", "DTSEN")];
const YA_TIDAK: &[(&str, &str)] = &[("ya", "Ya, desil dikoreksi"), ("tidak", "Tidak dikoreksi")];
const BPJS_CARD_HELP: &str = "13 digit angka";

const F_SUBMIT: &[FieldSpec] = &[];
const F_RESUBMIT: &[FieldSpec] = &[NOTE];
const F_VERIFY_NIK: &[FieldSpec] = &[
    field(
        "source_system",
        "Sumber data",
        FieldKind::Select(SIAK_ONLY),
        true,
        "",
    ),
    field(
        "registry_data",
        "Data di registri",
        FieldKind::LongText,
        true,
        "Data sebagaimana tampil di SIAK",
    ),
    DATA_VINTAGE,
    NOTE,
];
const F_REFER_TO_KAB: &[FieldSpec] = &[REASON];
const F_REQUIRE_RECORDING: &[FieldSpec] = &[REASON];
const F_RECORD_IDENTITY: &[FieldSpec] = &[
    field(
        "new_nik",
        "NIK baru",
        FieldKind::Nik,
        true,
        "16 digit angka",
    ),
    field(
        "ktp_el_issued",
        "KTP-el diterbitkan",
        FieldKind::Checkbox,
        false,
        "",
    ),
    field(
        "recorded_on",
        "Tanggal perekaman",
        FieldKind::Date,
        true,
        "Tidak boleh di masa depan",
    )
    .within(DateRange::RECENT_PAST),
    NOTE,
];
const F_RECORD_DESIL: &[FieldSpec] = &[
    field(
        "source_system",
        "Sumber data",
        FieldKind::Select(DESIL_SOURCES),
        true,
        "",
    ),
    field("desil", "Desil", FieldKind::Desil, true, ""),
    field(
        "registry_data",
        "Data di registri",
        FieldKind::LongText,
        true,
        "Data sebagaimana tampil di SIKS-NG/DTSEN",
    ),
    DATA_VINTAGE,
    NOTE,
];
const F_SUBMIT_SKTM: &[FieldSpec] = &[
    field("sktm_number", "Nomor SKTM", FieldKind::Text, true, ""),
    field(
        "sktm_date",
        "Tanggal SKTM",
        FieldKind::Date,
        true,
        "Tidak boleh di masa depan",
    )
    .within(DateRange::RECENT_PAST),
    field(
        "issued_by",
        "Desa/kelurahan penerbit",
        FieldKind::Text,
        true,
        "",
    ),
];
const F_RECORD_DESIL_CORRECTION: &[FieldSpec] = &[
    field(
        "corrected",
        "Desil dikoreksi?",
        FieldKind::Select(YA_TIDAK),
        true,
        "",
    ),
    field(
        "new_desil",
        "Desil hasil koreksi",
        FieldKind::Desil,
        false,
        "Wajib jika desil dikoreksi",
    ),
    field(
        "corrected_on",
        "Tanggal koreksi",
        FieldKind::Date,
        false,
        "Wajib jika desil dikoreksi; tidak boleh di masa depan",
    )
    .within(DateRange::RECENT_PAST),
    NOTE,
];
const F_APPROVE_GUARANTEE: &[FieldSpec] = &[
    field(
        "letter_number",
        "Nomor surat jaminan",
        FieldKind::Text,
        true,
        "",
    ),
    field(
        "start_date",
        "Tanggal mulai jaminan",
        FieldKind::Date,
        true,
        "Tidak sebelum tanggal masuk rumah sakit; paling jauh 3 bulan ke depan",
    )
    .within(DateRange::GUARANTEE_START),
    field(
        "payer",
        "Penanggung biaya",
        FieldKind::Select(Payer::OPTIONS),
        true,
        "",
    ),
    field(
        "ceiling",
        "Plafon jaminan (Rp)",
        FieldKind::Integer,
        false,
        "Opsional; lebih dari 0",
    ),
];
const F_REJECT_GUARANTEE: &[FieldSpec] = &[REASON];
const F_PROPOSE_PBI: &[FieldSpec] = &[
    field(
        "proposed_on",
        "Tanggal usulan",
        FieldKind::Date,
        true,
        "Tidak boleh di masa depan",
    )
    .within(DateRange::RECENT_PAST),
    field(
        "proposal_reference",
        "Nomor/referensi usulan",
        FieldKind::Text,
        false,
        "",
    ),
];
const F_RECORD_PBI_ACTIVE: &[FieldSpec] = &[
    field(
        "bpjs_card_number",
        "Nomor kartu BPJS",
        FieldKind::Text,
        true,
        BPJS_CARD_HELP,
    ),
    field(
        "effective_date",
        "Tanggal mulai berlaku",
        FieldKind::Date,
        true,
        "",
    )
    .within(DateRange::MEMBERSHIP_START),
];
const F_RECORD_PBI_REFUSED: &[FieldSpec] = &[REASON];
const F_PROPOSE_PBPU: &[FieldSpec] = &[
    field(
        "proposed_on",
        "Tanggal usulan",
        FieldKind::Date,
        true,
        "Tidak boleh di masa depan",
    )
    .within(DateRange::RECENT_PAST),
    field(
        "proposal_reference",
        "Nomor/referensi usulan",
        FieldKind::Text,
        false,
        "",
    ),
    NOTE,
];
const F_ENROL_PBPU_PEMDA: &[FieldSpec] = &[
    field(
        "payer",
        "Penanggung iuran",
        FieldKind::Select(Payer::OPTIONS),
        true,
        "APBD Provinsi, atau Pemerintah Kabupaten/Kota asal pasien",
    ),
    field(
        "decided_on",
        "Tanggal keputusan",
        FieldKind::Date,
        true,
        "Tidak boleh di masa depan",
    )
    .within(DateRange::RECENT_PAST),
    field(
        "decision_reference",
        "Nomor/referensi keputusan",
        FieldKind::Text,
        false,
        "Mis. nomor nota dinas; nomor Keputusan Gubernur dicatat pada daftar nominatif",
    ),
    NOTE,
];
const F_RECORD_PBPU_ACTIVE: &[FieldSpec] = &[
    field(
        "bpjs_card_number",
        "Nomor kartu BPJS",
        FieldKind::Text,
        true,
        BPJS_CARD_HELP,
    ),
    field(
        "effective_date",
        "Tanggal mulai berlaku",
        FieldKind::Date,
        true,
        "",
    )
    .within(DateRange::MEMBERSHIP_START),
];
const F_RETURN_TO_RSUD: &[FieldSpec] = &[
    field(
        "reason_code",
        "Alasan pengembalian",
        FieldKind::Select(ReturnReason::OPTIONS),
        true,
        "",
    ),
    field(
        "reason_text",
        "Keterangan",
        FieldKind::LongText,
        true,
        "Jelaskan apa yang perlu diperbaiki RSUD",
    ),
];
const F_WITHDRAW: &[FieldSpec] = &[
    field(
        "reason_code",
        "Alasan pembatalan",
        FieldKind::Select(WithdrawReason::OPTIONS),
        true,
        "",
    ),
    field("reason_text", "Keterangan", FieldKind::LongText, false, ""),
];

impl Action {
    /// The input fields this action requires, in display order.
    pub fn fields(&self) -> &'static [FieldSpec] {
        match self {
            Action::Submit => F_SUBMIT,
            Action::Resubmit => F_RESUBMIT,
            Action::VerifyNik => F_VERIFY_NIK,
            Action::ReferToKab => F_REFER_TO_KAB,
            Action::RequireRecording => F_REQUIRE_RECORDING,
            Action::RecordIdentity => F_RECORD_IDENTITY,
            Action::RecordDesil => F_RECORD_DESIL,
            Action::SubmitSktm => F_SUBMIT_SKTM,
            Action::RecordDesilCorrection => F_RECORD_DESIL_CORRECTION,
            Action::ApproveGuarantee => F_APPROVE_GUARANTEE,
            Action::RejectGuarantee => F_REJECT_GUARANTEE,
            Action::ProposePbi => F_PROPOSE_PBI,
            Action::RecordPbiActive => F_RECORD_PBI_ACTIVE,
            Action::RecordPbiRefused => F_RECORD_PBI_REFUSED,
            Action::ProposePbpu => F_PROPOSE_PBPU,
            Action::EnrolPbpuPemda => F_ENROL_PBPU_PEMDA,
            Action::RecordPbpuActive => F_RECORD_PBPU_ACTIVE,
            Action::ReturnToRsud => F_RETURN_TO_RSUD,
            Action::Withdraw => F_WITHDRAW,
        }
    }
}

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
    /// Temporary guarantee approved.
    ApproveGuarantee {
        /// Guarantee letter number.
        letter_number: String,
        /// First day covered.
        start_date: NaiveDate,
        /// Who pays.
        payer: Payer,
        /// Optional ceiling in rupiah.
        ceiling: Option<i64>,
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

/// Collects field values and errors while parsing one action's input.
struct Form<'a> {
    action: Action,
    input: &'a HashMap<String, String>,
    today: NaiveDate,
    errors: Vec<FieldError>,
}

impl<'a> Form<'a> {
    fn spec(&self, name: &'static str) -> FieldSpec {
        self.action
            .fields()
            .iter()
            .find(|f| f.name == name)
            .copied()
            .unwrap_or(field(name, name, FieldKind::Text, false, ""))
    }

    fn error(&mut self, field: &'static str, message: String) {
        self.errors.push(FieldError { field, message });
    }

    /// The trimmed value, `None` if absent or empty.
    fn raw(&self, name: &str) -> Option<&'a str> {
        self.input
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    /// The trimmed value with its spec; reports a missing required field, and a value with
    /// control characters or too long (then `None`: the one error is enough).
    fn present(&mut self, name: &'static str) -> Option<(&'a str, FieldSpec)> {
        let spec = self.spec(name);
        match self.raw(name) {
            Some(v) => match spec.check_text(v) {
                Ok(()) => Some((v, spec)),
                Err(e) => {
                    self.errors.push(e);
                    None
                }
            },
            None => {
                if spec.required {
                    self.error(name, format!("{} wajib diisi", spec.label));
                }
                None
            }
        }
    }

    fn text(&mut self, name: &'static str) -> Option<String> {
        let (v, _) = self.present(name)?;
        Some(v.to_string())
    }

    fn date(&mut self, name: &'static str) -> Option<NaiveDate> {
        let (v, spec) = self.present(name)?;
        match date::check(spec.label, v, self.today, spec.dates) {
            Ok(d) => Some(d),
            Err(message) => {
                self.error(name, message);
                None
            }
        }
    }

    fn integer(&mut self, name: &'static str) -> Option<i64> {
        let (v, spec) = self.present(name)?;
        let v = v.strip_prefix("Rp").unwrap_or(v);
        let digits: String = v
            .chars()
            .filter(|c| !matches!(c, '.' | ' ' | '_'))
            .collect();
        match digits.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(name, format!("{} harus berupa bilangan bulat", spec.label));
                None
            }
        }
    }

    fn checkbox(&mut self, name: &'static str) -> bool {
        let spec = self.spec(name);
        let value = match self.raw(name).map(|v| (v, spec.check_text(v))) {
            Some((_, Err(e))) => {
                self.errors.push(e);
                return false;
            }
            Some((v, Ok(()))) => Some(v),
            None => None,
        };
        match value.map(str::to_ascii_lowercase).as_deref() {
            None | Some("false" | "0" | "off" | "tidak" | "no") => false,
            Some("true" | "1" | "on" | "ya" | "yes") => true,
            Some(_) => {
                self.error(name, format!("{} harus dicentang atau tidak", spec.label));
                false
            }
        }
    }

    /// A select value: must be one of the spec's option codes.
    fn select_code(&mut self, name: &'static str) -> Option<&'static str> {
        let (v, spec) = self.present(name)?;
        let options: &'static [(&'static str, &'static str)] = match spec.kind {
            FieldKind::Select(options) => options,
            _ => &[],
        };
        match options.iter().find(|(code, _)| *code == v) {
            Some((code, _)) => Some(code),
            None => {
                let labels: Vec<&str> = options.iter().map(|(_, l)| *l).collect();
                self.error(
                    name,
                    format!(
                        "{} tidak valid; pilih salah satu: {}",
                        spec.label,
                        labels.join(", ")
                    ),
                );
                None
            }
        }
    }

    fn select<T: FromStr>(&mut self, name: &'static str) -> Option<T> {
        let code = self.select_code(name)?;
        match code.parse::<T>() {
            Ok(v) => Some(v),
            Err(_) => {
                let label = self.spec(name).label;
                self.error(name, format!("{label} tidak valid"));
                None
            }
        }
    }

    fn nik(&mut self, name: &'static str) -> Option<Nik> {
        let (v, spec) = self.present(name)?;
        match Nik::parse(v) {
            Ok(n) => Some(n),
            Err(e) => {
                self.error(name, format!("{}: {e}", spec.label));
                None
            }
        }
    }

    fn desil(&mut self, name: &'static str) -> Option<Desil> {
        let (v, spec) = self.present(name)?;
        match Desil::parse(v) {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(
                    name,
                    format!("{} harus 1–10 atau 'tidak terdaftar'", spec.label),
                );
                None
            }
        }
    }

    /// A 13-digit BPJS card number (spaces and dashes ignored).
    fn card_number(&mut self, name: &'static str) -> Option<String> {
        let (v, spec) = self.present(name)?;
        let digits: String = v.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() == 13 && digits.chars().all(|c| c.is_ascii_digit()) {
            Some(digits)
        } else {
            self.error(name, format!("{} harus 13 digit angka", spec.label));
            None
        }
    }

    fn finish(
        self,
        build: impl FnOnce() -> Option<ActionData>,
    ) -> Result<ActionData, Vec<FieldError>> {
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        build().ok_or_else(|| {
            vec![FieldError {
                field: "",
                message: "Data tindakan tidak lengkap".to_string(),
            }]
        })
    }
}

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
        let mut f = Form {
            action,
            input,
            today,
            errors: Vec::new(),
        };
        match action {
            Action::Submit => f.finish(|| Some(ActionData::Submit)),
            Action::Resubmit => {
                let note = f.text("note");
                f.finish(|| Some(ActionData::Resubmit { note }))
            }
            Action::VerifyNik => {
                let source_system = f.select::<SourceSystem>("source_system");
                let registry_data = f.text("registry_data");
                let data_vintage = f.date("data_vintage");
                let note = f.text("note");
                f.finish(|| {
                    Some(ActionData::VerifyNik {
                        source_system: source_system?,
                        registry_data: registry_data?,
                        data_vintage,
                        note,
                    })
                })
            }
            Action::ReferToKab => {
                let reason = f.text("reason");
                f.finish(|| Some(ActionData::ReferToKab { reason: reason? }))
            }
            Action::RequireRecording => {
                let reason = f.text("reason");
                f.finish(|| Some(ActionData::RequireRecording { reason: reason? }))
            }
            Action::RecordIdentity => {
                let new_nik = f.nik("new_nik");
                let ktp_el_issued = f.checkbox("ktp_el_issued");
                let recorded_on = f.date("recorded_on");
                let note = f.text("note");
                f.finish(|| {
                    Some(ActionData::RecordIdentity {
                        new_nik: new_nik?,
                        ktp_el_issued,
                        recorded_on: recorded_on?,
                        note,
                    })
                })
            }
            Action::RecordDesil => {
                let source_system = f.select::<SourceSystem>("source_system");
                let desil = f.desil("desil");
                let registry_data = f.text("registry_data");
                let data_vintage = f.date("data_vintage");
                let note = f.text("note");
                f.finish(|| {
                    Some(ActionData::RecordDesil {
                        source_system: source_system?,
                        desil: desil?,
                        registry_data: registry_data?,
                        data_vintage,
                        note,
                    })
                })
            }
            Action::SubmitSktm => {
                let sktm_number = f.text("sktm_number");
                let sktm_date = f.date("sktm_date");
                let issued_by = f.text("issued_by");
                f.finish(|| {
                    Some(ActionData::SubmitSktm {
                        sktm_number: sktm_number?,
                        sktm_date: sktm_date?,
                        issued_by: issued_by?,
                    })
                })
            }
            Action::RecordDesilCorrection => {
                let corrected = f.select_code("corrected").map(|c| c == "ya");
                let note = f.text("note");
                let (new_desil, corrected_on) = if corrected == Some(true) {
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
                } else {
                    // Not corrected: any stray values are ignored.
                    (None, None)
                };
                f.finish(|| {
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
                })
            }
            Action::ApproveGuarantee => {
                let letter_number = f.text("letter_number");
                let start_date = f.date("start_date");
                let payer = f.select::<Payer>("payer");
                let ceiling = f.integer("ceiling");
                if ceiling.is_some_and(|c| c <= 0) {
                    let label = f.spec("ceiling").label;
                    f.error("ceiling", format!("{label} harus lebih dari 0"));
                }
                f.finish(|| {
                    Some(ActionData::ApproveGuarantee {
                        letter_number: letter_number?,
                        start_date: start_date?,
                        payer: payer?,
                        ceiling,
                    })
                })
            }
            Action::RejectGuarantee => {
                let reason = f.text("reason");
                f.finish(|| Some(ActionData::RejectGuarantee { reason: reason? }))
            }
            Action::ProposePbi => {
                let proposed_on = f.date("proposed_on");
                let proposal_reference = f.text("proposal_reference");
                f.finish(|| {
                    Some(ActionData::ProposePbi {
                        proposed_on: proposed_on?,
                        proposal_reference,
                    })
                })
            }
            Action::RecordPbiActive => {
                let bpjs_card_number = f.card_number("bpjs_card_number");
                let effective_date = f.date("effective_date");
                f.finish(|| {
                    Some(ActionData::RecordPbiActive {
                        bpjs_card_number: bpjs_card_number?,
                        effective_date: effective_date?,
                    })
                })
            }
            Action::RecordPbiRefused => {
                let reason = f.text("reason");
                f.finish(|| Some(ActionData::RecordPbiRefused { reason: reason? }))
            }
            Action::ProposePbpu => {
                let proposed_on = f.date("proposed_on");
                let proposal_reference = f.text("proposal_reference");
                let note = f.text("note");
                f.finish(|| {
                    Some(ActionData::ProposePbpu {
                        proposed_on: proposed_on?,
                        proposal_reference,
                        note,
                    })
                })
            }
            Action::EnrolPbpuPemda => {
                let payer = f.select::<Payer>("payer");
                let decided_on = f.date("decided_on");
                let decision_reference = f.text("decision_reference");
                let note = f.text("note");
                f.finish(|| {
                    Some(ActionData::EnrolPbpuPemda {
                        payer: payer?,
                        decided_on: decided_on?,
                        decision_reference,
                        note,
                    })
                })
            }
            Action::RecordPbpuActive => {
                let bpjs_card_number = f.card_number("bpjs_card_number");
                let effective_date = f.date("effective_date");
                f.finish(|| {
                    Some(ActionData::RecordPbpuActive {
                        bpjs_card_number: bpjs_card_number?,
                        effective_date: effective_date?,
                    })
                })
            }
            Action::ReturnToRsud => {
                let reason_code = f.select::<ReturnReason>("reason_code");
                let reason_text = f.text("reason_text");
                f.finish(|| {
                    Some(ActionData::ReturnToRsud {
                        reason_code: reason_code?,
                        reason_text: reason_text?,
                    })
                })
            }
            Action::Withdraw => {
                let reason_code = f.select::<WithdrawReason>("reason_code");
                let reason_text = f.text("reason_text");
                f.finish(|| {
                    Some(ActionData::Withdraw {
                        reason_code: reason_code?,
                        reason_text,
                    })
                })
            }
        }
    }

    /// Date rules that need the case itself (the caller checks them after [`Self::parse`]):
    /// a guarantee does not start before the patient was admitted.
    pub fn case_date_problems(&self, admission_date: NaiveDate) -> Vec<FieldError> {
        match self {
            ActionData::ApproveGuarantee { start_date, .. } if *start_date < admission_date => {
                vec![FieldError {
                    field: "start_date",
                    message: format!(
                        "Tanggal mulai jaminan tidak boleh sebelum tanggal masuk rumah sakit ({}).",
                        locale::date(admission_date)
                    ),
                }]
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
    fn a_guarantee_does_not_start_before_admission() {
        let d = parse(Action::ApproveGuarantee, &valid(Action::ApproveGuarantee)).expect("ok");
        let admitted = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert!(d.case_date_problems(admitted("2025-10-16")).is_empty());
        let e = d.case_date_problems(admitted("2025-10-17"));
        assert_eq!(e[0].field, "start_date");
        assert_eq!(
            e[0].message,
            "Tanggal mulai jaminan tidak boleh sebelum tanggal masuk rumah sakit (17-10-2025)."
        );
        let other = parse(Action::ProposePbi, &valid(Action::ProposePbi)).expect("ok");
        assert!(other.case_date_problems(admitted("2025-10-17")).is_empty());
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
