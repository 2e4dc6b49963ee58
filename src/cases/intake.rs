//! The intake form (patient and episode, docs/domain.md §3): its fields, described once for the
//! page, the API and the OpenAPI document, and its parsing with field errors in Bahasa
//! Indonesia.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::db::cases::PatientFields;
use crate::domain::action::{FieldError, FieldKind, FieldSpec, NIK_PATTERN, field as f};
use crate::domain::date::{self, DateRange};
use crate::domain::{JknStatus, KkNumber, Nik, PhoneNumber, ServiceType, Sex, WardClass};

/// Options of `has_identity_document`.
pub const IDENTITY_OPTIONS: &[(&str, &str)] = &[
    ("ya", "Ada dokumen identitas (KTP/KK)"),
    (
        "tidak",
        "Tidak punya dokumen identitas (gelandangan, terlantar, ODGJ — Pergub C.1)",
    ),
];

/// The HTML pattern of a phone number as [`PhoneNumber::parse`] reads it: digits, an optional
/// leading `+`, and spaces, dashes, dots or brackets between them.
pub const PHONE_PATTERN: &str = "\\+?[0-9][0-9 .\\-\\(\\)]*[0-9]";

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
    f("birth_date", "Tanggal lahir", FieldKind::Date, true, "").within(DateRange::BIRTH),
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
    f("kk_number", "Nomor KK", FieldKind::Text, false, "16 digit.").digits(NIK_PATTERN),
    f("address", "Alamat", FieldKind::LongText, false, "").max_chars(500),
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
    )
    .digits(PHONE_PATTERN),
    f(
        "admission_date",
        "Tanggal masuk rumah sakit",
        FieldKind::Date,
        true,
        "Tidak boleh di masa depan; paling lama 5 tahun lalu.",
    )
    .within(DateRange::RECENT_PAST),
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
    )
    .max_chars(500),
    f(
        "jkn_status",
        "Status JKN saat masuk",
        FieldKind::Select(JknStatus::OPTIONS),
        true,
        "",
    ),
];

/// The spec of an intake field.
fn spec(name: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|s| s.name == name)
}

fn label(name: &str) -> &'static str {
    spec(name).map_or("Isian", |s| s.label)
}

/// What the form holds for one field.
enum Value<'a> {
    /// Absent or only whitespace.
    Missing,
    /// Refused by [`FieldSpec::check_text`]; its error is already recorded.
    Refused,
    /// The trimmed value.
    Given(&'a str),
}

/// Reads the intake fields one by one, collecting every error.
struct Reader<'a> {
    input: &'a HashMap<String, String>,
    today: NaiveDate,
    errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    fn error(&mut self, field: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field,
            message: message.into(),
        });
    }

    /// The trimmed value of `name`, checked for control characters and length first.
    fn value(&mut self, name: &'static str) -> Value<'a> {
        let Some(v) = self
            .input
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        else {
            return Value::Missing;
        };
        match spec(name).map(|s| s.check_text(v)) {
            Some(Err(e)) => {
                self.errors.push(e);
                Value::Refused
            }
            _ => Value::Given(v),
        }
    }

    /// The value of a field that must be there; `missing` is the message when it is not.
    fn required(&mut self, name: &'static str, missing: String) -> Option<&'a str> {
        match self.value(name) {
            Value::Given(v) => Some(v),
            Value::Missing => {
                self.error(name, missing);
                None
            }
            Value::Refused => None,
        }
    }

    fn optional(&mut self, name: &'static str) -> Option<&'a str> {
        match self.value(name) {
            Value::Given(v) => Some(v),
            Value::Missing | Value::Refused => None,
        }
    }

    fn text(&mut self, name: &'static str, required: bool) -> Option<String> {
        let v = if required {
            self.required(name, format!("{} wajib diisi.", label(name)))
        } else {
            self.optional(name)
        };
        v.map(str::to_string)
    }

    /// A required date within its field's plausible range.
    fn date(&mut self, name: &'static str) -> Option<NaiveDate> {
        let v = self.required(name, format!("{} wajib diisi.", label(name)))?;
        let range = spec(name).map_or(DateRange::ANY, |s| s.dates);
        match date::check(label(name), v, self.today, range) {
            Ok(d) => Some(d),
            Err(message) => {
                self.error(name, message);
                None
            }
        }
    }

    /// An optional value parsed by `parse`, whose error message is recorded as is.
    fn parsed<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let v = self.optional(name)?;
        match parse(v) {
            Ok(t) => Some(t),
            Err(message) => {
                self.error(name, message);
                None
            }
        }
    }

    /// A required choice among `options`.
    fn select(&mut self, name: &'static str, options: &[(&str, &str)]) -> Option<String> {
        let v = self.required(name, format!("{} wajib dipilih.", label(name)))?;
        if options.iter().any(|(code, _)| *code == v) {
            Some(v.to_string())
        } else {
            self.error(name, format!("{}: pilihan tidak dikenal.", label(name)));
            None
        }
    }
}

/// Parses the intake form. `kab_kota` lists the valid kab/kota codes. Every problem is
/// reported, each naming its field, in form order; free text is refused with control
/// characters or over its length (see [`FieldSpec::check_text`]), dates outside their range
/// (see [`date::check`]).
pub fn parse(
    input: &HashMap<String, String>,
    today: NaiveDate,
    kab_kota: &[String],
) -> Result<PatientFields, Vec<FieldError>> {
    let mut r = Reader {
        input,
        today,
        errors: vec![],
    };
    let identity = identity(&mut r);
    let residence = residence(&mut r, kab_kota);
    let episode = episode(&mut r, identity.birth_date);
    if !r.errors.is_empty() {
        return Err(r.errors);
    }
    patient_fields(identity, residence, episode).ok_or_else(|| {
        vec![FieldError {
            field: "full_name",
            message: "Isian belum lengkap.".into(),
        }]
    })
}

/// Who the patient is; `None` where a value is missing or refused (its error is recorded).
struct Identity {
    full_name: Option<String>,
    sex: Option<Sex>,
    birth_place: Option<String>,
    birth_date: Option<NaiveDate>,
    has_identity_document: Option<bool>,
    nik: Option<String>,
    kk_number: Option<String>,
}

/// Where the patient lives and how to reach the family.
struct Residence {
    address: Option<String>,
    desa: Option<String>,
    kecamatan: Option<String>,
    domicile_kab_kota_code: Option<String>,
    family_phone: Option<String>,
}

/// The hospital stay.
struct Episode {
    admission_date: Option<NaiveDate>,
    service_type: Option<String>,
    ward_class: Option<String>,
    clinical_reason: Option<String>,
    jkn_status: Option<String>,
}

/// The patient's identity fields; a NIK must agree with the birth date and sex.
fn identity(r: &mut Reader<'_>) -> Identity {
    let full_name = r.text("full_name", true);
    let sex = sex(r);
    let birth_place = r.text("birth_place", false);
    let birth_date = r.date("birth_date");
    let has_identity_document = identity_document(r);
    let nik = r
        .parsed("nik", |v| Nik::parse(v).map_err(|e| format!("NIK: {e}")))
        .map(|nik| {
            if let (Some(b), Some(s)) = (birth_date, sex)
                && let Err(e) = nik.check_against(b, s)
            {
                r.error("nik", format!("NIK: {e}"));
            }
            nik.as_str().to_string()
        });
    let kk_number = r.parsed("kk_number", |v| {
        KkNumber::parse(v).map(|kk| kk.as_str().to_string())
    });
    Identity {
        full_name,
        sex,
        birth_place,
        birth_date,
        has_identity_document,
        nik,
        kk_number,
    }
}

/// The address, the kab/kota of domicile (one of `kab_kota`) and the family's phone.
fn residence(r: &mut Reader<'_>, kab_kota: &[String]) -> Residence {
    Residence {
        address: r.text("address", false),
        desa: r.text("desa", false),
        kecamatan: r.text("kecamatan", false),
        domicile_kab_kota_code: domicile(r, kab_kota),
        family_phone: r.parsed("family_phone", |v| {
            PhoneNumber::parse(v).map(|p| p.as_str().to_string())
        }),
    }
}

/// The hospital episode: admitted not before `birth_date`, and not already covered by JKN.
fn episode(r: &mut Reader<'_>, birth_date: Option<NaiveDate>) -> Episode {
    let admission_date = r.date("admission_date");
    if let (Some(b), Some(a)) = (birth_date, admission_date)
        && a < b
    {
        r.error(
            "admission_date",
            "Tanggal masuk rumah sakit tidak boleh sebelum tanggal lahir.",
        );
    }
    let service_type = r.select("service_type", ServiceType::OPTIONS);
    let ward_class = r.select("ward_class", WardClass::OPTIONS);
    let clinical_reason = r.text("clinical_reason", false);
    let jkn_status = r.select("jkn_status", JknStatus::OPTIONS);
    if jkn_status.as_deref() == Some(JknStatus::Active.as_str()) {
        r.error(
            "jkn_status",
            "Pasien dengan JKN aktif bukan sasaran program Merajut Sehat; layani dengan JKN-nya.",
        );
    }
    Episode {
        admission_date,
        service_type,
        ward_class,
        clinical_reason,
        jkn_status,
    }
}

/// The stored fields, once every required value is there.
fn patient_fields(
    identity: Identity,
    residence: Residence,
    episode: Episode,
) -> Option<PatientFields> {
    Some(PatientFields {
        full_name: identity.full_name?,
        sex: identity.sex?.as_str().to_string(),
        birth_place: identity.birth_place,
        birth_date: identity.birth_date?,
        has_identity_document: identity.has_identity_document?,
        nik: identity.nik,
        kk_number: identity.kk_number,
        address: residence.address,
        desa: residence.desa,
        kecamatan: residence.kecamatan,
        domicile_kab_kota_code: residence.domicile_kab_kota_code?,
        family_phone: residence.family_phone,
        admission_date: episode.admission_date?,
        service_type: episode.service_type?,
        ward_class: episode.ward_class?,
        clinical_reason: episode.clinical_reason,
        jkn_status: episode.jkn_status?,
    })
}

fn sex(r: &mut Reader<'_>) -> Option<Sex> {
    let v = r.required("sex", "Jenis kelamin wajib dipilih.".into())?;
    match v.parse::<Sex>() {
        Ok(s) => Some(s),
        Err(()) => {
            r.error(
                "sex",
                "Jenis kelamin harus L (laki-laki) atau P (perempuan).",
            );
            None
        }
    }
}

fn identity_document(r: &mut Reader<'_>) -> Option<bool> {
    let v = r.required(
        "has_identity_document",
        "Pilih apakah pasien punya dokumen identitas.".into(),
    )?;
    match v {
        "ya" | "true" | "on" | "1" => Some(true),
        "tidak" | "false" | "0" => Some(false),
        _ => {
            r.error(
                "has_identity_document",
                "Dokumen identitas harus \"ya\" atau \"tidak\".",
            );
            None
        }
    }
}

fn domicile(r: &mut Reader<'_>, kab_kota: &[String]) -> Option<String> {
    let code = r.required(
        "domicile_kab_kota_code",
        "Kabupaten/kota domisili wajib dipilih.".into(),
    )?;
    if kab_kota.iter().any(|k| k == code) {
        Some(code.to_string())
    } else {
        r.error(
            "domicile_kab_kota_code",
            format!(
                "Kabupaten/kota domisili \"{code}\" tidak dikenal; pilih salah satu kab/kota NTT."
            ),
        );
        None
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

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 10, 15).expect("valid date")
    }

    fn parse_pairs(pairs: &[(&str, &str)]) -> Result<PatientFields, Vec<FieldError>> {
        let input = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse(&input, today(), &["53.71".to_string()])
    }

    #[test]
    fn a_complete_intake_parses_into_the_stored_fields() {
        // Arrange
        let pairs = [
            ("full_name", " Maria Lado "),
            ("sex", "P"),
            ("birth_date", "1985-05-12"),
            ("has_identity_document", "ya"),
            ("nik", "5371025205850001"),
            ("domicile_kab_kota_code", "53.71"),
            ("family_phone", "0812-3456-7890"),
            ("admission_date", "2025-10-14"),
            ("service_type", "rawat_inap"),
            ("ward_class", "kelas_3"),
            ("jkn_status", "tidak_ada"),
        ];

        // Act
        let fields = parse_pairs(&pairs).expect("a complete intake");

        // Assert
        assert_eq!(fields.full_name, "Maria Lado");
        assert_eq!(fields.sex, "P");
        assert_eq!(fields.nik.as_deref(), Some("5371025205850001"));
        assert_eq!(fields.domicile_kab_kota_code, "53.71");
        assert!(fields.has_identity_document);
        assert_eq!(fields.address, None);
    }

    #[test]
    fn every_missing_required_field_is_named_in_form_order() {
        // Act
        let errors = parse_pairs(&[]).expect_err("nothing filled in");

        // Assert
        let named: Vec<&str> = errors.iter().map(|e| e.field).collect();
        let required: Vec<&str> = FIELDS
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name)
            .collect();
        assert_eq!(named, required);
    }

    #[test]
    fn rules_across_groups_still_hold() {
        // Arrange: admitted before birth, NIK of a man for a woman, JKN already active.
        let pairs = [
            ("full_name", "Maria Lado"),
            ("sex", "P"),
            ("birth_date", "2025-10-14"),
            ("has_identity_document", "ya"),
            ("nik", "5371021205850001"),
            ("domicile_kab_kota_code", "53.01"),
            ("admission_date", "2025-10-01"),
            ("service_type", "rawat_inap"),
            ("ward_class", "kelas_3"),
            ("jkn_status", "aktif"),
        ];

        // Act
        let errors = parse_pairs(&pairs).expect_err("refused");

        // Assert
        let named: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            named,
            [
                "nik",
                "domicile_kab_kota_code",
                "admission_date",
                "jkn_status"
            ]
        );
    }
}
