//! The family's view of a case (issue 12): the status code printed on the slip the hospital
//! gives the family ([`FamilyCode`]), and what the public status page says about each state
//! ([`family_step`]) — where the case is, in one plain sentence, and what happens next. No
//! name, NIK, ward, diagnosis or reason ever comes from here: the sentences depend on the
//! state alone.

use std::fmt;

use super::CaseState;

/// The alphabet of a code: digits and upper-case letters without `0`, `O`, `1` and `I`, which
/// are misread on paper and over the phone. 32 symbols: 5 bits each.
pub const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Symbols in a code: 12 × 5 = 60 random bits.
pub const CODE_LENGTH: usize = 12;

/// A family status code, `K7QX-M4PA-93TR`: twelve symbols of [`CODE_ALPHABET`], shown in
/// groups of four. It is random (never derived from the NIK or the case), so its only use is
/// to be typed on the status page; the service stores its SHA-256 ([`FamilyCode::hash_input`]).
#[derive(Clone, PartialEq, Eq)]
pub struct FamilyCode(String);

/// Why a typed code cannot be a status code (the page says so next to the field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilyCodeError {
    /// Nothing typed.
    Empty,
    /// Wrong length or a character no code has.
    Malformed,
}

impl FamilyCodeError {
    /// The field message, in Bahasa Indonesia.
    pub fn message(self) -> &'static str {
        match self {
            FamilyCodeError::Empty => {
                "Kode status wajib diisi: salin 12 huruf dan angka dari slip rumah sakit."
            }
            FamilyCodeError::Malformed => {
                "Kode status terdiri dari 12 huruf dan angka seperti pada slip, misalnya \
                 K7QX-M4PA-93TR (tanda hubung dan spasi boleh diketik atau tidak)."
            }
        }
    }
}

impl FamilyCode {
    /// The code made of 12 random bytes (each byte's low 5 bits pick a symbol: 256 is a
    /// multiple of 32, so every symbol is equally likely). The caller brings the randomness
    /// from the operating system's source.
    pub fn from_random(bytes: [u8; CODE_LENGTH]) -> FamilyCode {
        FamilyCode(
            bytes
                .iter()
                .map(|b| char::from(CODE_ALPHABET[usize::from(b & 31)]))
                .collect(),
        )
    }

    /// A code as a family types it: any letter case, with or without the hyphens and spaces
    /// of the slip. Anything else (a wrong length, a letter `O` or `I`, a NUL byte, an emoji)
    /// is [`FamilyCodeError::Malformed`].
    pub fn parse(raw: &str) -> Result<FamilyCode, FamilyCodeError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FamilyCodeError::Empty);
        }
        // A long paste is refused before anything is built from it.
        if trimmed.len() > 40 {
            return Err(FamilyCodeError::Malformed);
        }
        let symbols: String = trimmed
            .chars()
            .filter(|c| !matches!(c, '-' | ' ' | '\u{2010}'..='\u{2015}'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = symbols.len() == CODE_LENGTH
            && symbols
                .bytes()
                .all(|b| b.is_ascii() && CODE_ALPHABET.contains(&b));
        if valid {
            Ok(FamilyCode(symbols))
        } else {
            Err(FamilyCodeError::Malformed)
        }
    }

    /// The bytes the stored hash is taken of: the twelve symbols, without separators.
    pub fn hash_input(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The code as printed: `K7QX-M4PA-93TR`.
    pub fn grouped(&self) -> String {
        let groups: Vec<&str> = (0..CODE_LENGTH)
            .step_by(4)
            .map(|i| &self.0[i..i + 4])
            .collect();
        groups.join("-")
    }
}

impl fmt::Display for FamilyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

/// Never printed by `{:?}`: a code in a log line would be a key to the case.
impl fmt::Debug for FamilyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FamilyCode(…)")
    }
}

/// What the status page tells a family about a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamilyStep {
    /// Where the case is, one sentence.
    pub now: &'static str,
    /// What happens next (or what the family can do), one or two sentences.
    pub next: &'static str,
    /// Whether the case is closed.
    pub closed: bool,
}

/// The family's sentences for `state`. Written for a patient's relatives: which office has
/// the file, in words they know, never why (no desil, no reason of a return or rejection).
pub fn family_step(state: CaseState) -> FamilyStep {
    use CaseState::*;
    let (now, next) = match state {
        Draft => (
            "Data pasien sedang disiapkan oleh petugas rumah sakit.",
            "Setelah lengkap, rumah sakit mengirim berkas ke Dinas Kependudukan dan Pencatatan \
             Sipil (Dukcapil) untuk pemeriksaan data kependudukan.",
        ),
        NikCheck => (
            "Sedang diperiksa Dinas Kependudukan dan Pencatatan Sipil (Dukcapil) Provinsi: \
             pencocokan data kependudukan pasien.",
            "Setelah data kependudukan cocok, berkas diteruskan ke Dinas Sosial.",
        ),
        NikReferral => (
            "Sedang ditelusuri Dukcapil kabupaten/kota asal pasien untuk memastikan data \
             kependudukan.",
            "Petugas Dukcapil mungkin menghubungi keluarga. Setelah data ditemukan, berkas \
             diteruskan ke Dinas Sosial.",
        ),
        IdentityRecording => (
            "Dukcapil kabupaten/kota sedang merekam data kependudukan pasien (perekaman \
             identitas).",
            "Setelah perekaman selesai, berkas diteruskan ke Dinas Sosial.",
        ),
        DesilCheck => (
            "Sedang diperiksa Dinas Sosial: pengecekan data kesejahteraan keluarga.",
            "Setelah itu, Dinas Kesehatan menelaah jaminan biaya perawatan sementara.",
        ),
        SktmRequired => (
            "Rumah sakit menunggu Surat Keterangan Tidak Mampu (SKTM) dari desa atau kelurahan.",
            "Urus SKTM di kantor desa/kelurahan tempat tinggal pasien, lalu serahkan kepada \
             petugas rumah sakit. Setelah itu berkas diteruskan ke Dinas Kesehatan.",
        ),
        GuaranteeReview => (
            "Sedang ditelaah Dinas Kesehatan Provinsi untuk jaminan biaya perawatan sementara.",
            "Jika disetujui, biaya perawatan ditanggung sementara oleh pemerintah daerah.",
        ),
        Guaranteed => (
            "Biaya perawatan sudah dijamin sementara oleh pemerintah daerah.",
            "Dinas Sosial mengusulkan pasien menjadi peserta JKN yang iurannya dibayar \
             pemerintah. Jaminan sementara tetap berlaku selama menunggu.",
        ),
        PbiProposed => (
            "Pasien sudah diusulkan menjadi peserta JKN yang iurannya dibayar pemerintah \
             (PBI JKN); menunggu BPJS Kesehatan.",
            "Setelah kepesertaan aktif, biaya ditanggung BPJS Kesehatan. Jaminan sementara tetap \
             berlaku selama menunggu.",
        ),
        PbpuReview => (
            "Dinas Kesehatan sedang menelaah pendaftaran pasien sebagai peserta JKN yang iurannya \
             dibayar pemerintah daerah (PBPU Pemda).",
            "Jika disetujui, pasien didaftarkan ke BPJS Kesehatan. Jaminan sementara tetap \
             berlaku selama menunggu.",
        ),
        PbpuProposed => (
            "Pasien sudah didaftarkan sebagai peserta JKN PBPU Pemda; menunggu BPJS Kesehatan \
             mengaktifkan kepesertaan.",
            "Setelah kepesertaan aktif, biaya ditanggung BPJS Kesehatan. Jaminan sementara tetap \
             berlaku selama menunggu.",
        ),
        Returned => (
            "Berkas dikembalikan ke rumah sakit untuk dilengkapi.",
            "Petugas rumah sakit melengkapi berkas lalu mengirimnya kembali. Jika keluarga \
             diminta membawa dokumen, tanyakan kepada petugas rumah sakit.",
        ),
        HandedOver => (
            "Selesai: pasien sudah menjadi peserta JKN, dan biaya kini ditanggung BPJS Kesehatan.",
            "Tidak ada langkah lagi dalam program ini. Simpan kartu atau nomor kepesertaan JKN \
             yang diberikan rumah sakit.",
        ),
        Rejected => (
            "Selesai: jaminan biaya sementara tidak disetujui.",
            "Untuk penjelasan, tanyakan kepada petugas rumah sakit.",
        ),
        Withdrawn => (
            "Selesai: proses program ini sudah dihentikan.",
            "Untuk penjelasan, tanyakan kepada petugas rumah sakit.",
        ),
    };
    FamilyStep {
        now,
        next,
        closed: state.is_terminal(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_has_sixty_bits_in_an_unambiguous_alphabet() {
        assert_eq!(CODE_ALPHABET.len(), 32);
        for c in b"0O1I" {
            assert!(!CODE_ALPHABET.contains(c));
        }
        let mut seen = std::collections::HashSet::new();
        assert!(CODE_ALPHABET.iter().all(|c| seen.insert(*c)));
        // 12 symbols × log2(32) = 60 bits.
        assert_eq!(CODE_LENGTH * 5, 60);
    }

    #[test]
    fn every_byte_value_maps_into_the_alphabet_evenly() {
        let mut counts = [0usize; 32];
        for b in 0..=255u8 {
            let code = FamilyCode::from_random([b; CODE_LENGTH]);
            let first = code.hash_input()[0];
            let i = CODE_ALPHABET.iter().position(|c| *c == first).expect("in");
            counts[i] += 1;
        }
        assert!(counts.iter().all(|c| *c == 8));
    }

    #[test]
    fn a_code_is_shown_grouped_and_read_back_however_typed() {
        let code = FamilyCode::parse("K7QX-M4PA-93TR").expect("a code");
        assert_eq!(code.grouped(), "K7QX-M4PA-93TR");
        for typed in [
            "k7qx-m4pa-93tr",
            " K7QXM4PA93TR ",
            "K7QX M4PA 93TR",
            "k7qx\u{2013}m4pa\u{2013}93tr",
        ] {
            assert_eq!(FamilyCode::parse(typed), Ok(code.clone()), "{typed}");
        }
        assert_eq!(code.hash_input(), b"K7QXM4PA93TR");
        assert_eq!(format!("{code:?}"), "FamilyCode(…)");
    }

    #[test]
    fn anything_else_is_refused_with_a_message() {
        assert_eq!(FamilyCode::parse("  "), Err(FamilyCodeError::Empty));
        for typed in [
            "K7QX-M4PA-93T",
            "K7QX-M4PA-93TRX",
            "O7QX-M4PA-93TR",
            "I7QX-M4PA-93TR",
            "K7QX-M4PA-93T\0",
            "K7QX-M4PA-93T😀",
            "5371010101010001",
            &"A".repeat(100_000),
        ] {
            assert_eq!(
                FamilyCode::parse(typed),
                Err(FamilyCodeError::Malformed),
                "{typed:.20}"
            );
        }
        assert!(FamilyCodeError::Malformed.message().contains("Kode status"));
    }

    #[test]
    fn every_state_has_its_own_plain_sentence() {
        let mut seen = std::collections::HashSet::new();
        for &state in CaseState::ALL {
            let step = family_step(state);
            assert!(seen.insert(step.now), "{state:?} repeats a sentence");
            assert!(step.now.ends_with('.') && step.next.ends_with('.'));
            assert_eq!(step.closed, state.is_terminal());
            for word in ["desil", "NIK", "diagnosis", "alasan"] {
                assert!(!step.now.contains(word) && !step.next.contains(word));
            }
        }
    }
}
