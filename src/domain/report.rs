//! The program's reports (Pergub NTT 55/2025 BAB III C, B.3.3): their kinds and periods, the
//! due date (14 working days after the period ends, from the holiday calendar), who writes and
//! who reads each kind, and the checks of what the team writes on a report. Pure: no I/O.
//!
//! - **Monthly recap** (`bulanan`) of one hospital: written and finalised by that hospital's
//!   PIC (`rsud`; monitoring is monthly at hospital level, BAB III A.4, and the hospital sends
//!   its recap to Dinkes, Disdukcapil and Dinsos, B.3.3). Read by those three provincial
//!   offices and the program team; other hospitals and the kab/kota offices do not see it.
//! - **Quarterly report** (`triwulan`) of the province: written and finalised by the program
//!   team (`tim`: the Secretary compiles it, the Chair submits it, BAB III C.1 and C.3). Its
//!   copies go to every agency of the program (C.3.3), so every case role reads it. It is
//!   aggregate only (no personal data), as publication requires (B.6.3).

use std::collections::BTreeSet;

use chrono::{Datelike, Months, NaiveDate};

use super::action::FieldError;
use super::reference::code_enum;
use super::text::{self, Lines};
use super::{Role, sla};

code_enum! {
    /// The two reports the Pergub asks for.
    pub enum ReportKind {
        /// A hospital's monthly recap.
        Monthly => ("bulanan", "Rekap bulanan rumah sakit"),
        /// The province's quarterly report.
        Quarterly => ("triwulan", "Laporan triwulan provinsi"),
    }
}

code_enum! {
    /// Where a report stands.
    pub enum ReportStatus {
        /// Being written; figures computed where read.
        Draft => ("draft", "Draf"),
        /// Signed off: figures stored, nothing changes any more.
        Final => ("final", "Final"),
    }
}

/// Working days after the end of the period by which a report is due (B.6.2).
pub const DUE_WORKING_DAYS: u32 = 14;
/// Longest narrative section, in characters (the database says the same).
pub const NARRATIVE_MAX: usize = 20_000;
/// Longest reason for a new version, in characters (the database says the same).
pub const REASON_MAX: usize = 2_000;
/// The first year a report can cover: the Pergub is of 2025.
pub const FIRST_YEAR: i32 = 2025;
/// The last year a report can cover (dates beyond it are refused everywhere).
pub const LAST_YEAR: i32 = super::date::MAX_YEAR;

/// Who a "beneficiary patient" is, as each report states it next to the figure.
pub const BENEFICIARY_DEFINITION: &str = "Pasien penerima manfaat dihitung per kasus (satu \
     episode perawatan): kasus yang jaminan sementaranya disetujui Dinkes Provinsi dalam periode \
     (persetujuan pertama, menurut tanggal WITA). Kolom \"Diserahkan ke BPJS\" menghitung kasus \
     yang kepesertaan PBI JKN atau PBPU Pemda-nya aktif dalam periode. Jenis layanan adalah yang \
     dicatat rumah sakit saat pendaftaran.";

/// What realised financing is, as each report states it.
pub const FINANCING_DEFINITION: &str = "Realisasi pembiayaan: klaim jaminan sementara yang \
     dibayar dalam periode (menurut tanggal bayar), per penanggung biaya, kab/kota asal pasien \
     dan rumah sakit.";

/// What the time per desk is, as each report states it.
pub const DESK_TIME_DEFINITION: &str = "Waktu per meja: hari kerja (Senin–Jumat di luar hari \
     libur) yang dihabiskan kasus di tiap meja, atas masa tinggal yang selesai dalam periode atau \
     masih berjalan; median dan persentil ke-90, sama dengan halaman Hambatan.";

const QUARTERS: [&str; 4] = ["I", "II", "III", "IV"];

/// The Indonesian name of a month (1–12).
pub use super::locale::month_name;

/// The period a report covers: a calendar month or a calendar quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub kind: ReportKind,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

impl Period {
    /// The month `month` (1–12) of `year`.
    pub fn month(year: i32, month: u32) -> Option<Period> {
        Period::starting(
            ReportKind::Monthly,
            NaiveDate::from_ymd_opt(year, month, 1)?,
        )
    }

    /// The quarter `quarter` (1–4) of `year`.
    pub fn quarter(year: i32, quarter: u32) -> Option<Period> {
        if !(1..=4).contains(&quarter) {
            return None;
        }
        Period::starting(
            ReportKind::Quarterly,
            NaiveDate::from_ymd_opt(year, quarter * 3 - 2, 1)?,
        )
    }

    /// The period of `kind` starting on `start`, if a period of that kind starts then.
    pub fn starting(kind: ReportKind, start: NaiveDate) -> Option<Period> {
        let months = match kind {
            ReportKind::Monthly => 1,
            ReportKind::Quarterly => 3,
        };
        if start.day() != 1 || (kind == ReportKind::Quarterly && start.month() % 3 != 1) {
            return None;
        }
        let end = start.checked_add_months(Months::new(months))?.pred_opt()?;
        Some(Period { kind, start, end })
    }

    /// The period of `kind` that holds `day`.
    pub fn containing(kind: ReportKind, day: NaiveDate) -> Option<Period> {
        match kind {
            ReportKind::Monthly => Period::month(day.year(), day.month()),
            ReportKind::Quarterly => Period::quarter(day.year(), (day.month() - 1) / 3 + 1),
        }
    }

    /// The period before this one.
    pub fn previous(&self) -> Option<Period> {
        Period::containing(self.kind, self.start.pred_opt()?)
    }

    /// "November 2026", "Triwulan IV 2026 (Oktober–Desember)".
    pub fn label(&self) -> String {
        let year = self.start.year();
        match self.kind {
            ReportKind::Monthly => format!("{} {year}", month_name(self.start.month())),
            ReportKind::Quarterly => format!(
                "Triwulan {} {year} ({}–{})",
                QUARTERS[((self.start.month() - 1) / 3) as usize],
                month_name(self.start.month()),
                month_name(self.end.month())
            ),
        }
    }

    /// A short code for file names: `2026-11`, `2026-T4`.
    pub fn code(&self) -> String {
        match self.kind {
            ReportKind::Monthly => self.start.format("%Y-%m").to_string(),
            ReportKind::Quarterly => {
                format!(
                    "{}-T{}",
                    self.start.year(),
                    (self.start.month() - 1) / 3 + 1
                )
            }
        }
    }

    /// The day the report is due: [`DUE_WORKING_DAYS`] working days after the period ends.
    pub fn due_date(&self, holidays: &BTreeSet<NaiveDate>) -> NaiveDate {
        sla::add_working_days(self.end, DUE_WORKING_DAYS, holidays)
    }

    /// Whether the period is over on `today` (a report is finalised only then).
    pub fn is_over(&self, today: NaiveDate) -> bool {
        today > self.end
    }
}

/// What a user may do with a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAccess {
    /// Read it and download it.
    Read,
    /// Also write the draft, finalise it and open a new version.
    Write,
}

/// What `role` may do with a report of `kind`; `own_hospital` says whether a monthly recap is
/// of the user's own hospital. `None`: the report does not exist for the user (404).
pub fn access(role: Role, kind: ReportKind, own_hospital: bool) -> Option<ReportAccess> {
    use Role::*;
    match (kind, role) {
        (ReportKind::Monthly, Rsud) if own_hospital => Some(ReportAccess::Write),
        (ReportKind::Monthly, DinkesProv | DinsosProv | DukcapilProv | Tim) => {
            Some(ReportAccess::Read)
        }
        (ReportKind::Monthly, _) => None,
        (ReportKind::Quarterly, Tim) => Some(ReportAccess::Write),
        (ReportKind::Quarterly, Admin) => None,
        (ReportKind::Quarterly, _) => Some(ReportAccess::Read),
    }
}

/// The kind of report `role` writes, if any.
pub fn written_by(role: Role) -> Option<ReportKind> {
    match role {
        Role::Rsud => Some(ReportKind::Monthly),
        Role::Tim => Some(ReportKind::Quarterly),
        _ => None,
    }
}

/// Whether `role` reads monthly recaps of every hospital.
pub fn reads_every_monthly(role: Role) -> bool {
    access(role, ReportKind::Monthly, false).is_some()
}

/// The narrative the team writes on a report: problems found, follow-up, recommendations
/// (BAB III C.2, items 4 and 5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrative {
    pub problems: String,
    pub follow_up: String,
    pub recommendations: String,
}

/// The narrative fields: form name and label.
pub const NARRATIVE_FIELDS: [(&str, &str); 3] = [
    ("problems", "Permasalahan yang ditemukan"),
    ("follow_up", "Tindak lanjut"),
    ("recommendations", "Rekomendasi"),
];

impl Narrative {
    /// Checks what was typed (each section may be empty while the report is a draft): no
    /// control characters, at most [`NARRATIVE_MAX`] characters. Surrounding blank space is
    /// trimmed; line breaks inside are kept.
    pub fn parse(
        problems: &str,
        follow_up: &str,
        recommendations: &str,
    ) -> Result<Narrative, Vec<FieldError>> {
        let mut errors = vec![];
        let mut take = |(field, label): (&'static str, &str), value: &str| {
            let value = value.trim();
            match text::check(field, label, value, NARRATIVE_MAX, Lines::Many) {
                Ok(()) => value.to_string(),
                Err(e) => {
                    errors.push(e);
                    String::new()
                }
            }
        };
        let narrative = Narrative {
            problems: take(NARRATIVE_FIELDS[0], problems),
            follow_up: take(NARRATIVE_FIELDS[1], follow_up),
            recommendations: take(NARRATIVE_FIELDS[2], recommendations),
        };
        if errors.is_empty() {
            Ok(narrative)
        } else {
            Err(errors)
        }
    }
}

/// The reason a new version is opened: required, at most [`REASON_MAX`] characters.
pub fn parse_reason(value: &str) -> Result<String, FieldError> {
    const LABEL: &str = "Alasan versi baru";
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError {
            field: "reason",
            message: format!("{LABEL} wajib diisi: jelaskan apa yang dikoreksi."),
        });
    }
    text::check("reason", LABEL, value, REASON_MAX, Lines::Many)?;
    Ok(value.to_string())
}

/// The period of a new report of `kind` from the form (`year`, and `part`: the month 1–12 or
/// the quarter 1–4), not starting after `today`.
pub fn parse_period(
    kind: ReportKind,
    year: &str,
    part: &str,
    today: NaiveDate,
) -> Result<Period, FieldError> {
    let error = |field, message: String| FieldError { field, message };
    let year = year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))
        .ok_or_else(|| {
            error(
                "year",
                format!("Tahun harus berupa angka {FIRST_YEAR}–{LAST_YEAR}."),
            )
        })?;
    let (field, what, max) = match kind {
        ReportKind::Monthly => ("month", "Bulan", 12),
        ReportKind::Quarterly => ("quarter", "Triwulan", 4),
    };
    let part = part
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|p| (1..=max).contains(p))
        .ok_or_else(|| error(field, format!("{what} wajib dipilih (1–{max}).")))?;
    let period = match kind {
        ReportKind::Monthly => Period::month(year, part),
        ReportKind::Quarterly => Period::quarter(year, part),
    }
    .ok_or_else(|| error(field, format!("{what} tidak dikenali.")))?;
    if period.start > today {
        return Err(error(
            field,
            format!("Periode {} belum dimulai.", period.label()),
        ));
    }
    Ok(period)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn periods_are_calendar_months_and_quarters() {
        let nov = Period::month(2026, 11).expect("November");
        assert_eq!((nov.start, nov.end), (d("2026-11-01"), d("2026-11-30")));
        assert_eq!(nov.label(), "November 2026");
        assert_eq!(nov.code(), "2026-11");
        let feb = Period::month(2028, 2).expect("February");
        assert_eq!(feb.end, d("2028-02-29"));
        let q4 = Period::quarter(2026, 4).expect("Q4");
        assert_eq!((q4.start, q4.end), (d("2026-10-01"), d("2026-12-31")));
        assert_eq!(q4.label(), "Triwulan IV 2026 (Oktober–Desember)");
        assert_eq!(q4.code(), "2026-T4");
        assert_eq!(
            Period::containing(ReportKind::Quarterly, d("2026-05-31")),
            Period::quarter(2026, 2)
        );
        assert_eq!(q4.previous(), Period::quarter(2026, 3));
        assert_eq!(
            Period::month(2026, 1).and_then(|p| p.previous()),
            Period::month(2025, 12)
        );
        assert_eq!(Period::quarter(2026, 5), None);
        assert_eq!(Period::month(2026, 13), None);
        assert_eq!(
            Period::starting(ReportKind::Quarterly, d("2026-11-01")),
            None
        );
        assert_eq!(Period::starting(ReportKind::Monthly, d("2026-11-02")), None);
    }

    #[test]
    fn due_fourteen_working_days_after_the_period() {
        let none = BTreeSet::new();
        // November 2026 ends on Monday 30th: 1–4, 7–11, 14–18 December.
        let nov = Period::month(2026, 11).expect("November");
        assert_eq!(nov.due_date(&none), d("2026-12-18"));
        // With a holiday on Thursday 10 December the 14th working day is Monday 21st.
        let holiday: BTreeSet<_> = [d("2026-12-10")].into_iter().collect();
        assert_eq!(nov.due_date(&holiday), d("2026-12-21"));
        // May 2026 ends on Sunday 31st (Waisak); Monday 1 June is Pancasila day: 2–5, 8–12,
        // 15–19 June.
        let may = Period::month(2026, 5).expect("May");
        let june_first: BTreeSet<_> = [d("2026-05-31"), d("2026-06-01")].into_iter().collect();
        assert_eq!(may.due_date(&june_first), d("2026-06-19"));
        assert!(!nov.is_over(d("2026-11-30")));
        assert!(nov.is_over(d("2026-12-01")));
    }

    #[test]
    fn who_writes_and_reads() {
        use ReportAccess::*;
        assert_eq!(access(Role::Rsud, ReportKind::Monthly, true), Some(Write));
        assert_eq!(access(Role::Rsud, ReportKind::Monthly, false), None);
        assert_eq!(
            access(Role::DinkesProv, ReportKind::Monthly, false),
            Some(Read)
        );
        assert_eq!(access(Role::Tim, ReportKind::Monthly, false), Some(Read));
        assert_eq!(access(Role::Bpjs, ReportKind::Monthly, false), None);
        assert_eq!(access(Role::DinkesKab, ReportKind::Monthly, false), None);
        assert_eq!(access(Role::Tim, ReportKind::Quarterly, false), Some(Write));
        assert_eq!(
            access(Role::DinkesProv, ReportKind::Quarterly, false),
            Some(Read)
        );
        assert_eq!(access(Role::Rsud, ReportKind::Quarterly, true), Some(Read));
        assert_eq!(access(Role::Admin, ReportKind::Quarterly, false), None);
        for role in Role::ALL {
            // Whoever writes a kind may write it (for its own hospital).
            if let Some(kind) = written_by(*role) {
                assert_eq!(access(*role, kind, true), Some(Write), "{role:?}");
            }
        }
    }

    #[test]
    fn narrative_refuses_control_characters_and_length() {
        let ok = Narrative::parse(
            "  Dokumen SKTM terlambat.\r\nDua kasus.  ",
            "",
            "🙏 Percepat",
        )
        .expect("valid");
        assert_eq!(ok.problems, "Dokumen SKTM terlambat.\r\nDua kasus.");
        assert_eq!(ok.recommendations, "🙏 Percepat");
        let errors =
            Narrative::parse("a\0b", &"x".repeat(NARRATIVE_MAX + 1), "ok").expect_err("refused");
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, "problems");
        assert!(errors[0].message.starts_with("Permasalahan yang ditemukan"));
        assert_eq!(errors[1].field, "follow_up");
        assert!(errors[1].message.contains("maksimal 20000"));
        assert!(parse_reason("  ").is_err());
        assert_eq!(
            parse_reason(" Koreksi klaim ").as_deref(),
            Ok("Koreksi klaim")
        );
    }

    #[test]
    fn periods_from_the_form() {
        let today = d("2026-12-05");
        assert_eq!(
            parse_period(ReportKind::Monthly, "2026", "11", today),
            Ok(Period::month(2026, 11).expect("November"))
        );
        assert_eq!(
            parse_period(ReportKind::Quarterly, "2026", "4", today),
            Ok(Period::quarter(2026, 4).expect("Q4"))
        );
        for (year, part, field) in [
            ("-9999", "1", "year"),
            ("2026\0", "1", "year"),
            ("99999999999", "1", "year"),
            ("2026", "13", "month"),
            ("2026", "", "month"),
            ("2027", "1", "month"),
        ] {
            let e = parse_period(ReportKind::Monthly, year, part, today).expect_err("refused");
            assert_eq!(e.field, field, "{year} {part}");
        }
        assert_eq!(
            parse_period(ReportKind::Quarterly, "2026", "5", today)
                .expect_err("refused")
                .field,
            "quarter"
        );
    }
}
