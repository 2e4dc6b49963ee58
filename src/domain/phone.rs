//! Indonesian phone number of the family contact, normalised to `+62…`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A normalised Indonesian phone number, e.g. `"+6281234567890"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses `0812-3456-7890`, `+62 812 3456 7890`, `62812…` (spaces, dashes,
    /// dots and parentheses ignored). The national number after `0`/`62` must
    /// have 8–12 digits and start with 8 (mobile) or an area-code digit 2–9.
    pub fn parse(input: &str) -> Result<PhoneNumber, String> {
        let cleaned: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')') && !c.is_whitespace())
            .collect();
        if cleaned.is_empty() {
            return Err("Nomor telepon wajib diisi".into());
        }
        let digits = cleaned.strip_prefix('+').unwrap_or(&cleaned);
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err("Nomor telepon hanya boleh berisi angka (boleh diawali +62)".into());
        }
        let national = if cleaned.starts_with('+') {
            digits.strip_prefix("62").ok_or_else(|| {
                "Nomor telepon harus nomor Indonesia (diawali 0, 62, atau +62)".to_string()
            })?
        } else if let Some(rest) = digits.strip_prefix("62") {
            rest
        } else if let Some(rest) = digits.strip_prefix('0') {
            rest
        } else {
            return Err("Nomor telepon harus diawali 0, 62, atau +62".into());
        };
        let national = national.strip_prefix('0').unwrap_or(national);
        match national.chars().next() {
            Some('2'..='9') => {}
            _ => {
                return Err(
                    "Nomor telepon tidak valid: setelah 0/+62 harus diawali 8 (ponsel) atau kode wilayah"
                        .into(),
                );
            }
        }
        let len = national.len();
        if !(8..=12).contains(&len) {
            return Err(format!(
                "Nomor telepon harus 8–12 digit setelah 0/+62; yang diisi {len} digit"
            ));
        }
        Ok(PhoneNumber(format!("+62{national}")))
    }

    /// The normalised number, e.g. `"+6281234567890"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        PhoneNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        for s in [
            "0812-3456-7890",
            "+62 812 3456 7890",
            "6281234567890",
            "+62 (0)812.3456.7890",
        ] {
            assert_eq!(
                PhoneNumber::parse(s).map(|p| p.as_str().to_string()),
                Ok("+6281234567890".to_string()),
                "{s}"
            );
        }
        // Landline in Kupang.
        assert_eq!(
            PhoneNumber::parse("(0380) 821234").map(|p| p.to_string()),
            Ok("+62380821234".to_string())
        );
    }

    #[test]
    fn rejects() {
        for s in [
            "",
            "abc",
            "+1 555 1234567",
            "0812",
            "01234567890",
            "0812345678901234",
            "812-3456",
        ] {
            let e = PhoneNumber::parse(s).expect_err(s);
            assert!(e.starts_with("Nomor telepon"), "{e}");
        }
    }
}
