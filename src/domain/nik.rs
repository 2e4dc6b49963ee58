//! Indonesian NIK (Nomor Induk Kependudukan), 16 digits:
//! `PP KK CC DDMMYY SSSS` — province, kab/kota and kecamatan of first
//! registration, day of birth (+40 for women), month, 2-digit year, serial.
//! There is no check digit; we validate structure, plausible codes and
//! consistency with the entered birth date and sex, naming the part that
//! disagrees.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::reference::Sex;

/// Indonesia's province codes (Kemendagri), including the new Papua provinces.
pub const PROVINCE_CODES: &[&str] = &[
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36",
    "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82",
    "91", "92", "93", "94", "95", "96", "97",
];

/// The province code of Nusa Tenggara Timur.
pub const NTT_PROVINCE_CODE: &str = "53";

/// Whether `code` (2 digits) is a known Indonesian province code.
pub fn is_valid_province_code(code: &str) -> bool {
    PROVINCE_CODES.contains(&code)
}

/// Strips spaces and dots that people type inside numbers; other characters
/// are kept (and rejected later).
pub(crate) fn strip_separators(input: &str) -> String {
    input
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect()
}

/// Maximum day of a month, leap-year agnostic (29 for February).
pub(crate) fn max_day(month: u32) -> u32 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn two(s: &str, at: usize) -> u32 {
    s.get(at..at + 2)
        .and_then(|p| p.parse().ok())
        .unwrap_or_default()
}

/// Why a NIK is invalid or disagrees with the entered data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    /// Nothing was entered.
    #[error("NIK wajib diisi")]
    Empty,
    /// Not 16 characters long.
    #[error("NIK harus 16 digit angka; yang diisi {0} digit")]
    Length(usize),
    /// Contains a character that is not a digit.
    #[error("NIK hanya boleh berisi angka; ditemukan '{ch}' pada digit ke-{position}")]
    NonDigit {
        /// 1-based position.
        position: usize,
        /// Offending character.
        ch: char,
    },
    /// Unknown province code.
    #[error("Kode provinsi pada NIK (digit 1-2) tidak dikenal: {0}")]
    Province(String),
    /// Kab/kota code is 00.
    #[error("Kode kabupaten/kota pada NIK (digit 3-4) tidak boleh 00")]
    KabKota,
    /// Kecamatan code is 00.
    #[error("Kode kecamatan pada NIK (digit 5-6) tidak boleh 00")]
    Kecamatan,
    /// Day part is not 01–31 or 41–71.
    #[error(
        "Tanggal lahir pada NIK (digit 7-8) tidak valid: {0:02} (harus 01–31, atau 41–71 untuk perempuan)"
    )]
    Day(u32),
    /// Month part is not 01–12.
    #[error("Bulan lahir pada NIK (digit 9-10) tidak valid: {0:02} (harus 01–12)")]
    Month(u32),
    /// The day does not exist in that month.
    #[error("Tanggal lahir pada NIK (digit 7-8) tidak ada pada bulan {month:02}: tanggal {day}")]
    DayNotInMonth {
        /// Real day (women: minus 40).
        day: u32,
        /// Month.
        month: u32,
    },
    /// Serial is 0000.
    #[error("Nomor urut pada NIK (digit 13-16) tidak boleh 0000")]
    Serial,
    /// Birth day on the NIK differs from the entered birth date.
    #[error(
        "Tanggal lahir pada NIK (digit 7-8) adalah {nik_day}, tetapi tanggal lahir yang diisi {entered}"
    )]
    BirthDayMismatch {
        /// Real day encoded in the NIK (women: minus 40).
        nik_day: u32,
        /// Day of the entered birth date.
        entered: u32,
    },
    /// Sex encoded in the NIK differs from the entered sex.
    #[error("{}", sex_mismatch_message(*nik_sex))]
    SexMismatch {
        /// Sex encoded in the NIK.
        nik_sex: Sex,
    },
    /// Birth month on the NIK differs from the entered birth date.
    #[error(
        "Bulan lahir pada NIK (digit 9-10) adalah {nik_month:02}, tetapi bulan lahir yang diisi {entered:02}"
    )]
    BirthMonthMismatch {
        /// Month in the NIK.
        nik_month: u32,
        /// Month of the entered birth date.
        entered: u32,
    },
    /// 2-digit birth year on the NIK differs from the entered birth date.
    #[error(
        "Tahun lahir pada NIK (digit 11-12) adalah {nik_year:02}, tetapi tahun lahir yang diisi {entered}"
    )]
    BirthYearMismatch {
        /// 2-digit year in the NIK.
        nik_year: u32,
        /// Full year of the entered birth date.
        entered: i32,
    },
}

fn sex_mismatch_message(nik_sex: Sex) -> &'static str {
    match nik_sex {
        Sex::Perempuan => {
            "NIK ini milik perempuan (tanggal +40) tetapi jenis kelamin diisi laki-laki"
        }
        Sex::LakiLaki => {
            "NIK ini milik laki-laki (tanggal tanpa +40) tetapi jenis kelamin diisi perempuan"
        }
    }
}

/// A structurally valid 16-digit NIK.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nik(String);

impl Nik {
    /// Parses and validates a NIK. Surrounding whitespace and spaces/dots
    /// inside are ignored; any other non-digit is an error.
    pub fn parse(input: &str) -> Result<Nik, NikError> {
        let s = strip_separators(input);
        let len = s.chars().count();
        if len == 0 {
            return Err(NikError::Empty);
        }
        if len != 16 {
            return Err(NikError::Length(len));
        }
        if let Some((i, ch)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(NikError::NonDigit {
                position: i + 1,
                ch,
            });
        }
        let province = &s[0..2];
        if !is_valid_province_code(province) {
            return Err(NikError::Province(province.to_string()));
        }
        if &s[2..4] == "00" {
            return Err(NikError::KabKota);
        }
        if &s[4..6] == "00" {
            return Err(NikError::Kecamatan);
        }
        let raw_day = two(&s, 6);
        if !((1..=31).contains(&raw_day) || (41..=71).contains(&raw_day)) {
            return Err(NikError::Day(raw_day));
        }
        let month = two(&s, 8);
        if !(1..=12).contains(&month) {
            return Err(NikError::Month(month));
        }
        let day = if raw_day > 40 { raw_day - 40 } else { raw_day };
        if day > max_day(month) {
            return Err(NikError::DayNotInMonth { day, month });
        }
        if &s[12..16] == "0000" {
            return Err(NikError::Serial);
        }
        Ok(Nik(s))
    }

    /// Checks that the NIK agrees with the entered birth date and sex; the
    /// first disagreement found (sex, day, month, year) is reported.
    pub fn check_against(&self, birth_date: NaiveDate, sex: Sex) -> Result<(), NikError> {
        let nik_sex = self.sex();
        if nik_sex != sex {
            return Err(NikError::SexMismatch { nik_sex });
        }
        let nik_day = self.birth_day();
        if nik_day != birth_date.day() {
            return Err(NikError::BirthDayMismatch {
                nik_day,
                entered: birth_date.day(),
            });
        }
        let nik_month = self.birth_month();
        if nik_month != birth_date.month() {
            return Err(NikError::BirthMonthMismatch {
                nik_month,
                entered: birth_date.month(),
            });
        }
        let nik_year = self.birth_year_2();
        let entered_2 = u32::try_from(birth_date.year().rem_euclid(100)).unwrap_or_default();
        if nik_year != entered_2 {
            return Err(NikError::BirthYearMismatch {
                nik_year,
                entered: birth_date.year(),
            });
        }
        Ok(())
    }

    /// The 16 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// First 4 digits, 8 asterisks, last 4 digits (for lists).
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[0..4], &self.0[12..16])
    }

    /// Province code, e.g. `"53"`.
    pub fn province_code(&self) -> &str {
        &self.0[0..2]
    }

    /// Kab/kota code in dotted Kemendagri style, e.g. `"53.71"`.
    pub fn kab_kota_code(&self) -> String {
        format!("{}.{}", &self.0[0..2], &self.0[2..4])
    }

    /// Kecamatan code in dotted Kemendagri style, e.g. `"53.71.02"`.
    pub fn kecamatan_code(&self) -> String {
        format!("{}.{}.{}", &self.0[0..2], &self.0[2..4], &self.0[4..6])
    }

    /// Whether the NIK was first registered in NTT (province 53).
    pub fn is_ntt(&self) -> bool {
        self.province_code() == NTT_PROVINCE_CODE
    }

    /// Sex encoded in the NIK (day > 40 means female).
    pub fn sex(&self) -> Sex {
        if two(&self.0, 6) > 40 {
            Sex::Perempuan
        } else {
            Sex::LakiLaki
        }
    }

    /// Real day of birth (women: minus 40).
    pub fn birth_day(&self) -> u32 {
        let d = two(&self.0, 6);
        if d > 40 { d - 40 } else { d }
    }

    /// Month of birth.
    pub fn birth_month(&self) -> u32 {
        two(&self.0, 8)
    }

    /// Two-digit year of birth.
    pub fn birth_year_2(&self) -> u32 {
        two(&self.0, 10)
    }

    /// The birth date the NIK encodes, taking the latest century that does not put it after
    /// `today`; `None` if that day does not exist (29 February of a common year).
    pub fn birth_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        let yy = i32::try_from(self.birth_year_2()).ok()?;
        let this_century = today.year() / 100 * 100;
        let (m, d) = (self.birth_month(), self.birth_day());
        NaiveDate::from_ymd_opt(this_century + yy, m, d)
            .filter(|date| *date <= today)
            .or_else(|| NaiveDate::from_ymd_opt(this_century - 100 + yy, m, d))
    }
}

impl std::fmt::Display for Nik {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Nik {
    type Err = NikError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Nik::parse(s)
    }
}

impl Serialize for Nik {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Nik {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Nik::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Masks an NIK or KK number: `5371********0001` (anything not 16 characters long: `****`).
pub fn mask(number: &str) -> String {
    if number.len() == 16 && number.is_ascii() {
        format!("{}********{}", &number[..4], &number[12..])
    } else {
        "****".into()
    }
}

/// `text` with every run of exactly 16 digits (an NIK or KK number typed into a note, a
/// reason or registry data) masked as [`mask`] does; other text unchanged.
pub fn mask_numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let run = &text[start..i];
            if run.len() == 16 {
                out.push_str(&mask(run));
            } else {
                out.push_str(run);
            }
        } else {
            let ch = text[i..].chars().next().unwrap_or_default();
            out.push(ch);
            i += ch.len_utf8().max(1);
        }
    }
    out
}

/// `value` with [`mask_numbers`] applied to every string in it (history evidence at rest).
pub fn mask_json(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::String(s) => serde_json::Value::String(mask_numbers(s)),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(mask_json).collect())
        }
        serde_json::Value::Object(map) => {
            serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), mask_json(v))).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_only_sixteen_digit_runs() {
        assert_eq!(mask("5371012345670001"), "5371********0001");
        assert_eq!(mask("123"), "****");
        assert_eq!(
            mask_numbers("NIK 5371012345670001, KK:5371019876540002; kartu 0001234567890"),
            "NIK 5371********0001, KK:5371********0002; kartu 0001234567890"
        );
        assert_eq!(
            mask_numbers("53710123456700019 é 😀 5371012345670001"),
            "53710123456700019 é 😀 5371********0001"
        );
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn parses_valid() {
        let n = Nik::parse(" 5371 0212 0585 0001 ").expect("valid");
        assert_eq!(n.as_str(), "5371021205850001");
        assert_eq!(n.masked(), "5371********0001");
        assert_eq!(n.province_code(), "53");
        assert_eq!(n.kab_kota_code(), "53.71");
        assert_eq!(n.kecamatan_code(), "53.71.02");
        assert!(n.is_ntt());
        assert_eq!(n.sex(), Sex::LakiLaki);
        assert_eq!(n.to_string(), "5371021205850001");
        assert!(Nik::parse("5371.0252.0585.0001").is_ok());
        // New Papua province.
        assert!(Nik::parse("9501021205850001").is_ok());
    }

    #[test]
    fn structural_errors() {
        assert_eq!(Nik::parse(""), Err(NikError::Empty));
        assert_eq!(Nik::parse("537102120585001"), Err(NikError::Length(15)));
        assert_eq!(
            NikError::Length(15).to_string(),
            "NIK harus 16 digit angka; yang diisi 15 digit"
        );
        assert_eq!(
            Nik::parse("53710212058500a1"),
            Err(NikError::NonDigit {
                position: 15,
                ch: 'a'
            })
        );
        assert_eq!(
            Nik::parse("9971021205850001"),
            Err(NikError::Province("99".into()))
        );
        assert_eq!(Nik::parse("5300021205850001"), Err(NikError::KabKota));
        assert_eq!(Nik::parse("5371001205850001"), Err(NikError::Kecamatan));
        assert_eq!(Nik::parse("5371023505850001"), Err(NikError::Day(35)));
        assert_eq!(Nik::parse("5371020005850001"), Err(NikError::Day(0)));
        assert_eq!(Nik::parse("5371027205850001"), Err(NikError::Day(72)));
        assert_eq!(Nik::parse("5371021213850001"), Err(NikError::Month(13)));
        assert_eq!(
            Nik::parse("5371023002850001"),
            Err(NikError::DayNotInMonth { day: 30, month: 2 })
        );
        assert_eq!(
            Nik::parse("5371027104850001"),
            Err(NikError::DayNotInMonth { day: 31, month: 4 })
        );
        assert!(Nik::parse("5371022902850001").is_ok());
        assert_eq!(Nik::parse("5371021205850000"), Err(NikError::Serial));
        assert!(NikError::Serial.to_string().contains("13-16"));
    }

    #[test]
    fn check_against_birth_data() {
        let man = Nik::parse("5371021205850001").expect("valid");
        assert_eq!(man.check_against(d(1985, 5, 12), Sex::LakiLaki), Ok(()));
        let err = man
            .check_against(d(1985, 5, 15), Sex::LakiLaki)
            .expect_err("day");
        assert_eq!(
            err.to_string(),
            "Tanggal lahir pada NIK (digit 7-8) adalah 12, tetapi tanggal lahir yang diisi 15"
        );
        assert_eq!(
            man.check_against(d(1985, 5, 12), Sex::Perempuan)
                .expect_err("sex")
                .to_string(),
            "NIK ini milik laki-laki (tanggal tanpa +40) tetapi jenis kelamin diisi perempuan"
        );
        assert_eq!(
            man.check_against(d(1985, 6, 12), Sex::LakiLaki),
            Err(NikError::BirthMonthMismatch {
                nik_month: 5,
                entered: 6
            })
        );
        assert_eq!(
            man.check_against(d(1986, 5, 12), Sex::LakiLaki),
            Err(NikError::BirthYearMismatch {
                nik_year: 85,
                entered: 1986
            })
        );

        let woman = Nik::parse("5371025205050001").expect("valid");
        assert_eq!(woman.sex(), Sex::Perempuan);
        assert_eq!(woman.birth_day(), 12);
        assert_eq!(woman.check_against(d(2005, 5, 12), Sex::Perempuan), Ok(()));
        assert_eq!(
            woman
                .check_against(d(2005, 5, 12), Sex::LakiLaki)
                .expect_err("sex")
                .to_string(),
            "NIK ini milik perempuan (tanggal +40) tetapi jenis kelamin diisi laki-laki"
        );
    }
}
