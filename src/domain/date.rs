//! Dates as people type them, and the plausible range of every date field. Each date a client
//! sends is parsed and range-checked here before it reaches the database (which refuses years
//! such as -9999 and would store 0001-01-01 without a word).

use chrono::{Months, NaiveDate};

use super::locale;

/// The earliest year any date may have (nobody alive was born before it).
pub const MIN_YEAR: i32 = 1900;
/// The latest year any date may have.
pub const MAX_YEAR: i32 = 2100;

/// How far from today a date field may lie; always within [`MIN_YEAR`]..=[`MAX_YEAR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    /// How many months before today the date may lie (`None`: back to [`MIN_YEAR`]).
    pub months_back: Option<u32>,
    /// How many months after today the date may lie (`Some(0)`: not in the future; `None`:
    /// up to [`MAX_YEAR`]).
    pub months_ahead: Option<u32>,
}

impl DateRange {
    /// Any date of [`MIN_YEAR`]..=[`MAX_YEAR`].
    pub const ANY: DateRange = DateRange {
        months_back: None,
        months_ahead: None,
    };
    /// A birth date: from [`MIN_YEAR`], not in the future.
    pub const BIRTH: DateRange = DateRange {
        months_back: None,
        months_ahead: Some(0),
    };
    /// Something that happened during a hospital stay or the case (admission, recording, a
    /// certificate, a proposal): not in the future and at most five years ago; long stays
    /// (psychiatric patients, Pergub C.1) make anything shorter too tight.
    pub const RECENT_PAST: DateRange = DateRange {
        months_back: Some(60),
        months_ahead: Some(0),
    };
    /// The vintage of registry data (SIAK, SIKS-NG): not in the future, at most twenty years
    /// old.
    pub const REGISTRY_VINTAGE: DateRange = DateRange {
        months_back: Some(240),
        months_ahead: Some(0),
    };
    /// The start of a temporary guarantee: at most five years back, three months ahead.
    pub const GUARANTEE_START: DateRange = DateRange {
        months_back: Some(60),
        months_ahead: Some(3),
    };
    /// The effective date of a JKN membership: at most five years back, one year ahead.
    pub const MEMBERSHIP_START: DateRange = DateRange {
        months_back: Some(60),
        months_ahead: Some(12),
    };

    /// Whether the date must not lie after today.
    pub const fn not_future(&self) -> bool {
        matches!(self.months_ahead, Some(0))
    }

    /// The earliest and latest allowed dates, seen from `today`.
    pub fn bounds(&self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let first = year_start(MIN_YEAR);
        let last = year_end(MAX_YEAR);
        let earliest = self
            .months_back
            .and_then(|m| today.checked_sub_months(Months::new(m)))
            .map_or(first, |d| d.max(first));
        let latest = self
            .months_ahead
            .and_then(|m| today.checked_add_months(Months::new(m)))
            .map_or(last, |d| d.min(last));
        (earliest, latest)
    }

    /// The range in words, for help texts and the API document.
    pub fn describe(&self) -> String {
        let back = match self.months_back {
            None => format!("tidak sebelum tahun {MIN_YEAR}"),
            Some(m) => format!("paling lama {} lalu", months_in_words(m)),
        };
        let ahead = match self.months_ahead {
            Some(0) => "tidak boleh di masa depan".to_string(),
            Some(m) => format!("paling jauh {} ke depan", months_in_words(m)),
            None => format!("tidak sesudah tahun {MAX_YEAR}"),
        };
        format!("{ahead}; {back}")
    }
}

fn months_in_words(m: u32) -> String {
    if m.is_multiple_of(12) {
        format!("{} tahun", m / 12)
    } else {
        format!("{m} bulan")
    }
}

fn year_start(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn year_end(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// A date typed as `YYYY-MM-DD` (what date inputs send), `DD/MM/YYYY` or `DD-MM-YYYY`; any
/// year chrono knows, so that [`check`] can say what is wrong with it.
pub fn parse(value: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
        .iter()
        .find_map(|fmt| NaiveDate::parse_from_str(value.trim(), fmt).ok())
}

/// Parses `value` of the field labelled `label` and checks it against `range` as seen from
/// `today`; the error is a message naming the field.
pub fn check(
    label: &str,
    value: &str,
    today: NaiveDate,
    range: DateRange,
) -> Result<NaiveDate, String> {
    use chrono::Datelike;
    let Some(date) = parse(value) else {
        return Err(format!(
            "{label} harus berupa tanggal yang valid (TTTT-BB-HH)."
        ));
    };
    if !(MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
        return Err(format!(
            "{label}: tahun {} tidak masuk akal; tahun harus antara {MIN_YEAR} dan {MAX_YEAR}.",
            date.year()
        ));
    }
    let (earliest, latest) = range.bounds(today);
    if date > latest {
        return Err(if range.not_future() {
            format!("{label} tidak boleh di masa depan.")
        } else {
            format!(
                "{label} terlalu jauh ke depan; paling lambat {}.",
                locale::date(latest)
            )
        });
    }
    if date < earliest {
        return Err(format!(
            "{label} terlalu lama; paling awal {}.",
            locale::date(earliest)
        ));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("valid date")
    }

    const TODAY: &str = "2026-12-04";

    #[test]
    fn formats_people_type() {
        for v in ["2026-10-01", "01/10/2026", "01-10-2026", " 2026-10-01 "] {
            assert_eq!(parse(v), Some(d("2026-10-01")), "{v}");
        }
        assert_eq!(parse("2026-02-30"), None);
        assert_eq!(parse("kemarin"), None);
    }

    #[test]
    fn absurd_years_are_refused_before_the_database_sees_them() {
        for v in [
            "-9999-01-01",
            "0001-01-01",
            "1899-12-31",
            "2101-01-01",
            "9999-12-31",
        ] {
            let e = check("Tanggal", v, d(TODAY), DateRange::ANY).expect_err(v);
            assert!(e.contains("tahun harus antara 1900 dan 2100"), "{v}: {e}");
        }
        assert!(check("Tanggal", "1900-01-01", d(TODAY), DateRange::ANY).is_ok());
        assert!(check("Tanggal", "2100-12-31", d(TODAY), DateRange::ANY).is_ok());
    }

    #[test]
    fn ranges_relative_to_today() {
        let today = d(TODAY);
        assert_eq!(
            check("Tanggal lahir", "2026-12-05", today, DateRange::BIRTH),
            Err("Tanggal lahir tidak boleh di masa depan.".into())
        );
        assert!(check("Tanggal lahir", "1900-01-01", today, DateRange::BIRTH).is_ok());
        assert_eq!(
            check("Tanggal masuk", "2021-12-03", today, DateRange::RECENT_PAST),
            Err("Tanggal masuk terlalu lama; paling awal 04-12-2021.".into())
        );
        assert!(check("Tanggal masuk", "2021-12-04", today, DateRange::RECENT_PAST).is_ok());
        assert_eq!(
            check("Mulai", "2027-03-05", today, DateRange::GUARANTEE_START),
            Err("Mulai terlalu jauh ke depan; paling lambat 04-03-2027.".into())
        );
        assert!(check("Mulai", "2027-03-04", today, DateRange::GUARANTEE_START).is_ok());
    }

    #[test]
    fn descriptions() {
        assert_eq!(
            DateRange::RECENT_PAST.describe(),
            "tidak boleh di masa depan; paling lama 5 tahun lalu"
        );
        assert_eq!(
            DateRange::GUARANTEE_START.describe(),
            "paling jauh 3 bulan ke depan; paling lama 5 tahun lalu"
        );
    }
}
