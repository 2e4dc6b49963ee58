//! Rupiah: whole rupiah as `i64`, never a float. One way to write an amount
//! (`Rp25.000.000`) and one way to read what a user typed (`25.000.000`, `Rp 25.000.000`,
//! `25000000`, `Rp25.000.000,00`), so every page, letter, report and export agrees.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The largest amount the program accepts anywhere: one hundred trillion rupiah, far above any
/// yearly budget, and small enough that sums of millions of amounts stay inside `i64`.
pub const MAX: i64 = 100_000_000_000_000;

/// An amount of whole rupiah.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Rupiah(pub i64);

/// Why a typed amount was refused; [`MoneyError::message`] gives the sentence for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyError {
    /// Nothing typed.
    Empty,
    /// Not a whole number of rupiah (letters, sen other than `,00`, misplaced dots).
    NotWhole,
    /// Below zero.
    Negative,
    /// Above [`MAX`].
    TooLarge,
}

impl MoneyError {
    /// The message for field `label`, in Bahasa Indonesia.
    pub fn message(self, label: &str) -> String {
        match self {
            MoneyError::Empty => format!("{label} wajib diisi"),
            MoneyError::NotWhole => format!(
                "{label} harus berupa jumlah rupiah bulat, misalnya 25.000.000 atau Rp25.000.000"
            ),
            MoneyError::Negative => format!("{label} tidak boleh negatif"),
            MoneyError::TooLarge => format!("{label} terlalu besar"),
        }
    }
}

impl Rupiah {
    /// Reads an amount as a user types it: an optional `Rp`, spaces, dots between groups of
    /// three digits, an optional `,00` (zero sen). Zero is allowed; a caller that needs a
    /// positive amount says so itself.
    pub fn parse(input: &str) -> Result<Rupiah, MoneyError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, s),
        };
        let s = s
            .strip_prefix("Rp")
            .or_else(|| s.strip_prefix("rp"))
            .or_else(|| s.strip_prefix("RP"))
            .unwrap_or(s);
        let s = s.trim_start_matches(['.', ' ']).trim();
        let s = match s.split_once(',') {
            Some((whole, sen)) if !sen.is_empty() && sen.chars().all(|c| c == '0') => whole,
            Some(_) => return Err(MoneyError::NotWhole),
            None => s,
        };
        let s: String = s.chars().filter(|c| *c != ' ').collect();
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(MoneyError::NotWhole);
        }
        // Dots only as thousands separators: every group after the first has three digits.
        let groups: Vec<&str> = s.split('.').collect();
        if groups.len() > 1
            && (groups[0].is_empty()
                || groups[0].len() > 3
                || groups[1..].iter().any(|g| g.len() != 3))
        {
            return Err(MoneyError::NotWhole);
        }
        let digits: String = groups.concat();
        let value: i64 = match digits.parse::<i64>() {
            Ok(v) if v <= MAX => v,
            _ => return Err(MoneyError::TooLarge),
        };
        if negative && value != 0 {
            return Err(MoneyError::Negative);
        }
        Ok(Rupiah(value))
    }

    /// The amount in whole rupiah.
    pub fn value(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Rupiah {
    /// `Rp25.000.000`; a negative amount (a balance overdrawn) as `-Rp1.500`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let grouped = super::locale::thousands(self.0.unsigned_abs());
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}Rp{grouped}")
    }
}

/// `Rp25.000.000` for a plain integer amount (templates and letters).
pub fn format_rupiah(amount: i64) -> String {
    Rupiah(amount).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_with_dots_and_no_space() {
        assert_eq!(format_rupiah(25_000_000), "Rp25.000.000");
        assert_eq!(format_rupiah(0), "Rp0");
        assert_eq!(format_rupiah(999), "Rp999");
        assert_eq!(format_rupiah(1_000), "Rp1.000");
        assert_eq!(format_rupiah(-1_500), "-Rp1.500");
        assert_eq!(format_rupiah(i64::MIN), "-Rp9.223.372.036.854.775.808");
    }

    #[test]
    fn reads_what_people_type() {
        for typed in [
            "25000000",
            "25.000.000",
            "Rp25.000.000",
            "Rp 25.000.000",
            " rp25.000.000,00 ",
            "Rp25 000 000",
        ] {
            assert_eq!(Rupiah::parse(typed), Ok(Rupiah(25_000_000)), "{typed}");
        }
        assert_eq!(Rupiah::parse("0"), Ok(Rupiah(0)));
        assert_eq!(Rupiah::parse("-0"), Ok(Rupiah(0)));
    }

    #[test]
    fn refuses_what_is_not_whole_rupiah() {
        assert_eq!(Rupiah::parse(""), Err(MoneyError::Empty));
        assert_eq!(Rupiah::parse("   "), Err(MoneyError::Empty));
        for typed in [
            "25,5",
            "25.000,50",
            "2.5",
            "25.00.000",
            "1234.567",
            "satu juta",
            "Rp",
            "12\u{0}3",
            "💰",
            "1e6",
            "0x10",
            ".",
        ] {
            assert_eq!(Rupiah::parse(typed), Err(MoneyError::NotWhole), "{typed:?}");
        }
        assert_eq!(Rupiah::parse("-5.000"), Err(MoneyError::Negative));
        assert_eq!(
            Rupiah::parse("100.000.000.000.001"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(
            Rupiah::parse(&"9".repeat(100_000)),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(Rupiah::parse("100.000.000.000.000"), Ok(Rupiah(MAX)));
    }

    #[test]
    fn messages_name_the_field() {
        assert!(
            MoneyError::NotWhole
                .message("Nilai klaim")
                .starts_with("Nilai klaim ")
        );
        assert!(MoneyError::Empty.message("Pagu").contains("wajib"));
    }
}
