//! The intake form (patient and episode, DOMAIN.md §3): its fields, described once for the
//! page, the API and the OpenAPI document, and its parsing with field errors in Bahasa
//! Indonesia.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::db::cases::PatientFields;
use crate::domain::action::{FieldError, FieldKind, FieldSpec, field as f};
use crate::domain::{JknStatus, KkNumber, Nik, PhoneNumber, ServiceType, Sex, WardClass};

/// Options of `has_identity_document`.
pub const IDENTITY_OPTIONS: &[(&str, &str)] = &[
    ("ya", "Ada dokumen identitas (KTP/KK)"),
    (
        "tidak",
        "Tidak punya dokumen identitas (gelandangan, terlantar, ODGJ — Pergub C.1)",
    ),
];

/// The intake fields, in form order. `domicile_kab_kota_code` is a kab/kota code (e.g. `53.71`).
pub const FIELDS: &[FieldSpec] = &[
    f(
        "full_name",
        "Nama lengkap pasien",
        FieldKind::Text,
        true,
        "",
    ),
    f(
        "sex",
        "Jenis kelamin",
        FieldKind::Select(Sex::OPTIONS),
        true,
        "",
    ),
    f("birth_place", "Tempat lahir", FieldKind::Text, false, ""),
    f("birth_date", "Tanggal lahir", FieldKind::Date, true, ""),
    f(
        "has_identity_document",
        "Dokumen identitas",
        FieldKind::Select(IDENTITY_OPTIONS),
        true,
        "Pilih \"tidak\" untuk pasien tanpa identitas; Disdukcapil akan menelusuri atau merekam identitasnya.",
    ),
    f(
        "nik",
        "NIK",
        FieldKind::Nik,
        false,
        "16 digit; wajib sebelum dikirim bila pasien punya dokumen identitas.",
    ),
    f("kk_number", "Nomor KK", FieldKind::Text, false, "16 digit."),
    f("address", "Alamat", FieldKind::LongText, false, ""),
    f("desa", "Desa/kelurahan", FieldKind::Text, false, ""),
    f("kecamatan", "Kecamatan", FieldKind::Text, false, ""),
    f(
        "domicile_kab_kota_code",
        "Kabupaten/kota domisili",
        FieldKind::Text,
        true,
        "Kode Kemendagri, mis. 53.71 (Kota Kupang).",
    ),
    f(
        "family_phone",
        "Nomor telepon keluarga",
        FieldKind::Text,
        false,
        "mis. 0812-3456-7890",
    ),
    f(
        "admission_date",
        "Tanggal masuk rumah sakit",
        FieldKind::Date,
        true,
        "",
    ),
    f(
        "service_type",
        "Jenis layanan",
        FieldKind::Select(ServiceType::OPTIONS),
        true,
        "",
    ),
    f(
        "ward_class",
        "Kelas perawatan",
        FieldKind::Select(WardClass::OPTIONS),
        true,
        "Program menanggung kelas 3.",
    ),
    f(
        "clinical_reason",
        "Alasan klinis singkat",
        FieldKind::LongText,
        false,
        "Seperlunya saja (data kesehatan bersifat rahasia); maksimal 500 karakter.",
    ),
    f(
        "jkn_status",
        "Status JKN saat masuk",
        FieldKind::Select(JknStatus::OPTIONS),
        true,
        "",
    ),
];

fn label(name: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|s| s.name == name)
        .map_or("Isian", |s| s.label)
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
        .iter()
        .find_map(|fmt| NaiveDate::parse_from_str(s, fmt).ok())
}

/// Parses the intake form. `kab_kota` lists the valid kab/kota codes. Every problem is
/// reported, each naming its field.
pub fn parse(
    input: &HashMap<String, String>,
    today: NaiveDate,
    kab_kota: &[String],
) -> Result<PatientFields, Vec<FieldError>> {
    let mut errors: Vec<FieldError> = vec![];
    let get = |k: &str| {
        input
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut err = |field: &'static str, message: String| errors.push(FieldError { field, message });

    let text = |name: &'static str,
                required: bool,
                max: usize,
                err: &mut dyn FnMut(&'static str, String)| {
        match get(name) {
            None if required => {
                err(name, format!("{} wajib diisi.", label(name)));
                None
            }
            Some(v) if v.chars().count() > max => {
                err(name, format!("{} maksimal {max} karakter.", label(name)));
                None
            }
            v => v,
        }
    };
    let full_name = text("full_name", true, 200, &mut err);
    let birth_place = text("birth_place", false, 200, &mut err);
    let address = text("address", false, 500, &mut err);
    let desa = text("desa", false, 200, &mut err);
    let kecamatan = text("kecamatan", false, 200, &mut err);
    let clinical_reason = text("clinical_reason", false, 500, &mut err);

    let sex = match get("sex").map(|s| s.parse::<Sex>()) {
        Some(Ok(s)) => Some(s),
        Some(Err(())) => {
            err(
                "sex",
                "Jenis kelamin harus L (laki-laki) atau P (perempuan).".into(),
            );
            None
        }
        None => {
            err("sex", "Jenis kelamin wajib dipilih.".into());
            None
        }
    };
    let date = |name: &'static str, err: &mut dyn FnMut(&'static str, String)| match get(name) {
        None => {
            err(name, format!("{} wajib diisi.", label(name)));
            None
        }
        Some(v) => match parse_date(&v) {
            None => {
                err(
                    name,
                    format!("{} tidak dikenali; gunakan format TTTT-BB-HH.", label(name)),
                );
                None
            }
            Some(d) if d > today => {
                err(name, format!("{} tidak boleh di masa depan.", label(name)));
                None
            }
            Some(d) => Some(d),
        },
    };
    let birth_date = date("birth_date", &mut err);
    let admission_date = date("admission_date", &mut err);
    if let (Some(b), Some(a)) = (birth_date, admission_date)
        && a < b
    {
        err(
            "admission_date",
            "Tanggal masuk rumah sakit tidak boleh sebelum tanggal lahir.".into(),
        );
    }
    let has_identity_document = match get("has_identity_document").as_deref() {
        Some("ya") | Some("true") | Some("on") | Some("1") => Some(true),
        Some("tidak") | Some("false") | Some("0") => Some(false),
        Some(_) => {
            err(
                "has_identity_document",
                "Dokumen identitas harus \"ya\" atau \"tidak\".".into(),
            );
            None
        }
        None => {
            err(
                "has_identity_document",
                "Pilih apakah pasien punya dokumen identitas.".into(),
            );
            None
        }
    };
    let nik = match get("nik") {
        None => None,
        Some(v) => match Nik::parse(&v) {
            Err(e) => {
                err("nik", format!("NIK: {e}"));
                None
            }
            Ok(nik) => {
                if let (Some(b), Some(s)) = (birth_date, sex)
                    && let Err(e) = nik.check_against(b, s)
                {
                    err("nik", format!("NIK: {e}"));
                }
                Some(nik.as_str().to_string())
            }
        },
    };
    let kk_number = match get("kk_number") {
        None => None,
        Some(v) => match KkNumber::parse(&v) {
            Err(e) => {
                err("kk_number", e);
                None
            }
            Ok(kk) => Some(kk.as_str().to_string()),
        },
    };
    let family_phone = match get("family_phone") {
        None => None,
        Some(v) => match PhoneNumber::parse(&v) {
            Err(e) => {
                err("family_phone", e);
                None
            }
            Ok(p) => Some(p.as_str().to_string()),
        },
    };
    let domicile = match get("domicile_kab_kota_code") {
        None => {
            err(
                "domicile_kab_kota_code",
                "Kabupaten/kota domisili wajib dipilih.".into(),
            );
            None
        }
        Some(code) if kab_kota.contains(&code) => Some(code),
        Some(code) => {
            err(
                "domicile_kab_kota_code",
                format!(
                    "Kabupaten/kota domisili \"{code}\" tidak dikenal; pilih salah satu kab/kota NTT."
                ),
            );
            None
        }
    };
    let select = |name: &'static str,
                  options: &[(&str, &str)],
                  err: &mut dyn FnMut(&'static str, String)| {
        match get(name) {
            None => {
                err(name, format!("{} wajib dipilih.", label(name)));
                None
            }
            Some(v) if options.iter().any(|(code, _)| *code == v) => Some(v),
            Some(_) => {
                err(name, format!("{}: pilihan tidak dikenal.", label(name)));
                None
            }
        }
    };
    let service_type = select("service_type", ServiceType::OPTIONS, &mut err);
    let ward_class = select("ward_class", WardClass::OPTIONS, &mut err);
    let jkn_status = select("jkn_status", JknStatus::OPTIONS, &mut err);
    if jkn_status.as_deref() == Some(JknStatus::Active.as_str()) {
        err(
            "jkn_status",
            "Pasien dengan JKN aktif bukan sasaran program Merajut Sehat; layani dengan JKN-nya."
                .into(),
        );
    }
    #[expect(
        clippy::drop_non_drop,
        reason = "ends the closure's borrow of `errors`"
    )]
    drop(err);
    if !errors.is_empty() {
        return Err(errors);
    }
    match (
        full_name,
        sex,
        birth_date,
        has_identity_document,
        domicile,
        admission_date,
        service_type,
        ward_class,
        jkn_status,
    ) {
        (
            Some(full_name),
            Some(sex),
            Some(birth_date),
            Some(has_id),
            Some(domicile),
            Some(admission_date),
            Some(service_type),
            Some(ward_class),
            Some(jkn_status),
        ) => Ok(PatientFields {
            full_name,
            sex: sex.as_str().to_string(),
            birth_place,
            birth_date,
            has_identity_document: has_id,
            nik,
            kk_number,
            address,
            desa,
            kecamatan,
            domicile_kab_kota_code: domicile,
            family_phone,
            admission_date,
            service_type,
            ward_class,
            clinical_reason,
            jkn_status,
        }),
        _ => Err(vec![FieldError {
            field: "full_name",
            message: "Isian belum lengkap.".into(),
        }]),
    }
}

/// What is still missing before a draft can be submitted: an identified patient needs an NIK
/// and a KTP photo.
pub fn submit_problems(fields: &PatientFields, document_kinds: &[String]) -> Vec<FieldError> {
    let mut errors = vec![];
    if fields.has_identity_document {
        if fields.nik.is_none() {
            errors.push(FieldError {
                field: "nik",
                message: "NIK wajib diisi sebelum dikirim (atau pilih \"tidak punya dokumen identitas\")."
                    .into(),
            });
        }
        if !document_kinds.iter().any(|k| k == "ktp") {
            errors.push(FieldError {
                field: "documents",
                message: "Unggah foto KTP sebelum dikirim.".into(),
            });
        }
    }
    errors
}

/// The form values of a stored case, for editing.
pub fn to_input(f: &PatientFields) -> HashMap<String, String> {
    let mut m = HashMap::new();
    let mut put = |k: &str, v: Option<String>| {
        m.insert(k.to_string(), v.unwrap_or_default());
    };
    put("full_name", Some(f.full_name.clone()));
    put("sex", Some(f.sex.clone()));
    put("birth_place", f.birth_place.clone());
    put("birth_date", Some(f.birth_date.to_string()));
    put(
        "has_identity_document",
        Some(
            if f.has_identity_document {
                "ya"
            } else {
                "tidak"
            }
            .into(),
        ),
    );
    put("nik", f.nik.clone());
    put("kk_number", f.kk_number.clone());
    put("address", f.address.clone());
    put("desa", f.desa.clone());
    put("kecamatan", f.kecamatan.clone());
    put(
        "domicile_kab_kota_code",
        Some(f.domicile_kab_kota_code.clone()),
    );
    put("family_phone", f.family_phone.clone());
    put("admission_date", Some(f.admission_date.to_string()));
    put("service_type", Some(f.service_type.clone()));
    put("ward_class", Some(f.ward_class.clone()));
    put("clinical_reason", f.clinical_reason.clone());
    put("jkn_status", Some(f.jkn_status.clone()));
    m
}
