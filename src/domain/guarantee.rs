//! The temporary guarantee and its letter (Surat Jaminan Sementara), as rules: the covered
//! period and why it is never reversed, the letter number of the yearly sequence, and whether a
//! letter is still valid — what the letter page, the verification page and the API all show.
//!
//! **The period.** A guarantee starts on the date Dinkes sets at approval (not before the
//! patient's admission) and ends the day before national coverage (PBI JKN or PBPU Pemda) takes
//! effect; until BPJS records that date its end is open. So the end is never before the start:
//! approval refuses a start before admission, and BPJS's activation refuses an effective date
//! on or before the start ([`GuaranteePeriod::coverage_problem`]); the database checks it too
//! (`cases_guarantee_period`).
//!
//! **The number** is `NNN/SJS-MS/<month in Roman numerals>/<year>` of the approval date, with
//! `NNN` from a counter per year taken in the approving transaction (see `db::letters`).
//!
//! **Validity** ([`LetterStatus`]): a letter is valid while its case holds the guarantee
//! (`guaranteed`, and while PBI or PBPU Pemda is pursued: `pbi_proposed`, `pbpu_review`,
//! `pbpu_proposed`) — "not yet started" before its start date — and, once handed over to BPJS,
//! until its end date (the day before coverage); after that it has ended. A case withdrawn (or
//! rejected) after approval cancels the letter. Any other state never holds a letter, and a
//! letter found there is not valid either.

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate};

use super::locale;
use super::workflow::CaseState;

/// The Roman numeral of a month (1–12), as letter numbers write it; `"?"` otherwise.
pub fn roman_month(month: u32) -> &'static str {
    const ROMAN: [&str; 12] = [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ];
    month
        .checked_sub(1)
        .and_then(|i| ROMAN.get(i as usize))
        .copied()
        .unwrap_or("?")
}

/// The number of the `sequence`-th letter of the year of `approved_on`:
/// `007/SJS-MS/XI/2026` (at least three digits; the 1000th is `1000/…`).
pub fn letter_number(sequence: i32, approved_on: NaiveDate) -> String {
    format!(
        "{sequence:03}/SJS-MS/{}/{}",
        roman_month(approved_on.month()),
        approved_on.year()
    )
}

/// The days a temporary guarantee covers: from `start`, to `end` inclusive once national
/// coverage is known (`None` until then). Never reversed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuaranteePeriod {
    start: NaiveDate,
    end: Option<NaiveDate>,
}

/// A period whose end lies before its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReversedPeriod;

impl GuaranteePeriod {
    /// The period from `start` to `end`; refused when `end` is before `start`.
    pub fn new(
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> Result<GuaranteePeriod, ReversedPeriod> {
        match end {
            Some(e) if e < start => Err(ReversedPeriod),
            _ => Ok(GuaranteePeriod { start, end }),
        }
    }

    /// The first day covered.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// The last day covered, once national coverage is known.
    pub fn end(&self) -> Option<NaiveDate> {
        self.end
    }

    /// The last day a guarantee covers when national coverage takes effect on `effective`.
    pub fn end_before(effective: NaiveDate) -> NaiveDate {
        effective - Duration::days(1)
    }

    /// Why a guarantee may not start on `start` for a patient admitted on `admission`, if it
    /// may not (the message for the field `start_date`).
    pub fn start_problem(start: NaiveDate, admission: NaiveDate) -> Option<String> {
        (start < admission).then(|| {
            format!(
                "Tanggal mulai jaminan tidak boleh sebelum tanggal masuk rumah sakit ({}).",
                locale::date(admission)
            )
        })
    }

    /// Why national coverage may not take effect on `effective` for a guarantee that started
    /// on `start`, if it may not (the message for the field `effective_date`): the guarantee
    /// ends the day before, so that day must not be before its start.
    pub fn coverage_problem(start: NaiveDate, effective: NaiveDate) -> Option<String> {
        GuaranteePeriod::new(start, Some(Self::end_before(effective)))
            .is_err()
            .then(|| {
                format!(
                    "Tanggal berlaku kepesertaan harus sesudah tanggal mulai jaminan sementara \
                     ({}); jaminan berakhir sehari sebelum kepesertaan berlaku.",
                    locale::date(start)
                )
            })
    }
}

impl fmt::Display for GuaranteePeriod {
    /// `23-11-2026 s.d. 30-11-2026`; with the end still open,
    /// `23-11-2026 s.d. sehari sebelum kepesertaan JKN berlaku`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let start = locale::date(self.start);
        match self.end {
            Some(end) => write!(f, "{start} s.d. {}", locale::date(end)),
            None => write!(f, "{start} s.d. sehari sebelum kepesertaan JKN berlaku"),
        }
    }
}

/// Whether a guarantee letter holds, on a given day (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterStatus {
    /// Valid; the guarantee has not started yet (it starts on its start date).
    NotYetStarted,
    /// Valid; the guarantee is running.
    Active,
    /// No longer valid: the guarantee ended on its end date (national coverage took over).
    Ended,
    /// No longer valid: the case was withdrawn (or rejected) after approval.
    Cancelled,
}

impl LetterStatus {
    /// The status on `today` of a letter whose case is in `state`, with the stored guarantee
    /// start and end.
    pub fn of(
        state: CaseState,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
        today: NaiveDate,
    ) -> LetterStatus {
        use CaseState::*;
        let running = || match start {
            Some(s) if today < s => LetterStatus::NotYetStarted,
            _ => LetterStatus::Active,
        };
        match state {
            Guaranteed | PbiProposed | PbpuReview | PbpuProposed => running(),
            HandedOver => match end {
                Some(e) if today > e => LetterStatus::Ended,
                _ => running(),
            },
            _ => LetterStatus::Cancelled,
        }
    }

    /// Whether the letter may be honoured.
    pub fn is_valid(self) -> bool {
        matches!(self, LetterStatus::NotYetStarted | LetterStatus::Active)
    }

    /// A stable code for the API and page markup.
    pub fn code(self) -> &'static str {
        match self {
            LetterStatus::NotYetStarted => "not_yet_started",
            LetterStatus::Active => "active",
            LetterStatus::Ended => "ended",
            LetterStatus::Cancelled => "cancelled",
        }
    }

    /// The headline a cashier reads.
    pub fn label(self) -> &'static str {
        match self {
            LetterStatus::NotYetStarted => "SAH — jaminan belum mulai berlaku",
            LetterStatus::Active => "SAH — jaminan berlaku",
            LetterStatus::Ended => "TIDAK BERLAKU LAGI — masa jaminan telah berakhir",
            LetterStatus::Cancelled => "TIDAK BERLAKU — jaminan dibatalkan",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn letter_numbers_read_like_the_office_writes_them() {
        assert_eq!(letter_number(7, d("2026-11-23")), "007/SJS-MS/XI/2026");
        assert_eq!(letter_number(1, d("2027-01-01")), "001/SJS-MS/I/2027");
        assert_eq!(letter_number(42, d("2026-04-30")), "042/SJS-MS/IV/2026");
        assert_eq!(letter_number(1000, d("2026-12-31")), "1000/SJS-MS/XII/2026");
        let months: Vec<&str> = (1..=12).map(roman_month).collect();
        assert_eq!(
            months,
            [
                "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"
            ]
        );
        assert_eq!(roman_month(0), "?");
        assert_eq!(roman_month(13), "?");
    }

    #[test]
    fn a_period_is_never_reversed() {
        let start = d("2026-11-23");
        assert_eq!(
            GuaranteePeriod::new(start, Some(d("2026-11-22"))),
            Err(ReversedPeriod)
        );
        let one_day = GuaranteePeriod::new(start, Some(start)).expect("one day");
        assert_eq!(one_day.to_string(), "23-11-2026 s.d. 23-11-2026");
        let open = GuaranteePeriod::new(start, None).expect("open");
        assert_eq!(
            open.to_string(),
            "23-11-2026 s.d. sehari sebelum kepesertaan JKN berlaku"
        );
        assert_eq!(
            GuaranteePeriod::end_before(d("2026-12-01")),
            d("2026-11-30")
        );
    }

    #[test]
    fn coverage_must_start_after_the_guarantee() {
        let start = d("2026-11-23");
        // Coverage on the start day would end the guarantee the day before it began.
        let message = GuaranteePeriod::coverage_problem(start, start).expect("refused");
        assert!(message.contains("(23-11-2026)"), "{message}");
        assert!(GuaranteePeriod::coverage_problem(start, d("2026-11-22")).is_some());
        assert_eq!(
            GuaranteePeriod::coverage_problem(start, d("2026-11-24")),
            None
        );
        assert_eq!(
            GuaranteePeriod::start_problem(d("2026-11-01"), d("2026-11-02")).as_deref(),
            Some(
                "Tanggal mulai jaminan tidak boleh sebelum tanggal masuk rumah sakit (02-11-2026)."
            )
        );
        assert_eq!(
            GuaranteePeriod::start_problem(d("2026-11-02"), d("2026-11-02")),
            None
        );
    }

    #[test]
    fn validity_follows_the_case() {
        use CaseState::*;
        let (start, end) = (Some(d("2026-11-10")), Some(d("2026-11-30")));
        let on = |state, today: &str| LetterStatus::of(state, start, end, d(today));
        for state in [Guaranteed, PbiProposed, PbpuReview, PbpuProposed] {
            assert_eq!(
                LetterStatus::of(state, start, None, d("2026-11-09")),
                LetterStatus::NotYetStarted
            );
            assert_eq!(
                LetterStatus::of(state, start, None, d("2026-11-10")),
                LetterStatus::Active
            );
        }
        assert_eq!(on(HandedOver, "2026-11-30"), LetterStatus::Active);
        assert_eq!(on(HandedOver, "2026-12-01"), LetterStatus::Ended);
        assert_eq!(on(Withdrawn, "2026-11-15"), LetterStatus::Cancelled);
        assert_eq!(on(Rejected, "2026-11-15"), LetterStatus::Cancelled);
        // A state that never holds a letter does not make one valid.
        for state in [Draft, NikCheck, GuaranteeReview, Returned] {
            assert!(!on(state, "2026-11-15").is_valid(), "{state:?}");
        }
        assert!(LetterStatus::Active.is_valid());
        assert!(LetterStatus::NotYetStarted.is_valid());
        assert!(!LetterStatus::Ended.is_valid());
        assert!(!LetterStatus::Cancelled.is_valid());
    }
}
