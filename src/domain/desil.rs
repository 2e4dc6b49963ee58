//! Welfare decile (desil) of a family in the national welfare database
//! (SIKS-NG / DTSEN): 1 (poorest) to 10, or not listed at all. Desil 1–5 is
//! eligible for the program and for a PBI JKN proposal.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Code used for a family that is not listed in DTSEN.
pub const NOT_LISTED_CODE: &str = "tidak_terdaftar";

/// A welfare decile or "not listed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Desil {
    /// Listed in decile 1..=10.
    Listed(u8),
    /// Not listed in DTSEN.
    NotListed,
}

impl Desil {
    /// All valid values: desil 1..=10 then not listed.
    pub const ALL: [Desil; 11] = [
        Desil::Listed(1),
        Desil::Listed(2),
        Desil::Listed(3),
        Desil::Listed(4),
        Desil::Listed(5),
        Desil::Listed(6),
        Desil::Listed(7),
        Desil::Listed(8),
        Desil::Listed(9),
        Desil::Listed(10),
        Desil::NotListed,
    ];

    /// `(code, label)` pairs of every value, for select boxes.
    pub const OPTIONS: &[(&'static str, &'static str)] = &[
        ("1", "Desil 1"),
        ("2", "Desil 2"),
        ("3", "Desil 3"),
        ("4", "Desil 4"),
        ("5", "Desil 5"),
        ("6", "Desil 6"),
        ("7", "Desil 7"),
        ("8", "Desil 8"),
        ("9", "Desil 9"),
        ("10", "Desil 10"),
        (NOT_LISTED_CODE, "Tidak terdaftar di DTSEN"),
    ];

    /// A listed decile, if `n` is 1..=10.
    pub fn listed(n: u8) -> Option<Desil> {
        (1..=10).contains(&n).then_some(Desil::Listed(n))
    }

    /// Parses `"1"`..`"10"` or `"tidak_terdaftar"` (also `"tidak terdaftar"`).
    pub fn parse(input: &str) -> Result<Desil, String> {
        let s = input.trim();
        if s.eq_ignore_ascii_case(NOT_LISTED_CODE) || s.eq_ignore_ascii_case("tidak terdaftar") {
            return Ok(Desil::NotListed);
        }
        s.parse::<u8>()
            .ok()
            .and_then(Desil::listed)
            .ok_or_else(|| "Desil harus 1–10 atau 'tidak terdaftar'".to_string())
    }

    /// The code: `"1"`..`"10"` or `"tidak_terdaftar"`.
    pub fn code(&self) -> String {
        match self {
            Desil::Listed(n) => n.to_string(),
            Desil::NotListed => NOT_LISTED_CODE.to_string(),
        }
    }

    /// Bahasa Indonesia label, e.g. "Desil 3" or "Tidak terdaftar di DTSEN".
    pub fn label(&self) -> String {
        match self {
            Desil::Listed(n) => format!("Desil {n}"),
            Desil::NotListed => "Tidak terdaftar di DTSEN".to_string(),
        }
    }

    /// Whether the family is in desil 1–5.
    pub fn is_eligible(&self) -> bool {
        matches!(self, Desil::Listed(1..=5))
    }

    /// Database value: smallint 1..=10, 0 meaning not listed.
    pub fn to_db(&self) -> i16 {
        match self {
            Desil::Listed(n) => i16::from(*n),
            Desil::NotListed => 0,
        }
    }

    /// From the database value (0 = not listed); `None` if out of range.
    pub fn from_db(value: i16) -> Option<Desil> {
        match value {
            0 => Some(Desil::NotListed),
            1..=10 => u8::try_from(value).ok().and_then(Desil::listed),
            _ => None,
        }
    }
}

impl std::fmt::Display for Desil {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code())
    }
}

impl std::str::FromStr for Desil {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Desil::parse(s)
    }
}

impl Serialize for Desil {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for Desil {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Desil::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_codes() {
        assert_eq!(Desil::parse("3"), Ok(Desil::Listed(3)));
        assert_eq!(Desil::parse(" 10 "), Ok(Desil::Listed(10)));
        assert_eq!(Desil::parse("tidak_terdaftar"), Ok(Desil::NotListed));
        assert!(Desil::parse("0").is_err());
        assert!(Desil::parse("11").is_err());
        assert!(Desil::parse("x").is_err());
        for (d, (code, label)) in Desil::ALL.iter().zip(Desil::OPTIONS) {
            assert_eq!(d.code(), *code);
            assert_eq!(d.label(), *label);
        }
        for d in Desil::ALL {
            assert_eq!(Desil::parse(&d.code()), Ok(d));
            assert_eq!(Desil::from_db(d.to_db()), Some(d));
        }
        assert_eq!(Desil::from_db(11), None);
        assert_eq!(Desil::from_db(-1), None);
        assert_eq!(Desil::Listed(3).label(), "Desil 3");
        assert_eq!(Desil::NotListed.label(), "Tidak terdaftar di DTSEN");
    }

    #[test]
    fn eligibility() {
        assert!(Desil::Listed(1).is_eligible());
        assert!(Desil::Listed(5).is_eligible());
        assert!(!Desil::Listed(6).is_eligible());
        assert!(!Desil::NotListed.is_eligible());
    }
}
