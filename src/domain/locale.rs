//! How the program writes times, dates and sizes for its readers, in one place: Indonesian
//! conventions (day-month-year, decimal comma, thousands dot) and the program's time zone,
//! WITA (Asia/Makassar, UTC+8), always named next to a time so nobody reads UTC by mistake.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::sla::wita;

/// The label written after every time of day.
pub const ZONE_LABEL: &str = "WITA";

/// A calendar date: `04-12-2026`.
pub fn date(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

/// The Indonesian names of the months, January first.
const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// The Indonesian name of `month` (1–12): `Desember`; empty outside 1–12.
pub fn month_name(month: u32) -> &'static str {
    month
        .checked_sub(1)
        .and_then(|m| MONTHS.get(m as usize))
        .copied()
        .unwrap_or_default()
}

/// Appends `s` as one CSV text field (RFC 4180): quoted when it holds a comma, a quote or a
/// line break, and prefixed with `'` when a spreadsheet would take it for a formula (it starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return; OWASP "CSV injection"). Every CSV the
/// service writes encodes its text here.
pub fn push_csv_text(out: &mut String, s: &str) {
    let guard = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        "'"
    } else {
        ""
    };
    if s.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(guard);
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(guard);
        out.push_str(s);
    }
}

/// A calendar date as a letter writes it: `4 Desember 2026`.
pub fn long_date(d: NaiveDate) -> String {
    let month = month_name(d.month());
    format!("{} {month} {}", d.day(), d.year())
}

/// An instant in the program's zone, labelled: `05-12-2026 00:59 WITA`.
pub fn time(t: DateTime<Utc>) -> String {
    format!(
        "{} {ZONE_LABEL}",
        t.with_timezone(&wita()).format("%d-%m-%Y %H:%M")
    )
}

/// A file size in the largest unit that keeps the number at least 1: `512 B`, `3,4 KB`,
/// `34 KB`, `1,2 MB`; one decimal below 10, whole numbers above (units of 1024 bytes).
pub fn file_size(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    loop {
        let shown = if value < 9.95 {
            (value * 10.0).round() / 10.0
        } else {
            value.round()
        };
        if shown < 1024.0 || unit == UNITS.len() - 1 {
            return format!("{} {}", number(shown), UNITS[unit]);
        }
        value /= 1024.0;
        unit += 1;
    }
}

/// A non-negative figure with one decimal, Indonesian style (`2,5`, `0,0`), for working days.
pub fn decimal(v: f64) -> String {
    let tenths = (v.max(0.0) * 10.0).round() as u64;
    format!("{},{}", tenths / 10, tenths % 10)
}

/// A whole number with a dot between groups of three digits: `1.250`, `25.000.000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    grouped
}

/// A non-negative number with at most one decimal, Indonesian style: `1,2`, `34`, `1.023`.
fn number(v: f64) -> String {
    // Sizes are small non-negative numbers: the cast neither truncates nor wraps.
    let tenths = (v * 10.0).round() as u64;
    let (whole, fraction) = (tenths / 10, tenths % 10);
    let grouped = thousands(whole);
    if fraction == 0 {
        grouped
    } else {
        format!("{grouped},{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_wita_and_labelled() {
        let t = DateTime::parse_from_rfc3339("2026-11-30T20:30:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        assert_eq!(time(t), "01-12-2026 04:30 WITA");
    }

    #[test]
    fn letters_write_the_month_in_words() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("a date");
        assert_eq!(long_date(d("2026-12-04")), "4 Desember 2026");
        assert_eq!(long_date(d("2027-01-31")), "31 Januari 2027");
        assert_eq!(long_date(d("2026-08-17")), "17 Agustus 2026");
    }

    #[test]
    fn sizes_in_human_units() {
        assert_eq!(file_size(0), "0 B");
        assert_eq!(file_size(69), "69 B");
        assert_eq!(file_size(512), "512 B");
        assert_eq!(file_size(1023), "1023 B");
        assert_eq!(file_size(1024), "1 KB");
        assert_eq!(file_size(3482), "3,4 KB");
        assert_eq!(file_size(34 * 1024 + 100), "34 KB");
        assert_eq!(file_size(1_048_575), "1 MB");
        assert_eq!(file_size(1_258_291), "1,2 MB");
        assert_eq!(file_size(1_500_000), "1,4 MB");
        assert_eq!(file_size(10 * 1_048_576), "10 MB");
        assert_eq!(file_size(1000 * 1_048_576), "1.000 MB");
    }

    #[test]
    fn thousands_are_grouped_with_dots() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_250), "1.250");
        assert_eq!(thousands(25_000_000), "25.000.000");
    }
}
