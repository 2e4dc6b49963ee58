//! Family card (Kartu Keluarga) number, 16 digits: `PP KK CC DDMMYY SSSS` —
//! province, kab/kota, kecamatan, issue date, serial. The KK number changes
//! when a family splits or moves: never use it as a key.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::nik::{is_valid_province_code, strip_separators};

/// A structurally valid 16-digit KK number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KkNumber(String);

impl KkNumber {
    /// Parses and validates a KK number (spaces and dots ignored). The error
    /// is a Bahasa Indonesia message naming the part that is wrong.
    pub fn parse(input: &str) -> Result<KkNumber, String> {
        let s = strip_separators(input);
        let len = s.chars().count();
        if len == 0 {
            return Err("Nomor KK wajib diisi".into());
        }
        if len != 16 {
            return Err(format!(
                "Nomor KK harus 16 digit angka; yang diisi {len} digit"
            ));
        }
        if let Some((i, ch)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(format!(
                "Nomor KK harus 16 digit angka; ditemukan '{ch}' pada digit ke-{}",
                i + 1
            ));
        }
        let province = &s[0..2];
        if !is_valid_province_code(province) {
            return Err(format!(
                "Kode provinsi pada nomor KK (digit 1-2) tidak dikenal: {province}"
            ));
        }
        if &s[2..4] == "00" {
            return Err("Kode kabupaten/kota pada nomor KK (digit 3-4) tidak boleh 00".into());
        }
        if &s[4..6] == "00" {
            return Err("Kode kecamatan pada nomor KK (digit 5-6) tidak boleh 00".into());
        }
        let day: u32 = s[6..8].parse().unwrap_or_default();
        if !(1..=31).contains(&day) {
            return Err(format!(
                "Tanggal terbit pada nomor KK (digit 7-8) tidak valid: {day:02} (harus 01–31)"
            ));
        }
        let month: u32 = s[8..10].parse().unwrap_or_default();
        if !(1..=12).contains(&month) {
            return Err(format!(
                "Bulan terbit pada nomor KK (digit 9-10) tidak valid: {month:02} (harus 01–12)"
            ));
        }
        if &s[12..16] == "0000" {
            return Err("Nomor urut pada nomor KK (digit 13-16) tidak boleh 0000".into());
        }
        Ok(KkNumber(s))
    }

    /// The 16 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// First 4 digits, 8 asterisks, last 4 digits (for lists).
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[0..4], &self.0[12..16])
    }
}

impl std::fmt::Display for KkNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for KkNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for KkNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        KkNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_masked() {
        let kk = KkNumber::parse("5371 0215 0320 0007").expect("valid");
        assert_eq!(kk.as_str(), "5371021503200007");
        assert_eq!(kk.masked(), "5371********0007");
    }

    #[test]
    fn errors_name_the_part() {
        let e = |s: &str| KkNumber::parse(s).expect_err("invalid");
        assert!(e("").contains("wajib"));
        assert!(e("123").contains("16 digit"));
        assert!(e("53710215032000x7").contains("16 digit"));
        assert!(e("9971021503200007").contains("provinsi"));
        assert!(e("5300021503200007").contains("kabupaten/kota"));
        assert!(e("5371001503200007").contains("kecamatan"));
        assert!(e("5371024503200007").contains("Tanggal terbit"));
        assert!(e("5371021513200007").contains("Bulan terbit"));
        assert!(e("5371021503200000").contains("Nomor urut"));
    }
}
