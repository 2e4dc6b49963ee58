//! Small reference enums (codes stored in the database, Indonesian labels for
//! the UI) and the `code_enum!` macro that generates them.
//!
//! Every enum has `as_str()` (the snake_case code stored in the DB), `label()`
//! (Bahasa Indonesia), `FromStr` (from the code, `Err = ()`), `ALL`, `OPTIONS`
//! (`(code, label)` pairs for select boxes) and serde (de)serialization as the
//! code. `Display` prints the code.

/// Generates a code/label enum with `as_str`, `label`, `ALL`, `OPTIONS`,
/// `FromStr`, `Display` (code) and serde as the code.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => ($code:literal, $label:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &[Self] = &[$(Self::$variant),+];

            /// `(code, label)` pairs of every variant, for select boxes.
            pub const OPTIONS: &[(&'static str, &'static str)] = &[$(($code, $label)),+];

            /// The code stored in the database.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $code),+
                }
            }

            /// The Bahasa Indonesia label shown in the UI.
            pub fn label(&self) -> &'static str {
                match self {
                    $(Self::$variant => $label),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = ();

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok(Self::$variant),)+
                    _ => Err(()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use code_enum;

code_enum! {
    /// Sex as recorded on the KTP (codes `L` / `P`).
    pub enum Sex {
        /// Male.
        LakiLaki => ("L", "Laki-laki"),
        /// Female (NIK birth day +40).
        Perempuan => ("P", "Perempuan"),
    }
}

code_enum! {
    /// Type of hospital service of the episode.
    pub enum ServiceType {
        /// Emergency department.
        Igd => ("igd", "IGD"),
        /// Inpatient.
        RawatInap => ("rawat_inap", "Rawat inap"),
        /// Outpatient.
        RawatJalan => ("rawat_jalan", "Rawat jalan"),
    }
}

code_enum! {
    /// Ward class (the program covers kelas 3).
    pub enum WardClass {
        /// Class 1.
        Kelas1 => ("kelas_1", "Kelas 1"),
        /// Class 2.
        Kelas2 => ("kelas_2", "Kelas 2"),
        /// Class 3.
        Kelas3 => ("kelas_3", "Kelas 3"),
    }
}

code_enum! {
    /// JKN (BPJS Kesehatan) membership status at intake.
    pub enum JknStatus {
        /// No JKN membership.
        None => ("tidak_ada", "Tidak punya JKN"),
        /// Membership exists but is inactive.
        Inactive => ("tidak_aktif", "JKN tidak aktif"),
        /// Active member (not a program case).
        Active => ("aktif", "JKN aktif"),
    }
}

code_enum! {
    /// Kind of an uploaded document.
    pub enum DocumentKind {
        /// Photo of the KTP.
        Ktp => ("ktp", "Foto KTP"),
        /// Photo of the family card.
        Kk => ("kk", "Foto KK"),
        /// Scan of the poverty certificate.
        Sktm => ("sktm", "Scan SKTM"),
        /// Referral letter.
        Rujukan => ("rujukan", "Surat rujukan"),
        /// Any other document.
        Lainnya => ("lainnya", "Dokumen lain"),
    }
}

code_enum! {
    /// Registry consulted when recording evidence.
    pub enum SourceSystem {
        /// Civil registry (Dukcapil).
        Siak => ("siak", "SIAK"),
        /// Social welfare information system.
        SiksNg => ("siks_ng", "SIKS-NG"),
        /// Integrated national socio-economic data.
        Dtsen => ("dtsen", "DTSEN"),
        /// BPJS Kesehatan.
        Bpjs => ("bpjs", "BPJS Kesehatan"),
    }
}

code_enum! {
    /// Who pays the temporary guarantee (Pergub B.2).
    pub enum Payer {
        /// Provincial government budget.
        Pemprov => ("pemprov", "Pemerintah Provinsi NTT (APBD)"),
        /// Government of the patient's kabupaten/kota of origin.
        PemkabAsal => ("pemkab_asal", "Pemerintah Kabupaten/Kota asal"),
    }
}

code_enum! {
    /// Reason code when an agency sends a case back to the hospital.
    pub enum ReturnReason {
        /// Unreadable photo.
        FotoTidakTerbaca => ("foto_tidak_terbaca", "Foto tidak terbaca"),
        /// Data does not match the registry.
        DataTidakSesuai => ("data_tidak_sesuai", "Data tidak sesuai"),
        /// Missing document.
        DokumenKurang => ("dokumen_kurang", "Dokumen kurang"),
        /// Other reason.
        Lainnya => ("lainnya", "Lainnya"),
    }
}

code_enum! {
    /// Reason code when a case is withdrawn.
    pub enum WithdrawReason {
        /// Patient died.
        Meninggal => ("meninggal", "Pasien meninggal dunia"),
        /// Discharged before a guarantee was issued.
        PulangSebelumJaminan => ("pulang_sebelum_jaminan", "Pulang sebelum jaminan terbit"),
        /// Paid privately.
        BayarMandiri => ("bayar_mandiri", "Membayar mandiri"),
        /// Already has active JKN.
        JknAktif => ("jkn_aktif", "Sudah memiliki JKN aktif"),
        /// Moved out of NTT.
        PindahLuarNtt => ("pindah_luar_ntt", "Pindah ke luar NTT"),
        /// Duplicate case.
        Duplikat => ("duplikat", "Kasus duplikat"),
    }
}

code_enum! {
    /// Insurance scheme the case is handed over to.
    pub enum Scheme {
        /// PBI JKN (premium paid by the state).
        PbiJkn => ("pbi_jkn", "PBI JKN"),
        /// PBPU Pemda (regional government quota, Kepgub 99/2025).
        PbpuPemda => ("pbpu_pemda", "PBPU Pemda"),
    }
}

code_enum! {
    /// A user's role (one per user).
    pub enum Role {
        /// Hospital PIC.
        Rsud => ("rsud", "PIC RSUD"),
        /// Provincial civil registry.
        DukcapilProv => ("dukcapil_prov", "Disdukcapil Provinsi"),
        /// Kab/kota civil registry.
        DukcapilKab => ("dukcapil_kab", "Disdukcapil Kab/Kota"),
        /// Provincial social affairs office.
        DinsosProv => ("dinsos_prov", "Dinsos Provinsi"),
        /// Kab/kota social affairs office.
        DinsosKab => ("dinsos_kab", "Dinsos Kab/Kota"),
        /// Provincial health office.
        DinkesProv => ("dinkes_prov", "Dinkes Provinsi"),
        /// Kab/kota health office.
        DinkesKab => ("dinkes_kab", "Dinkes Kab/Kota"),
        /// BPJS Kesehatan.
        Bpjs => ("bpjs", "BPJS Kesehatan"),
        /// Tim Merajut Sehat (read-only monitoring).
        Tim => ("tim", "Tim Merajut Sehat"),
        /// Administrator (no patient data).
        Admin => ("admin", "Administrator"),
        /// The data protection officer (UU 27/2022): reads the access log and the per-patient
        /// access history, never a case's content.
        Auditor => ("auditor", "Auditor pelindungan data"),
    }
}

code_enum! {
    /// What a role's scope refers to.
    pub enum ScopeKind {
        /// One hospital.
        Hospital => ("hospital", "Rumah sakit"),
        /// One kabupaten/kota.
        KabKota => ("kab_kota", "Kabupaten/Kota"),
        /// Unscoped (province-wide roles and admin).
        None => ("none", "Tanpa lingkup"),
    }
}

impl Role {
    /// The kind of scope a user with this role carries.
    pub fn scope_kind(&self) -> ScopeKind {
        match self {
            Role::Rsud => ScopeKind::Hospital,
            Role::DukcapilKab | Role::DinsosKab | Role::DinkesKab => ScopeKind::KabKota,
            Role::DukcapilProv
            | Role::DinsosProv
            | Role::DinkesProv
            | Role::Bpjs
            | Role::Tim
            | Role::Admin
            | Role::Auditor => ScopeKind::None,
        }
    }

    /// The agency the role belongs to.
    pub fn agency(&self) -> &'static str {
        match self {
            Role::Rsud => "RSUD",
            Role::DukcapilProv | Role::DukcapilKab => "Disdukcapil",
            Role::DinsosProv | Role::DinsosKab => "Dinsos",
            Role::DinkesProv | Role::DinkesKab => "Dinkes",
            Role::Bpjs => "BPJS Kesehatan",
            Role::Tim => "Tim Merajut Sehat",
            Role::Admin => "Administrator",
            Role::Auditor => "Pelindungan data",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip<T>(all: &[T])
    where
        T: Copy + PartialEq + std::fmt::Debug + std::str::FromStr + serde::Serialize,
        T: std::fmt::Display,
    {
        for v in all {
            let s = v.to_string();
            assert_eq!(s.parse::<T>().ok(), Some(*v));
        }
    }

    #[test]
    fn codes_roundtrip() {
        roundtrip(Sex::ALL);
        roundtrip(ServiceType::ALL);
        roundtrip(WardClass::ALL);
        roundtrip(JknStatus::ALL);
        roundtrip(DocumentKind::ALL);
        roundtrip(SourceSystem::ALL);
        roundtrip(Payer::ALL);
        roundtrip(ReturnReason::ALL);
        roundtrip(WithdrawReason::ALL);
        roundtrip(Scheme::ALL);
        roundtrip(Role::ALL);
        roundtrip(ScopeKind::ALL);
    }

    #[test]
    fn specific_codes() {
        assert_eq!(Sex::LakiLaki.as_str(), "L");
        assert_eq!("P".parse::<Sex>(), Ok(Sex::Perempuan));
        assert_eq!(WardClass::Kelas3.as_str(), "kelas_3");
        assert_eq!(JknStatus::None.as_str(), "tidak_ada");
        assert_eq!(Role::DukcapilProv.as_str(), "dukcapil_prov");
        assert_eq!(Role::ALL.len(), 11);
        assert_eq!(Role::Rsud.scope_kind(), ScopeKind::Hospital);
        assert_eq!(Role::DinkesKab.scope_kind(), ScopeKind::KabKota);
        assert_eq!(Role::Admin.scope_kind(), ScopeKind::None);
        assert_eq!(Role::DinsosKab.agency(), "Dinsos");
        assert_eq!(SourceSystem::SiksNg.label(), "SIKS-NG");
        assert!("x".parse::<Role>().is_err());
    }
}
