//! Claims (klaim): the hospital bills the payer of a temporary guarantee for the care it gave;
//! Dinkes prov verifies the claim (accepts it, or sends it back with a reason for the hospital
//! to correct and resubmit) and records the payment. The paid sums are the realised financing
//! ("realisasi pembiayaan") of the reports.
//!
//! As for cases, one pure function says who may do what in which status ([`decide_claim`]),
//! the pages ask the same function which forms to show ([`available_claim_actions`]), and the
//! inputs are field specs ([`CLAIM_FIELDS`], [`RETURN_FIELDS`], [`PAY_FIELDS`]) that drive the
//! forms, the parsers here and the OpenAPI document.
//!
//! ```text
//!   (none) ──submit (rsud)──▶ submitted ──accept (dinkes_prov)──▶ accepted ──pay (dinkes_prov)──▶ paid
//!                                │  ▲
//!              return (dinkes_prov)  resubmit (rsud)
//!                                ▼  │
//!                              returned
//! ```

use std::collections::HashMap;

use chrono::NaiveDate;

use super::action::{FieldError, FieldKind, FieldSpec, field};
use super::date::{self, DateRange};
use super::money::Rupiah;
use super::reference::{Role, code_enum};

code_enum! {
    /// Where a claim stands.
    pub enum ClaimStatus {
        /// Submitted by the hospital; Dinkes prov verifies it.
        Submitted => ("submitted", "Diajukan, menunggu verifikasi"),
        /// Sent back to the hospital to correct and resubmit.
        Returned => ("returned", "Dikembalikan ke RS"),
        /// Verified by Dinkes prov; waiting for payment.
        Accepted => ("accepted", "Terverifikasi, menunggu pembayaran"),
        /// Paid (final).
        Paid => ("paid", "Dibayar"),
    }
}

code_enum! {
    /// Something a user does to a claim.
    pub enum ClaimAction {
        /// The hospital records a claim for a guaranteed case.
        Submit => ("submit", "Ajukan klaim"),
        /// The hospital resubmits a returned claim, corrected.
        Resubmit => ("resubmit", "Ajukan ulang klaim"),
        /// Dinkes prov sends the claim back with a reason.
        Return => ("return", "Kembalikan ke RS"),
        /// Dinkes prov accepts the claim as verified.
        Accept => ("accept", "Terima klaim (terverifikasi)"),
        /// Dinkes prov records the payment.
        Pay => ("pay", "Catat pembayaran"),
    }
}

/// Why a claim action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimRefusal {
    /// The role never takes this action.
    NotYourAction,
    /// The action does not apply in the claim's status; the message says why.
    NotNow(&'static str),
}

/// Whether `role` is the one that takes `action` (in some status).
pub fn claim_role_takes(action: ClaimAction, role: Role) -> bool {
    match action {
        ClaimAction::Submit | ClaimAction::Resubmit => role == Role::Rsud,
        ClaimAction::Return | ClaimAction::Accept | ClaimAction::Pay => role == Role::DinkesProv,
    }
}

/// The status `action` by `role` leads to from `status` (`None`: no claim yet), or why not.
pub fn decide_claim(
    status: Option<ClaimStatus>,
    action: ClaimAction,
    role: Role,
) -> Result<ClaimStatus, ClaimRefusal> {
    use ClaimAction as A;
    use ClaimStatus as S;
    if !claim_role_takes(action, role) {
        return Err(ClaimRefusal::NotYourAction);
    }
    match (status, action) {
        (None, A::Submit) => Ok(S::Submitted),
        (Some(S::Returned), A::Resubmit) => Ok(S::Submitted),
        (Some(S::Submitted), A::Return) => Ok(S::Returned),
        (Some(S::Submitted), A::Accept) => Ok(S::Accepted),
        (Some(S::Accepted), A::Pay) => Ok(S::Paid),
        (Some(_), A::Submit) => Err(ClaimRefusal::NotNow("Klaim ini sudah diajukan.")),
        (None, _) => Err(ClaimRefusal::NotNow("Klaim belum diajukan.")),
        (Some(S::Paid), _) => Err(ClaimRefusal::NotNow(
            "Klaim ini sudah dibayar; tidak ada lagi yang dapat diubah.",
        )),
        (Some(S::Returned), _) => Err(ClaimRefusal::NotNow(
            "Klaim ini sedang dikembalikan ke rumah sakit; tunggu pengajuan ulangnya.",
        )),
        (Some(S::Submitted), A::Resubmit | A::Pay) => Err(ClaimRefusal::NotNow(
            "Klaim ini menunggu verifikasi Dinkes Provinsi.",
        )),
        (Some(S::Accepted), _) => Err(ClaimRefusal::NotNow(
            "Klaim ini sudah diterima; yang tersisa hanya mencatat pembayarannya.",
        )),
    }
}

/// The actions `role` may take on a claim in `status` now (what the claim page shows).
pub fn available_claim_actions(status: ClaimStatus, role: Role) -> Vec<ClaimAction> {
    ClaimAction::ALL
        .iter()
        .copied()
        .filter(|a| decide_claim(Some(status), *a, role).is_ok())
        .collect()
}

/// Most characters an INA-CBG code may have (`A-4-10-III` has 10; special CMGs a few more).
pub const INA_CBG_MAX: usize = 20;

/// The fields of a claim, as the hospital submits (and resubmits) it. The claim document is a
/// file part `file` beside them.
pub const CLAIM_FIELDS: &[FieldSpec] = &[
    field(
        "care_start",
        "Awal masa perawatan",
        FieldKind::Date,
        true,
        "Hari pertama perawatan yang diklaim; di dalam masa jaminan.",
    )
    .within(DateRange::RECENT_PAST),
    field(
        "care_end",
        "Akhir masa perawatan",
        FieldKind::Date,
        true,
        "Hari terakhir perawatan yang diklaim (tanggal pulang); di dalam masa jaminan.",
    )
    .within(DateRange::RECENT_PAST),
    field(
        "amount_claimed",
        "Nilai klaim",
        FieldKind::Integer,
        true,
        "Rupiah bulat, misalnya 12.500.000 atau Rp12.500.000.",
    ),
    field(
        "ina_cbg_code",
        "Kode INA-CBG",
        FieldKind::Text,
        false,
        "Bila ada, misalnya I-4-10-I (CMG-jenis kasus-kode-tingkat keparahan 0/I/II/III).",
    )
    .max_chars(INA_CBG_MAX),
];

/// The field of a send-back.
pub const RETURN_FIELDS: &[FieldSpec] = &[field(
    "reason",
    "Alasan pengembalian",
    FieldKind::LongText,
    true,
    "Apa yang harus diperbaiki rumah sakit.",
)];

/// The fields of a payment.
pub const PAY_FIELDS: &[FieldSpec] = &[
    field(
        "paid_on",
        "Tanggal bayar",
        FieldKind::Date,
        true,
        "Tanggal dana ditransfer; tidak sebelum klaim diajukan.",
    )
    .within(DateRange::RECENT_PAST),
    field(
        "amount_paid",
        "Nilai dibayar",
        FieldKind::Integer,
        true,
        "Rupiah bulat, paling banyak sebesar nilai klaim.",
    ),
    field(
        "payment_reference",
        "Nomor bukti bayar",
        FieldKind::Text,
        false,
        "Nomor SP2D atau bukti transfer, bila ada.",
    )
    .max_chars(100),
];

impl ClaimAction {
    /// The inputs of the action.
    pub fn fields(&self) -> &'static [FieldSpec] {
        match self {
            ClaimAction::Submit | ClaimAction::Resubmit => CLAIM_FIELDS,
            ClaimAction::Return => RETURN_FIELDS,
            ClaimAction::Accept => &[],
            ClaimAction::Pay => PAY_FIELDS,
        }
    }

    /// The status a successful action leaves the claim in.
    pub fn target(&self) -> ClaimStatus {
        match self {
            ClaimAction::Submit | ClaimAction::Resubmit => ClaimStatus::Submitted,
            ClaimAction::Return => ClaimStatus::Returned,
            ClaimAction::Accept => ClaimStatus::Accepted,
            ClaimAction::Pay => ClaimStatus::Paid,
        }
    }
}

/// A claim as the hospital entered it, checked field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimInput {
    pub care_start: NaiveDate,
    pub care_end: NaiveDate,
    pub amount_claimed: Rupiah,
    /// Upper-case, e.g. `I-4-10-I`.
    pub ina_cbg_code: Option<String>,
}

/// A payment as Dinkes entered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentInput {
    pub paid_on: NaiveDate,
    pub amount_paid: Rupiah,
    pub payment_reference: Option<String>,
}

/// Reads one form (or JSON object turned into one) against field specs, collecting every
/// error.
struct Reader<'a> {
    specs: &'static [FieldSpec],
    input: &'a HashMap<String, String>,
    today: NaiveDate,
    errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    fn new(
        specs: &'static [FieldSpec],
        input: &'a HashMap<String, String>,
        today: NaiveDate,
    ) -> Self {
        Reader {
            specs,
            input,
            today,
            errors: vec![],
        }
    }

    fn spec(&self, name: &'static str) -> FieldSpec {
        self.specs
            .iter()
            .find(|f| f.name == name)
            .copied()
            .unwrap_or(field(name, name, FieldKind::Text, false, ""))
    }

    fn error(&mut self, field: &'static str, message: String) {
        self.errors.push(FieldError { field, message });
    }

    /// The trimmed value, checked for control characters and length; a missing required
    /// value is an error.
    fn present(&mut self, name: &'static str) -> Option<(&'a str, FieldSpec)> {
        let spec = self.spec(name);
        let value = self
            .input
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty());
        match value {
            Some(v) => match spec.check_text(v) {
                Ok(()) => Some((v, spec)),
                Err(e) => {
                    self.errors.push(e);
                    None
                }
            },
            None => {
                if spec.required {
                    self.error(name, format!("{} wajib diisi.", spec.label));
                }
                None
            }
        }
    }

    fn text(&mut self, name: &'static str) -> Option<String> {
        self.present(name).map(|(v, _)| v.to_string())
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

    /// A positive amount of whole rupiah ([`Rupiah::parse`]).
    fn amount(&mut self, name: &'static str) -> Option<Rupiah> {
        let (v, spec) = self.present(name)?;
        match Rupiah::parse(v) {
            Ok(Rupiah(0)) => {
                self.error(name, format!("{} harus lebih dari Rp0.", spec.label));
                None
            }
            Ok(r) => Some(r),
            Err(e) => {
                self.error(name, e.message(spec.label));
                None
            }
        }
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, Vec<FieldError>> {
        match value {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ if !self.errors.is_empty() => Err(self.errors),
            _ => Err(vec![FieldError {
                field: "",
                message: "Isian belum lengkap.".into(),
            }]),
        }
    }
}

/// An INA-CBG code (`I-4-10-I`: case-mix main group, case type, specific CBG, severity
/// 0/I/II/III), upper-cased; `None` when it does not have that shape.
pub fn parse_ina_cbg(value: &str) -> Option<String> {
    let code = value.trim().to_ascii_uppercase();
    let parts: Vec<&str> = code.split('-').collect();
    let [cmg, case_type, cbg, severity] = parts.as_slice() else {
        return None;
    };
    let letters = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.chars().all(|c| c.is_ascii_uppercase())
    };
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit())
    };
    let fits = letters(cmg, 1..=2)
        && digits(case_type, 1..=2)
        && digits(cbg, 2..=2)
        && matches!(*severity, "0" | "I" | "II" | "III");
    fits.then_some(code)
}

/// Parses a claim's fields (submit or resubmit); `today` (WITA) bounds the dates.
pub fn parse_claim(
    input: &HashMap<String, String>,
    today: NaiveDate,
) -> Result<ClaimInput, Vec<FieldError>> {
    let mut r = Reader::new(CLAIM_FIELDS, input, today);
    let care_start = r.date("care_start");
    let care_end = r.date("care_end");
    if let (Some(s), Some(e)) = (care_start, care_end)
        && e < s
    {
        r.error(
            "care_end",
            "Akhir masa perawatan tidak boleh sebelum awal masa perawatan.".into(),
        );
    }
    let amount_claimed = r.amount("amount_claimed");
    let ina_cbg_code = match r.text("ina_cbg_code") {
        None => None,
        Some(v) => match parse_ina_cbg(&v) {
            Some(code) => Some(code),
            None => {
                r.error(
                    "ina_cbg_code",
                    "Kode INA-CBG tidak dikenali; tulis seperti I-4-10-I (huruf CMG, jenis \
                     kasus, kode CBG dua digit, tingkat keparahan 0, I, II atau III)."
                        .into(),
                );
                None
            }
        },
    };
    let value = match (care_start, care_end, amount_claimed) {
        (Some(care_start), Some(care_end), Some(amount_claimed)) => Some(ClaimInput {
            care_start,
            care_end,
            amount_claimed,
            ina_cbg_code,
        }),
        _ => None,
    };
    r.finish(value)
}

/// Parses the reason of a send-back.
pub fn parse_return(
    input: &HashMap<String, String>,
    today: NaiveDate,
) -> Result<String, Vec<FieldError>> {
    let mut r = Reader::new(RETURN_FIELDS, input, today);
    let reason = r.text("reason");
    r.finish(reason)
}

/// Parses a payment; `amount_claimed` bounds the amount paid, `submitted_on` (WITA) the date.
pub fn parse_payment(
    input: &HashMap<String, String>,
    today: NaiveDate,
    amount_claimed: Rupiah,
    submitted_on: NaiveDate,
) -> Result<PaymentInput, Vec<FieldError>> {
    let mut r = Reader::new(PAY_FIELDS, input, today);
    let paid_on = r.date("paid_on");
    if let Some(d) = paid_on
        && d < submitted_on
    {
        r.error(
            "paid_on",
            format!(
                "Tanggal bayar tidak boleh sebelum klaim diajukan ({}).",
                super::locale::date(submitted_on)
            ),
        );
    }
    let amount_paid = r.amount("amount_paid");
    if let Some(paid) = amount_paid
        && paid > amount_claimed
    {
        r.error(
            "amount_paid",
            format!("Nilai dibayar ({paid}) melebihi nilai klaim ({amount_claimed})."),
        );
    }
    let payment_reference = r.text("payment_reference");
    let value = match (paid_on, amount_paid) {
        (Some(paid_on), Some(amount_paid)) => Some(PaymentInput {
            paid_on,
            amount_paid,
            payment_reference,
        }),
        _ => None,
    };
    r.finish(value)
}

/// The guarantee a claim must fit: its first day, its last (`None` while it runs until the
/// JKN membership starts), and its ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuaranteeTerms {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub ceiling: Option<Rupiah>,
}

/// Why a claim does not fit its guarantee: the period of care outside the guarantee period,
/// or the claims of the case together above the ceiling (`claimed_elsewhere`: the other
/// claims of the case). Each problem names its field.
pub fn guarantee_problems(
    claim: &ClaimInput,
    terms: &GuaranteeTerms,
    claimed_elsewhere: Rupiah,
) -> Vec<FieldError> {
    let mut problems = vec![];
    let period = match terms.end {
        Some(end) => format!(
            "{} s.d. {}",
            super::locale::date(terms.start),
            super::locale::date(end)
        ),
        None => format!("mulai {}", super::locale::date(terms.start)),
    };
    if claim.care_start < terms.start || terms.end.is_some_and(|end| claim.care_start > end) {
        problems.push(FieldError {
            field: "care_start",
            message: format!("Awal masa perawatan di luar masa jaminan ({period})."),
        });
    }
    if claim.care_end < terms.start || terms.end.is_some_and(|end| claim.care_end > end) {
        problems.push(FieldError {
            field: "care_end",
            message: format!("Akhir masa perawatan di luar masa jaminan ({period})."),
        });
    }
    if let Some(ceiling) = terms.ceiling {
        let total = claimed_elsewhere.0.saturating_add(claim.amount_claimed.0);
        if total > ceiling.0 {
            let room = Rupiah((ceiling.0 - claimed_elsewhere.0).max(0));
            problems.push(FieldError {
                field: "amount_claimed",
                message: format!(
                    "Nilai klaim melebihi plafon jaminan {ceiling}: klaim lain kasus ini {claimed_elsewhere}, sisa {room}."
                ),
            });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Every (status, action, role): exactly the five moves of the diagram are allowed, each
    /// by its one role; every other combination is refused, the role first.
    #[test]
    fn decide_claim_over_every_status_action_and_role() {
        use ClaimAction as A;
        use ClaimStatus as S;
        let allowed: &[(Option<S>, A, Role, S)] = &[
            (None, A::Submit, Role::Rsud, S::Submitted),
            (Some(S::Returned), A::Resubmit, Role::Rsud, S::Submitted),
            (Some(S::Submitted), A::Return, Role::DinkesProv, S::Returned),
            (Some(S::Submitted), A::Accept, Role::DinkesProv, S::Accepted),
            (Some(S::Accepted), A::Pay, Role::DinkesProv, S::Paid),
        ];
        let statuses = std::iter::once(None).chain(S::ALL.iter().copied().map(Some));
        for status in statuses {
            for action in A::ALL {
                for role in Role::ALL {
                    let got = decide_claim(status, *action, *role);
                    let expected = allowed
                        .iter()
                        .find(|(s, a, r, _)| *s == status && a == action && r == role)
                        .map(|(_, _, _, to)| *to);
                    match expected {
                        Some(to) => assert_eq!(got, Ok(to), "{status:?} {action:?} {role:?}"),
                        None if !claim_role_takes(*action, *role) => assert_eq!(
                            got,
                            Err(ClaimRefusal::NotYourAction),
                            "{status:?} {action:?} {role:?}"
                        ),
                        None => assert!(
                            matches!(got, Err(ClaimRefusal::NotNow(_))),
                            "{status:?} {action:?} {role:?}: {got:?}"
                        ),
                    }
                }
            }
        }
    }

    #[test]
    fn the_claim_page_offers_what_decide_allows() {
        assert_eq!(
            available_claim_actions(ClaimStatus::Submitted, Role::DinkesProv),
            vec![ClaimAction::Return, ClaimAction::Accept]
        );
        assert_eq!(
            available_claim_actions(ClaimStatus::Accepted, Role::DinkesProv),
            vec![ClaimAction::Pay]
        );
        assert_eq!(
            available_claim_actions(ClaimStatus::Returned, Role::Rsud),
            vec![ClaimAction::Resubmit]
        );
        for role in [Role::Tim, Role::DinkesKab] {
            for status in ClaimStatus::ALL {
                assert!(available_claim_actions(*status, role).is_empty());
            }
        }
        assert!(available_claim_actions(ClaimStatus::Paid, Role::DinkesProv).is_empty());
    }

    #[test]
    fn a_claim_reads_dates_amount_and_code() {
        let today = d("2026-12-10");
        let input = form(&[
            ("care_start", "2026-11-02"),
            ("care_end", "09/11/2026"),
            ("amount_claimed", "Rp12.500.000"),
            ("ina_cbg_code", " j-1-20-ii "),
        ]);
        assert_eq!(
            parse_claim(&input, today),
            Ok(ClaimInput {
                care_start: d("2026-11-02"),
                care_end: d("2026-11-09"),
                amount_claimed: Rupiah(12_500_000),
                ina_cbg_code: Some("J-1-20-II".into()),
            })
        );
    }

    #[test]
    fn hostile_amounts_are_field_errors_naming_the_field() {
        let today = d("2026-12-10");
        for (typed, says) in [
            ("-1", "tidak boleh negatif"),
            ("1e9", "rupiah bulat"),
            ("Rp 1.000.000,50", "rupiah bulat"),
            ("100000000000000000000", "terlalu besar"),
            ("12\u{0}3", "karakter kendali"),
            ("💰", "rupiah bulat"),
            ("0", "lebih dari Rp0"),
            ("", "wajib diisi"),
        ] {
            let input = form(&[
                ("care_start", "2026-11-02"),
                ("care_end", "2026-11-09"),
                ("amount_claimed", typed),
            ]);
            let errors = parse_claim(&input, today).expect_err(typed);
            assert_eq!(errors.len(), 1, "{typed:?}: {errors:?}");
            assert_eq!(errors[0].field, "amount_claimed");
            assert!(errors[0].message.starts_with("Nilai klaim"), "{typed:?}");
            assert!(
                errors[0].message.contains(says),
                "{typed:?}: {}",
                errors[0].message
            );
        }
    }

    #[test]
    fn hostile_dates_and_codes_are_refused() {
        let today = d("2026-12-10");
        let input = form(&[
            ("care_start", "-9999-01-01"),
            ("care_end", "2026-11-01"),
            ("amount_claimed", "1000"),
            ("ina_cbg_code", &"A".repeat(100_000)),
        ]);
        let errors = parse_claim(&input, today).expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["care_start", "ina_cbg_code"]);
        assert!(errors[1].message.contains("maksimal 20 karakter"));

        let reversed = form(&[
            ("care_start", "2026-11-09"),
            ("care_end", "2026-11-02"),
            ("amount_claimed", "1000"),
            ("ina_cbg_code", "🏥"),
        ]);
        let errors = parse_claim(&reversed, today).expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["care_end", "ina_cbg_code"]);
        // Care in the future is not claimed yet.
        let future = form(&[
            ("care_start", "2026-12-01"),
            ("care_end", "2026-12-11"),
            ("amount_claimed", "1000"),
        ]);
        let errors = parse_claim(&future, today).expect_err("refused");
        assert_eq!(errors[0].field, "care_end");
    }

    #[test]
    fn ina_cbg_shapes() {
        for ok in ["I-4-10-I", "a-4-13-iii", "Q-5-44-0", "YY-01-10-II"] {
            assert!(parse_ina_cbg(ok).is_some(), "{ok}");
        }
        for bad in [
            "I410I",
            "I-4-1-I",
            "I-4-10-IV",
            "1-4-10-I",
            "I-4-10-",
            "I-4-10-I-I",
            "",
        ] {
            assert_eq!(parse_ina_cbg(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_payment_is_at_most_the_claim_and_not_before_it() {
        let today = d("2026-12-10");
        let claimed = Rupiah(10_000_000);
        let submitted = d("2026-11-20");
        let ok = form(&[("paid_on", "2026-11-30"), ("amount_paid", "9.750.000")]);
        assert_eq!(
            parse_payment(&ok, today, claimed, submitted),
            Ok(PaymentInput {
                paid_on: d("2026-11-30"),
                amount_paid: Rupiah(9_750_000),
                payment_reference: None,
            })
        );
        let all = form(&[("paid_on", "2026-11-20"), ("amount_paid", "10.000.000")]);
        assert!(parse_payment(&all, today, claimed, submitted).is_ok());
        let over = form(&[("paid_on", "2026-11-19"), ("amount_paid", "10.000.001")]);
        let errors = parse_payment(&over, today, claimed, submitted).expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["paid_on", "amount_paid"]);
        assert_eq!(
            errors[1].message,
            "Nilai dibayar (Rp10.000.001) melebihi nilai klaim (Rp10.000.000)."
        );
    }

    #[test]
    fn a_claim_must_fit_the_guarantee_period_and_ceiling() {
        let terms = GuaranteeTerms {
            start: d("2026-11-01"),
            end: Some(d("2026-11-30")),
            ceiling: Some(Rupiah(15_000_000)),
        };
        let claim = |s: &str, e: &str, amount: i64| ClaimInput {
            care_start: d(s),
            care_end: d(e),
            amount_claimed: Rupiah(amount),
            ina_cbg_code: None,
        };
        // The whole guarantee, up to the ceiling with what was claimed before: fits.
        let whole = claim("2026-11-01", "2026-11-30", 10_000_000);
        assert!(guarantee_problems(&whole, &terms, Rupiah(5_000_000)).is_empty());
        // One day before, one day after.
        let outside = claim("2026-10-31", "2026-12-01", 1_000);
        let fields: Vec<&str> = guarantee_problems(&outside, &terms, Rupiah(0))
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["care_start", "care_end"]);
        // One rupiah over the ceiling.
        let over = guarantee_problems(&whole, &terms, Rupiah(5_000_001));
        assert_eq!(over.len(), 1);
        assert_eq!(
            over[0].message,
            "Nilai klaim melebihi plafon jaminan Rp15.000.000: klaim lain kasus ini Rp5.000.001, sisa Rp9.999.999."
        );
        // A guarantee still running has no end.
        let open = GuaranteeTerms {
            end: None,
            ceiling: None,
            ..terms
        };
        assert!(
            guarantee_problems(&claim("2026-11-01", "2027-01-15", 1), &open, Rupiah(0)).is_empty()
        );
    }
}
