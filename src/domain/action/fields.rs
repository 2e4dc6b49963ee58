//! The field specs: which inputs each action takes, described once as data so the HTML forms,
//! the parser ([`super::ActionData::parse`]) and the OpenAPI document all read the same list.

use super::FieldError;
use crate::domain::date::DateRange;
use crate::domain::quota;
use crate::domain::reference::{Payer, ReturnReason, WithdrawReason};
use crate::domain::text::{self, Lines};
use crate::domain::workflow::Action;

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
    /// A desil code (see [`crate::domain::Desil::OPTIONS`]).
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
    /// For a number typed as text (NIK, KK, phone): the HTML `pattern` of what the parser
    /// accepts; the form opens the number keypad for it (see [`FieldSpec::digits`]).
    pub digits: Option<&'static str>,
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

    /// The same text field, typed with the number keypad (`inputmode="numeric"`), `pattern`
    /// being the HTML pattern of what its parser accepts.
    pub const fn digits(mut self, pattern: &'static str) -> FieldSpec {
        self.digits = Some(pattern);
        self
    }

    /// The HTML pattern of a number typed as text: the field's own, or the NIK's 16 digits
    /// (separators allowed, as the parser allows them).
    pub fn digit_pattern(&self) -> Option<&'static str> {
        match (self.digits, self.kind) {
            (Some(p), _) => Some(p),
            (None, FieldKind::Nik) => Some(NIK_PATTERN),
            _ => None,
        }
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
        digits: None,
    }
}

/// The HTML pattern of a NIK or KK number: 16 digits, spaces and dots between them allowed.
pub const NIK_PATTERN: &str = "[0-9][0-9 .]*[0-9]";

const NOTE: FieldSpec = field("note", "Catatan", FieldKind::LongText, false, "");
const REASON: FieldSpec = field("reason", "Alasan", FieldKind::LongText, true, "");
// The confirmation to approve beyond the payer's quota (`domain::quota`). The case page shows
// the two only when the approval would exceed what remains.
const OVER_QUOTA_CONFIRMED: FieldSpec = field(
    "over_quota_confirmed",
    quota::CONFIRM_LABEL,
    FieldKind::Checkbox,
    false,
    "Hanya bila persetujuan melebihi sisa kuota penanggung untuk tahun itu",
);
const OVER_QUOTA_REASON: FieldSpec = field(
    "over_quota_reason",
    quota::REASON_LABEL,
    FieldKind::LongText,
    false,
    "Wajib bila persetujuan melebihi kuota",
);
/// The fields of the over-quota confirmation.
pub const OVER_QUOTA_FIELDS: [&str; 2] = [OVER_QUOTA_CONFIRMED.name, OVER_QUOTA_REASON.name];
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
// No letter number: it is issued from the yearly sequence at approval (`domain::guarantee`).
const F_APPROVE_GUARANTEE: &[FieldSpec] = &[
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
    OVER_QUOTA_CONFIRMED,
    OVER_QUOTA_REASON,
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
    OVER_QUOTA_CONFIRMED,
    OVER_QUOTA_REASON,
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

/// The keys of every free-text field of every action (one-line and multi-line text): what a
/// person typed into a step's evidence, which the retention purge replaces.
pub fn free_text_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Action::ALL
        .iter()
        .flat_map(|a| a.fields())
        .filter(|f| matches!(f.kind, FieldKind::Text | FieldKind::LongText))
        .map(|f| f.name)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

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
