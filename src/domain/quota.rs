//! The yearly quota per payer — the pure rules (Pergub NTT 55/2025 B.2: the region of origin
//! pays first, the province steps in; Kepgub NTT 99/2025: Dinkes enrols PBPU Pemda members
//! "sesuai dengan kuota kepesertaan dan alokasi anggaran").
//!
//! For every year, each payer — the province ([`QuotaPayer::Province`], APBD Provinsi) or a
//! kabupaten/kota ([`QuotaPayer::KabKota`], the Pemkab/Pemkot that pays for the patients who
//! live there) — may have two limits ([`QuotaKind`]):
//! - the rupiah budget for temporary guarantees. "Used" is the sum of the ceilings of the
//!   guarantees approved for that payer whose start date falls in the year. A guarantee approved
//!   without a ceiling (allowed only while its payer has no budget for the year) counts as Rp0
//!   and is shown apart; once a budget is set, a ceiling is required at approval.
//! - the number of people enrolled as PBPU Pemda, counted by the year of Dinkes's decision.
//!
//! An approval that fits what remains is booked; one beyond it needs an explicit confirmation
//! with a reason ([`OverQuota`]), which is recorded. A payer without a limit for the year has no
//! check: its approvals are only counted. The database side (the row lock that decides between
//! two approvals racing for the last of a quota) is in `cases::quota`.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use super::action::FieldError;
use super::locale;
use super::money::{self, Rupiah};
use super::reference::{Payer, code_enum};
use super::workflow::Action;

/// The years a quota can be set for.
pub const YEARS: RangeInclusive<i32> = 2020..=2100;
/// The largest PBPU Pemda quota (people) anyone can mean: more than NTT's population.
pub const MAX_PEOPLE: i64 = 10_000_000;
/// Label of the confirmation checkbox (field `over_quota_confirmed`).
pub const CONFIRM_LABEL: &str = "Saya mengonfirmasi persetujuan melebihi kuota";
/// Label of the reason field (field `over_quota_reason`).
pub const REASON_LABEL: &str = "Alasan melebihi kuota";

code_enum! {
    /// What a quota limits.
    pub enum QuotaKind {
        /// The rupiah budget for temporary guarantees (sum of approved ceilings).
        Guarantee => ("guarantee", "Pagu jaminan sementara"),
        /// The number of people enrolled as PBPU Pemda.
        PbpuPemda => ("pbpu_pemda", "Kuota peserta PBPU Pemda"),
    }
}

impl QuotaKind {
    /// The quota an action takes from: `approve_guarantee` the guarantee budget,
    /// `enrol_pbpu_pemda` the PBPU Pemda quota; other actions none.
    pub fn taken_by(action: Action) -> Option<QuotaKind> {
        match action {
            Action::ApproveGuarantee => Some(QuotaKind::Guarantee),
            Action::EnrolPbpuPemda => Some(QuotaKind::PbpuPemda),
            _ => None,
        }
    }

    /// The field of that action whose year is the quota year: the guarantee's start, the date
    /// of the PBPU decision.
    pub fn year_field(&self) -> &'static str {
        match self {
            QuotaKind::Guarantee => "start_date",
            QuotaKind::PbpuPemda => "decided_on",
        }
    }

    /// A figure of this kind as people read it: `Rp25.000.000`, `12 orang`.
    pub fn format(&self, value: i64) -> String {
        match self {
            QuotaKind::Guarantee => money::format_rupiah(value),
            QuotaKind::PbpuPemda => format!("{} orang", locale::thousands(value.unsigned_abs())),
        }
    }

    /// Reads a limit as typed on the page or sent to the API: rupiah (`25.000.000`,
    /// `Rp 25.000.000`, `25000000`) for a budget, a whole number of people for a PBPU quota.
    /// The error names the field, in Bahasa Indonesia.
    pub fn parse_limit(&self, input: &str) -> Result<i64, String> {
        let label = self.label();
        match self {
            QuotaKind::Guarantee => Rupiah::parse(input)
                .map(Rupiah::value)
                .map_err(|e| e.message(label)),
            QuotaKind::PbpuPemda => parse_people(label, input),
        }
    }
}

/// A whole, non-negative number of people (`1.250` or `1250`).
fn parse_people(label: &str, input: &str) -> Result<i64, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(format!("{label} wajib diisi"));
    }
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.trim()),
        None => (false, s),
    };
    let groups: Vec<&str> = digits.split('.').collect();
    let grouped_well = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    if digits.is_empty() || !grouped_well || !digits.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        return Err(format!(
            "{label} harus berupa bilangan bulat jumlah orang, misalnya 250"
        ));
    }
    if negative {
        return Err(format!("{label} tidak boleh negatif"));
    }
    match groups.concat().parse::<i64>() {
        Ok(n) if n <= MAX_PEOPLE => Ok(n),
        _ => Err(format!("{label} terlalu besar")),
    }
}

/// A year of the quota pages and API (`?tahun=2026`), or why not, in Bahasa Indonesia.
pub fn parse_year(input: &str) -> Result<i32, String> {
    input
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| YEARS.contains(y))
        .ok_or_else(|| {
            format!(
                "Tahun harus berupa angka {}–{}.",
                YEARS.start(),
                YEARS.end()
            )
        })
}

/// Who pays, as a budget: the province, or one kabupaten/kota (by its code).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QuotaPayer {
    /// Pemerintah Provinsi NTT (APBD Provinsi).
    Province,
    /// The Pemkab/Pemkot of the kab/kota with this code (`53.71`).
    KabKota(String),
}

impl QuotaPayer {
    /// The budget an approval with `payer` is charged to: the province, or for
    /// [`Payer::PemkabAsal`] the kab/kota of the patient's domicile.
    pub fn of(payer: Payer, domicile_kab_kota_code: &str) -> QuotaPayer {
        match payer {
            Payer::Pemprov => QuotaPayer::Province,
            Payer::PemkabAsal => QuotaPayer::KabKota(domicile_kab_kota_code.to_string()),
        }
    }

    /// The payer of a stored row: no kab/kota is the province.
    pub fn from_kab_kota(code: Option<&str>) -> QuotaPayer {
        code.map_or(QuotaPayer::Province, |c| QuotaPayer::KabKota(c.to_string()))
    }

    /// The kab/kota code, `None` for the province (as stored).
    pub fn kab_kota_code(&self) -> Option<&str> {
        match self {
            QuotaPayer::Province => None,
            QuotaPayer::KabKota(code) => Some(code),
        }
    }

    /// The case's payer code (`pemprov` / `pemkab_asal`).
    pub fn payer(&self) -> Payer {
        match self {
            QuotaPayer::Province => Payer::Pemprov,
            QuotaPayer::KabKota(_) => Payer::PemkabAsal,
        }
    }

    /// The code in addresses and the API: `pemprov`, or the kab/kota code (`53.71`).
    pub fn code(&self) -> &str {
        match self {
            QuotaPayer::Province => Payer::Pemprov.as_str(),
            QuotaPayer::KabKota(code) => code,
        }
    }

    /// Reads [`QuotaPayer::code`]; anything else (including a kab/kota code that merely looks
    /// right) is checked against the kab/kota list by the caller.
    pub fn parse(code: &str) -> Option<QuotaPayer> {
        let code = code.trim();
        if code == Payer::Pemprov.as_str() {
            return Some(QuotaPayer::Province);
        }
        let b = code.as_bytes();
        let shaped =
            b.len() == 5 && b[2] == b'.' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit());
        shaped.then(|| QuotaPayer::KabKota(code.to_string()))
    }

    /// The government that pays: "Pemerintah Provinsi NTT", "Pemerintah Kota Kupang",
    /// "Pemerintah Kabupaten Sumba Barat" (`kab_kota_name` as in the reference list, where the
    /// city carries "Kota").
    pub fn label(&self, kab_kota_name: Option<&str>) -> String {
        match (self, kab_kota_name) {
            (QuotaPayer::Province, _) => "Pemerintah Provinsi NTT".into(),
            (QuotaPayer::KabKota(_), Some(name)) if name.starts_with("Kota ") => {
                format!("Pemerintah {name}")
            }
            (QuotaPayer::KabKota(_), Some(name)) => format!("Pemerintah Kabupaten {name}"),
            (QuotaPayer::KabKota(code), None) => format!("Pemerintah Kabupaten/Kota {code}"),
        }
    }
}

/// Dinkes's confirmation that an approval may go beyond what remains of its payer's quota:
/// the fields `over_quota_confirmed` and `over_quota_reason` of `approve_guarantee` and
/// `enrol_pbpu_pemda`. Kept in the history only when the approval did exceed the quota.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverQuota {
    /// "Saya mengonfirmasi persetujuan melebihi kuota" was ticked.
    #[serde(
        rename = "over_quota_confirmed",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub confirmed: bool,
    /// Why the approval goes beyond the quota.
    #[serde(
        rename = "over_quota_reason",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub reason: Option<String>,
}

/// Where a quota stands for one more approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The limit for the year, if set.
    pub quota: Option<i64>,
    /// What the other approvals of the year already took.
    pub used_before: i64,
    /// What this approval takes (the ceiling, or one person).
    pub amount: i64,
}

impl Standing {
    /// What remains before this approval (negative when already overdrawn); `None` without a
    /// limit.
    pub fn remaining(&self) -> Option<i64> {
        self.quota.map(|q| q - self.used_before)
    }

    /// Whether this approval takes more than remains.
    pub fn exceeds(&self) -> bool {
        self.quota
            .is_some_and(|q| self.used_before.saturating_add(self.amount) > q)
    }
}

/// What the rule decided about one approval: booked within the quota, or beyond it with the
/// recorded reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub standing: Standing,
    /// The reason given for going beyond the quota; `None` when within it.
    pub over_quota_reason: Option<String>,
}

/// The rule. Within the quota (or without one) the approval is booked and any confirmation
/// sent along is dropped; beyond it, the approval needs `confirmation` ticked and a reason —
/// otherwise the answer is a field error on `over_quota_confirmed` (or `over_quota_reason`)
/// saying what remains, so the form comes back asking for both. `payer` is the payer's label,
/// `year` the quota year.
pub fn decide(
    kind: QuotaKind,
    standing: Standing,
    confirmation: &OverQuota,
    payer: &str,
    year: i32,
) -> Result<Decision, Vec<FieldError>> {
    if !standing.exceeds() {
        return Ok(Decision {
            standing,
            over_quota_reason: None,
        });
    }
    let reason = confirmation
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    match (confirmation.confirmed, reason) {
        (true, Some(reason)) => Ok(Decision {
            standing,
            over_quota_reason: Some(reason.to_string()),
        }),
        (true, None) => Err(vec![FieldError {
            field: "over_quota_reason",
            message: format!("{REASON_LABEL} wajib diisi bila persetujuan melebihi kuota."),
        }]),
        (false, _) => Err(vec![FieldError {
            field: "over_quota_confirmed",
            message: over_quota_message(kind, &standing, payer, year),
        }]),
    }
}

/// Why an approval needs the confirmation: what it takes, what remains of which quota.
pub fn over_quota_message(kind: QuotaKind, standing: &Standing, payer: &str, year: i32) -> String {
    let quota = standing.quota.unwrap_or_default();
    let remaining = kind.format(standing.remaining().unwrap_or_default().max(0));
    let what = match kind {
        QuotaKind::Guarantee => format!(
            "Plafon {} melebihi sisa pagu jaminan {payer} tahun {year}",
            kind.format(standing.amount)
        ),
        QuotaKind::PbpuPemda => {
            format!("Pendaftaran ini melebihi kuota peserta PBPU Pemda {payer} tahun {year}")
        }
    };
    format!(
        "{what}: sisa {remaining} dari {} (terpakai {}). Untuk tetap menyetujui, centang \
         \"{CONFIRM_LABEL}\" dan tulis alasannya.",
        kind.format(quota),
        kind.format(standing.used_before),
    )
}

/// The refusal of a guarantee without a ceiling for a payer that has a budget for the year:
/// every approval takes its ceiling from the budget, so it must have one.
pub fn ceiling_required(payer: &str, year: i32) -> FieldError {
    FieldError {
        field: "ceiling",
        message: format!(
            "Plafon jaminan (Rp) wajib diisi: {payer} memiliki pagu jaminan tahun {year}, dan \
             setiap persetujuan mengurangi pagu sebesar plafonnya."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JUTA: i64 = 1_000_000;

    fn confirmed(reason: Option<&str>) -> OverQuota {
        OverQuota {
            confirmed: true,
            reason: reason.map(str::to_string),
        }
    }

    #[test]
    fn forty_and_fifty_fit_a_hundred_million_and_twenty_more_needs_a_confirmation() {
        // Arrange: a budget of Rp100.000.000; approvals of 40 and 50 juta, then 20 juta.
        let budget = Some(100 * JUTA);
        let first = Standing {
            quota: budget,
            used_before: 0,
            amount: 40 * JUTA,
        };
        let second = Standing {
            used_before: 40 * JUTA,
            amount: 50 * JUTA,
            ..first
        };
        let third = Standing {
            used_before: 90 * JUTA,
            amount: 20 * JUTA,
            ..first
        };
        let none = OverQuota::default();

        // Act / Assert
        for ok in [first, second] {
            let d = decide(
                QuotaKind::Guarantee,
                ok,
                &none,
                "Pemerintah Provinsi NTT",
                2026,
            )
            .expect("within the budget");
            assert_eq!(d.over_quota_reason, None);
        }
        assert_eq!(third.remaining(), Some(10 * JUTA));
        let refused = decide(
            QuotaKind::Guarantee,
            third,
            &none,
            "Pemerintah Provinsi NTT",
            2026,
        )
        .expect_err("beyond the budget");
        assert_eq!(refused[0].field, "over_quota_confirmed");
        assert_eq!(
            refused[0].message,
            "Plafon Rp20.000.000 melebihi sisa pagu jaminan Pemerintah Provinsi NTT tahun 2026: \
             sisa Rp10.000.000 dari Rp100.000.000 (terpakai Rp90.000.000). Untuk tetap \
             menyetujui, centang \"Saya mengonfirmasi persetujuan melebihi kuota\" dan tulis \
             alasannya."
        );
        let no_reason = decide(
            QuotaKind::Guarantee,
            third,
            &confirmed(Some("   ")),
            "Pemerintah Provinsi NTT",
            2026,
        )
        .expect_err("a reason is required");
        assert_eq!(no_reason[0].field, "over_quota_reason");
        let d = decide(
            QuotaKind::Guarantee,
            third,
            &confirmed(Some(" Pasien kritis, anggaran perubahan menyusul ")),
            "Pemerintah Provinsi NTT",
            2026,
        )
        .expect("confirmed with a reason");
        assert_eq!(
            d.over_quota_reason.as_deref(),
            Some("Pasien kritis, anggaran perubahan menyusul")
        );
    }

    #[test]
    fn exactly_what_remains_fits_and_no_limit_never_refuses() {
        let exact = Standing {
            quota: Some(100 * JUTA),
            used_before: 90 * JUTA,
            amount: 10 * JUTA,
        };
        assert!(!exact.exceeds());
        let unlimited = Standing {
            quota: None,
            used_before: i64::MAX,
            amount: i64::MAX,
        };
        assert!(!unlimited.exceeds());
        assert_eq!(unlimited.remaining(), None);
        // A confirmation sent along with an approval that fits is not kept.
        let d = decide(
            QuotaKind::Guarantee,
            exact,
            &confirmed(Some("tidak perlu")),
            "Pemerintah Provinsi NTT",
            2026,
        )
        .expect("fits");
        assert_eq!(d.over_quota_reason, None);
    }

    #[test]
    fn a_full_pbpu_quota_counts_people() {
        let full = Standing {
            quota: Some(2),
            used_before: 2,
            amount: 1,
        };
        let e = decide(
            QuotaKind::PbpuPemda,
            full,
            &OverQuota::default(),
            "Pemerintah Kota Kupang",
            2026,
        )
        .expect_err("full");
        assert!(
            e[0].message.starts_with(
                "Pendaftaran ini melebihi kuota peserta PBPU Pemda Pemerintah Kota Kupang tahun \
                 2026: sisa 0 orang dari 2 orang (terpakai 2 orang)."
            ),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn the_payer_of_pemkab_asal_is_the_domicile() {
        assert_eq!(
            QuotaPayer::of(Payer::PemkabAsal, "53.10"),
            QuotaPayer::KabKota("53.10".into())
        );
        assert_eq!(
            QuotaPayer::of(Payer::Pemprov, "53.10"),
            QuotaPayer::Province
        );
        assert_eq!(QuotaPayer::parse("pemprov"), Some(QuotaPayer::Province));
        assert_eq!(
            QuotaPayer::parse("53.71"),
            Some(QuotaPayer::KabKota("53.71".into()))
        );
        for bad in [
            "",
            "53-71",
            "5371",
            "53.7",
            "pemkab_asal",
            "../x",
            "53.71\0",
        ] {
            assert_eq!(QuotaPayer::parse(bad), None, "{bad:?}");
        }
        let kota = QuotaPayer::KabKota("53.71".into());
        assert_eq!(kota.label(Some("Kota Kupang")), "Pemerintah Kota Kupang");
        assert_eq!(
            QuotaPayer::KabKota("53.03".into()).label(Some("Kupang")),
            "Pemerintah Kabupaten Kupang"
        );
    }

    #[test]
    fn limits_are_read_as_people_type_them() {
        let g = QuotaKind::Guarantee;
        for typed in ["25.000.000", "Rp 25.000.000", "25000000", "Rp25.000.000"] {
            assert_eq!(g.parse_limit(typed), Ok(25 * JUTA), "{typed}");
        }
        for (typed, part) in [
            ("-5.000.000", "tidak boleh negatif"),
            ("100000000000000000000", "terlalu besar"),
            ("12\u{0}3", "jumlah rupiah bulat"),
            ("💰", "jumlah rupiah bulat"),
            ("", "wajib diisi"),
        ] {
            let e = g.parse_limit(typed).expect_err(typed);
            assert!(e.starts_with("Pagu jaminan sementara "), "{e}");
            assert!(e.contains(part), "{typed:?}: {e}");
        }
        let p = QuotaKind::PbpuPemda;
        assert_eq!(p.parse_limit("1.250"), Ok(1_250));
        assert_eq!(p.parse_limit(" 40 "), Ok(40));
        for (typed, part) in [
            ("-3", "tidak boleh negatif"),
            ("99999999999", "terlalu besar"),
            ("2,5", "bilangan bulat"),
            ("1.25", "bilangan bulat"),
            ("", "wajib diisi"),
            ("😀", "bilangan bulat"),
        ] {
            let e = p.parse_limit(typed).expect_err(typed);
            assert!(e.contains(part), "{typed:?}: {e}");
        }
        assert_eq!(p.format(1_250), "1.250 orang");
        assert_eq!(parse_year("2026"), Ok(2026));
        for bad in ["-9999", "abc", "", "2019", "2101", "99999999999999999999"] {
            assert!(parse_year(bad).is_err(), "{bad}");
        }
    }
}
