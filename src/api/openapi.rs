//! The OpenAPI 3 document of `/api/v1`, generated from the same field descriptions that parse
//! the requests ([`crate::cases::intake::FIELDS`], [`crate::domain::Action::fields`]), so the
//! document cannot drift from what the API accepts. What the API returns (a case, its history
//! and documents) is described beside the views that serialise it ([`crate::cases::view`]); an
//! API test compares the keys of real answers with these schemas.
//!
//! [`build`] assembles the parts: the request schemas of the intake and of every action, the
//! schemas of what comes back (a case, an error), and the paths.

use axum::Json;
use serde_json::{Map, Value, json};

use crate::cases::intake;
use crate::domain::action::{FieldKind, FieldSpec};
use crate::domain::quota::QuotaKind;
use crate::domain::report::{ReportKind, ReportStatus};
use crate::domain::{
    Action, CaseState, Desil, DocumentKind, JknStatus, NotificationKind, Payer, Role, Scheme,
    ServiceType, Sex, WardClass,
};

/// Builds the document.
pub fn build() -> Value {
    let mut schemas = Map::new();
    schemas.insert("Error".into(), error_schema());
    case_schemas(&mut schemas);
    intake_schemas(&mut schemas);
    action_schemas(&mut schemas);
    super::claims::schemas(&mut schemas);
    report_schemas(&mut schemas);
    quota_schemas(&mut schemas);
    let mut paths = Map::new();
    account_and_queue_paths(&mut paths);
    export_paths(&mut paths);
    case_paths(&mut paths);
    action_paths(&mut paths);
    super::claims::paths(&mut paths);
    report_paths(&mut paths);
    quota_paths(&mut paths);
    nominatif_paths(&mut schemas, &mut paths);
    complete_refusals(&mut paths);
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Merajut Sehat API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "API pelacakan kasus program Merajut Sehat (Pergub NTT 55/2025) untuk SIMRS dan integrasi. Autentikasi: token API pribadi (Authorization: Bearer …), dengan peran dan cakupan pemilik token. Selama basis data tidak dapat dijangkau, setiap operasi menjawab 503 dengan error database_unavailable dan header Retry-After (detik): kirim ulang sesudahnya, setelah memeriksa apakah perubahan sebelumnya sudah tersimpan."
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "parameters": {"IdempotencyKey": idempotency_key_param()},
            "headers": {"IdempotentReplayed": idempotent_replayed_header()},
            "schemas": schemas
        },
        "paths": paths
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(build())
}

/// Every action's request schema name.
pub fn action_schema_name(a: Action) -> String {
    format!("Action_{}", a.as_str())
}

// ---------------------------------------------------------------------------------------------
// Request schemas, from the field specs
// ---------------------------------------------------------------------------------------------

/// The schema of one input field.
pub(super) fn field_schema(f: &FieldSpec) -> Value {
    let mut s = match f.kind {
        FieldKind::Text => json!({"type": "string", "maxLength": f.max_len()}),
        FieldKind::LongText => json!({"type": "string", "maxLength": f.max_len()}),
        FieldKind::Date => json!({"type": "string", "format": "date"}),
        FieldKind::Integer => json!({"type": "integer", "minimum": 1}),
        FieldKind::Checkbox => json!({"type": "boolean"}),
        FieldKind::Select(options) => json!({"type": "string", "enum": codes(options)}),
        FieldKind::Nik => json!({"type": "string", "pattern": "^[0-9]{16}$"}),
        FieldKind::Desil => json!({"type": "string", "enum": codes(Desil::OPTIONS)}),
    };
    if let Value::Object(m) = &mut s {
        m.insert("description".into(), Value::String(field_description(f)));
    }
    s
}

/// The label and help of a field, and for a date its range, stating each rule once.
///
/// A form shows only the help, so a date's help may put (part of) its range in words; the
/// document states the range itself and leaves out the clauses of the help that say the same.
fn field_description(f: &FieldSpec) -> String {
    let mut description = f.label.to_string();
    if f.kind != FieldKind::Date {
        if !f.help.is_empty() {
            description.push_str(". ");
            description.push_str(f.help);
        }
        return description;
    }
    let range = f.dates.describe();
    let stated: Vec<String> = clauses(&range).map(str::to_lowercase).collect();
    let help: Vec<&str> = clauses(f.help)
        .filter(|c| !stated.contains(&c.to_lowercase()))
        .collect();
    if !help.is_empty() {
        description.push_str(". ");
        description.push_str(&help.join("; "));
    }
    description.push_str(&format!(". Rentang: {range}."));
    description
}

/// The clauses of a help text or range: its `;`-separated parts, trimmed, without a final dot.
fn clauses(text: &str) -> impl Iterator<Item = &str> {
    text.split(';')
        .map(|c| c.trim().trim_end_matches('.').trim())
        .filter(|c| !c.is_empty())
}

/// The schema of an object with `fields`, after the `extra` properties (name, schema,
/// required).
fn object_schema(fields: &[FieldSpec], extra: &[(&str, Value, bool)]) -> Value {
    let mut props = Map::new();
    let mut required: Vec<&str> = vec![];
    for (name, schema, req) in extra {
        props.insert(name.to_string(), schema.clone());
        if *req {
            required.push(name);
        }
    }
    for f in fields {
        props.insert(f.name.to_string(), field_schema(f));
        if f.required {
            required.push(f.name);
        }
    }
    json!({"type": "object", "properties": props, "required": required})
}

/// The `version` a change is based on.
fn version_property() -> Value {
    json!({"type": "integer", "description": "Versi kasus yang menjadi dasar tindakan; versi usang ditolak (409)."})
}

/// `Intake` (a new case) and `IntakeUpdate` (an edit of a draft or returned case).
fn intake_schemas(schemas: &mut Map<String, Value>) {
    schemas.insert(
        "Intake".into(),
        object_schema(
            intake::FIELDS,
            &[(
                "idempotency_key",
                json!({"type": "string", "format": "uuid", "description": "Sama dengan permintaan sebelumnya: kasus yang sama dikembalikan, tidak dibuat dua kali."}),
                false,
            )],
        ),
    );
    let mut update = object_schema(intake::FIELDS, &[("version", version_property(), true)]);
    if let Value::Object(m) = &mut update {
        m.insert(
            "description".into(),
            json!("Ubah data pasien (draf atau dikembalikan)."),
        );
    }
    schemas.insert("IntakeUpdate".into(), update);
}

/// One request schema per action ([`action_schema_name`]).
fn action_schemas(schemas: &mut Map<String, Value>) {
    for action in Action::ALL {
        schemas.insert(
            action_schema_name(*action),
            object_schema(action.fields(), &[("version", version_property(), true)]),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Response schemas: what `crate::cases::view` serialises
// ---------------------------------------------------------------------------------------------

/// The codes of `(code, label)` options.
fn codes(options: &[(&'static str, &'static str)]) -> Vec<&'static str> {
    options.iter().map(|(c, _)| *c).collect()
}

pub(super) fn string(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

pub(super) fn formatted(format: &str, description: &str) -> Value {
    json!({"type": "string", "format": format, "description": description})
}

pub(super) fn one_of(codes: &[&str], description: &str) -> Value {
    json!({"type": "string", "enum": codes, "description": description})
}

fn states() -> Vec<&'static str> {
    CaseState::ALL.iter().map(|s| s.as_str()).collect()
}

fn roles() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

/// `schema` that may also be `null` (OpenAPI 3.0: `nullable`, and `null` among its values).
pub(super) fn nullable(mut schema: Value) -> Value {
    if let Value::Object(m) = &mut schema {
        m.insert("nullable".into(), Value::Bool(true));
        if let Some(Value::Array(values)) = m.get_mut("enum") {
            values.push(Value::Null);
        }
    }
    schema
}

/// An object whose properties are all always present (a view serialises `None` as `null`).
pub(super) fn object(description: &str, properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    json!({"type": "object", "description": description, "properties": properties, "required": required})
}

pub(super) fn reference(schema: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{schema}")})
}

/// `CaseResponse` (a case with its history and documents) and `Case` (also a queue item).
fn case_schemas(schemas: &mut Map<String, Value>) {
    schemas.insert("Case".into(), case_schema());
    schemas.insert("GuaranteeLetter".into(), letter_schema());
    schemas.insert(
        "CaseResponse".into(),
        object(
            "Kasus beserta riwayat dan dokumennya.",
            json!({
                "case": reference("Case"),
                "history": {"type": "array", "items": step_schema()},
                "documents": {"type": "array", "items": document_schema()},
                "quota": {"type": "array", "description": "Pembebanan persetujuan kasus ini pada kuota penanggungnya (jaminan, PBPU Pemda), termasuk keputusan melebihi kuota", "items": reference("QuotaCharge")}
            }),
        ),
    );
}

/// A case as the caller's role may see it (`CaseView`).
fn case_schema() -> Value {
    let action_codes: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
    object(
        "Kasus sebagaimana boleh dilihat peran pemanggil.",
        json!({
            "id": formatted("uuid", "ID kasus"),
            "number": string("Nomor kasus, mis. MS-2026-000001"),
            "state": one_of(&states(), "Status kasus"),
            "state_label": string("Nama status"),
            "version": {"type": "integer", "description": "Versi kasus; kirim kembali pada tindakan berikutnya"},
            "returned_from": nullable(one_of(&states(), "Status tempat kasus dikembalikan ke RSUD")),
            "hospital_id": formatted("uuid", "ID rumah sakit"),
            "hospital_name": string("Nama rumah sakit"),
            "patient": patient_schema(),
            "episode": episode_schema(),
            "desil": nullable(one_of(&codes(Desil::OPTIONS), "Desil tercatat")),
            "desil_corrected": nullable(one_of(&codes(Desil::OPTIONS), "Desil hasil koreksi")),
            "desil_correction_pending": {"type": "boolean", "description": "Koreksi desil sedang diajukan"},
            "guarantee": nullable(guarantee_schema()),
            "coverage": nullable(coverage_schema()),
            "scheme": nullable(scheme_schema()),
            "pbpu": nullable(pbpu_schema()),
            "desk": desk_schema(),
            "available_actions": {"type": "array", "description": "Tindakan yang boleh Anda lakukan sekarang", "items": {"type": "string", "enum": action_codes}},
            "created_at": formatted("date-time", "Saat kasus dibuat"),
            "submitted_at": nullable(formatted("date-time", "Saat pertama dikirim")),
            "closed_at": nullable(formatted("date-time", "Saat ditutup"))
        }),
    )
}

/// The patient (`PatientView`): identity data only for roles that see it.
fn patient_schema() -> Value {
    let hidden = |d: &str| {
        nullable(string(&format!(
            "{d}; null bagi peran yang tidak melihat data identitas"
        )))
    };
    object(
        "Identitas pasien, sebatas yang boleh dilihat peran pemanggil.",
        json!({
            "full_name": string("Nama lengkap"),
            "sex": one_of(&codes(Sex::OPTIONS), "Jenis kelamin"),
            "birth_date": formatted("date", "Tanggal lahir"),
            "has_identity_document": {"type": "boolean", "description": "Punya dokumen identitas"},
            "nik": nullable(string("NIK; disamarkan bagi peran yang tidak melihat data identitas")),
            "kk_number": nullable(string("Nomor KK; disamarkan bagi peran yang tidak melihat data identitas")),
            "birth_place": hidden("Tempat lahir"),
            "address": hidden("Alamat"),
            "desa": hidden("Desa/kelurahan"),
            "kecamatan": hidden("Kecamatan"),
            "domicile_kab_kota_code": string("Kode kab/kota domisili"),
            "domicile_kab_kota_name": string("Nama kab/kota domisili"),
            "family_phone": hidden("Nomor telepon keluarga")
        }),
    )
}

/// The hospital episode (`EpisodeView`).
fn episode_schema() -> Value {
    object(
        "Episode perawatan.",
        json!({
            "admission_date": formatted("date", "Tanggal masuk rumah sakit"),
            "service_type": one_of(&codes(ServiceType::OPTIONS), "Jenis layanan"),
            "ward_class": one_of(&codes(WardClass::OPTIONS), "Kelas perawatan"),
            "jkn_status": one_of(&codes(JknStatus::OPTIONS), "Status JKN saat masuk"),
            "clinical_reason": nullable(string("Alasan klinis; null bagi peran yang tidak melihat data kesehatan"))
        }),
    )
}

/// The temporary guarantee (`GuaranteeView`).
fn guarantee_schema() -> Value {
    object(
        "Jaminan sementara, setelah surat jaminan terbit.",
        json!({
            "letter_number": string("Nomor surat jaminan"),
            "start_date": nullable(formatted("date", "Mulai jaminan")),
            "end_date": nullable(formatted("date", "Akhir jaminan")),
            "payer": nullable(one_of(&codes(Payer::OPTIONS), "Penanggung biaya")),
            "ceiling": nullable(json!({"type": "integer", "description": "Plafon jaminan (Rp)"}))
        }),
    )
}

/// The guarantee letter (`GET /api/v1/cases/{id}/letter`).
fn letter_schema() -> Value {
    object(
        "Surat Jaminan Sementara: nomor dari urutan tahunan yang terbit saat persetujuan, bertanggal hari persetujuan (WITA).",
        json!({
            "letter_number": string("Nomor surat, mis. 007/SJS-MS/XI/2026"),
            "approved_at": formatted("date-time", "Saat jaminan disetujui (UTC)"),
            "letter_date": formatted("date", "Tanggal surat: hari persetujuan (WITA)"),
            "status": one_of(&["not_yet_started", "active", "ended", "cancelled"], "Keabsahan hari ini: belum mulai, berlaku, berakhir (kepesertaan JKN berlaku), dibatalkan (kasus dibatalkan)"),
            "valid": {"type": "boolean", "description": "Surat sah (belum mulai atau berlaku)"},
            "start_date": formatted("date", "Mulai jaminan"),
            "end_date": nullable(formatted("date", "Akhir jaminan: sehari sebelum kepesertaan JKN berlaku; null selama belum diketahui")),
            "ward_class": one_of(&codes(WardClass::OPTIONS), "Kelas perawatan"),
            "payer": one_of(&codes(Payer::OPTIONS), "Penanggung biaya"),
            "ceiling": nullable(json!({"type": "integer", "description": "Plafon jaminan (Rp)"})),
            "verification_url": nullable(string("Alamat halaman verifikasi publik (isi kode QR); null bila MERAJUT_PUBLIC_URL tidak diatur"))
        }),
    )
}

/// The coverage BPJS recorded active (`CoverageView`).
fn coverage_schema() -> Value {
    object(
        "Kepesertaan JKN yang tercatat aktif.",
        json!({
            "scheme": one_of(&codes(Scheme::OPTIONS), "Skema"),
            "bpjs_card_number": nullable(string("Nomor kartu BPJS")),
            "effective_date": nullable(formatted("date", "Tanggal mulai berlaku"))
        }),
    )
}

/// The scheme a case is handed over to or on its way to (`SchemeView`).
fn scheme_schema() -> Value {
    object(
        "Skema JKN yang dituju atau sudah aktif.",
        json!({
            "code": one_of(&codes(Scheme::OPTIONS), "Skema"),
            "label": string("Nama skema"),
            "active": {"type": "boolean", "description": "true setelah BPJS mencatat kepesertaan aktif; false selama diusulkan"}
        }),
    )
}

/// Dinkes's PBPU Pemda decision (`PbpuView`).
fn pbpu_schema() -> Value {
    object(
        "Keputusan Dinkes mendaftarkan pasien sebagai PBPU Pemda.",
        json!({
            "payer": one_of(&codes(Payer::OPTIONS), "Penanggung iuran"),
            "payer_label": string("Nama penanggung iuran"),
            "decided_on": formatted("date", "Tanggal keputusan"),
            "reference": nullable(string("Nomor/referensi keputusan"))
        }),
    )
}

/// The clock of the desk the case sits at (`DeskClock`).
fn desk_schema() -> Value {
    object(
        "Meja tempat kasus berada dan batas waktunya.",
        json!({
            "role": nullable(one_of(&roles(), "Peran pemilik meja; null bila kasus ditutup")),
            "arrived_at": formatted("date-time", "Saat kasus tiba di meja ini"),
            "working_days": {"type": "integer", "description": "Hari kerja di meja ini sejauh ini"},
            "sla_days": nullable(json!({"type": "integer", "description": "Batas layanan meja ini (hari kerja)"})),
            "due_date": nullable(formatted("date", "Tenggat")),
            "overdue": {"type": "boolean", "description": "Melewati tenggat"}
        }),
    )
}

/// One step of the history (`StepView`).
fn step_schema() -> Value {
    let mut actions = vec!["create"];
    actions.extend(Action::ALL.iter().map(|a| a.as_str()));
    object(
        "Satu langkah riwayat kasus.",
        json!({
            "action": one_of(&actions, "Tindakan (create: kasus dibuat)"),
            "action_label": string("Nama tindakan"),
            "from_state": nullable(one_of(&states(), "Status sebelumnya")),
            "to_state": one_of(&states(), "Status sesudahnya"),
            "to_state_label": string("Nama status sesudahnya"),
            "actor_name": string("Nama pelaku"),
            "actor_role": one_of(&roles(), "Peran pelaku"),
            "agency": string("Instansi pelaku"),
            "at": formatted("date-time", "Saat tindakan"),
            "working_days_in_state": {"type": "integer", "description": "Hari kerja kasus berada di status sesudahnya"},
            "evidence": {"type": "object", "description": "Bukti tindakan sebagaimana dicatat (isian tindakan, bertanda `action`)"},
            "reason": nullable(string("Alasan atau catatan")),
            "identity_change": nullable(string("Perubahan NIK/KK sejak diverifikasi (disamarkan)"))
        }),
    )
}

/// A document as listed (`DocumentView`).
fn document_schema() -> Value {
    let kinds: Vec<&str> = DocumentKind::ALL.iter().map(|k| k.as_str()).collect();
    object(
        "Dokumen kasus.",
        json!({
            "id": formatted("uuid", "ID dokumen"),
            "kind": one_of(&kinds, "Jenis dokumen"),
            "kind_label": string("Nama jenis dokumen"),
            "content_type": one_of(&["image/jpeg", "image/png", "application/pdf"], "Jenis berkas"),
            "size_bytes": {"type": "integer", "description": "Ukuran (byte)"},
            "uploaded_at": formatted("date-time", "Saat diunggah"),
            "status": one_of(&["current", "replaced", "removed"], "Berlaku, diganti atau dihapus (riwayat dokumen)"),
            "superseded_at": nullable(formatted("date-time", "Saat diganti atau dihapus")),
            "superseded_by": nullable(string("Yang mengganti atau menghapus")),
            "replaced_by": nullable(formatted("uuid", "ID dokumen pengganti"))
        }),
    )
}

/// `Error`: every refusal (`super::error::ApiError`).
fn error_schema() -> Value {
    json!({"type": "object", "required": ["error", "message", "fields", "request_id"], "properties": {
        "error": {"type": "string", "enum": ["unauthorized", "token_expired", "forbidden", "not_found", "conflict", "validation", "bad_request", "bad_idempotency_key", "idempotency_key_reused", "too_many_requests", "database_unavailable", "stored_file", "internal"]},
        "message": {"type": "string", "description": "Penjelasan dalam bahasa Indonesia"},
        "fields": {"type": "array", "description": "Kesalahan per field atau parameter (validation); kosong untuk yang lain", "items": {"type": "object", "required": ["field", "message"], "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
        "request_id": {"type": "string", "description": "ID permintaan, untuk dilaporkan kepada admin"},
        "current_version": {"type": "integer", "description": "Versi terkini (hanya pada 409 karena versi usang)"}
    }})
}

/// The refusals any operation may answer, whatever its own description lists: the token's
/// (401, 429) and the role's (403) for every operation behind a token; an unreadable request
/// (400) where a body or a query is read; a path parameter that is malformed (422) or names
/// nothing (404); a body over the size limit (413) where a file is uploaded. Every error
/// answer gets the `Error` body, so the document lists every status the API can answer and
/// what comes with it.
fn complete_refusals(paths: &mut Map<String, Value>) {
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": reference("Error")}}});
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let Some(op) = operation.as_object_mut() else {
                continue;
            };
            let secured = op.contains_key("security");
            let queried = op
                .get("parameters")
                .and_then(Value::as_array)
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
            let body = op.get("requestBody").cloned();
            let multipart = body
                .as_ref()
                .is_some_and(|b| b["content"].get("multipart/form-data").is_some());
            let in_path = path.contains('{');
            let mut add: Vec<(&str, &str)> = vec![];
            if secured {
                add.push(("401", "Token tidak ada, tidak berlaku (unauthorized) atau kedaluwarsa (token_expired)"));
                add.push((
                    "403",
                    "Peran atau cakupan Anda tidak boleh memakai alamat ini",
                ));
                add.push(("429", "Terlalu banyak token tidak berlaku dari alamat ini; coba lagi setelah Retry-After detik"));
            }
            if body.is_some() || queried {
                add.push(("400", "Permintaan tidak dapat dibaca: badan bukan objek JSON atau multipart yang diminta, atau parameter tidak terbaca"));
            }
            if in_path {
                add.push(("404", "Tidak ada, atau di luar cakupan Anda"));
            }
            if in_path || queried {
                add.push(("422", "Parameter atau isian salah; setiap kesalahan menyebut nama field atau parameternya"));
            }
            if multipart {
                add.push(("413", "Berkas atau badan permintaan terlalu besar"));
            }
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for (code, description) in add {
                responses.entry(code).or_insert_with(|| error(description));
            }
            for (code, response) in responses.iter_mut() {
                if code.starts_with('4') && response.get("content").is_none() {
                    response["content"] =
                        json!({"application/json": {"schema": reference("Error")}});
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

pub(super) fn bearer() -> Value {
    json!([{"bearer": []}])
}

/// A case answer with status `ok`, and an `Error` for each of `codes`.
fn responses(ok: &str, codes: &[u16]) -> Value {
    answers(ok, "CaseResponse", codes)
}

/// An answer of schema `schema` with status `ok`, and an `Error` for each of `codes`.
pub(super) fn answers(ok: &str, schema: &str, codes: &[u16]) -> Value {
    let mut m = Map::new();
    m.insert(
        ok.to_string(),
        json!({"description": "OK", "content": {"application/json": {"schema": reference(schema)}}}),
    );
    for code in codes {
        let text = match code {
            401 => "Token tidak ada atau tidak valid",
            403 => "Bukan tindakan peran Anda, atau di luar cakupan Anda",
            404 => "Tidak ada, atau di luar cakupan Anda",
            409 => "Versi usang (diubah orang lain) atau transisi tidak sah",
            422 => "Isian salah; setiap kesalahan menyebut nama field",
            _ => "Kesalahan",
        };
        m.insert(
            code.to_string(),
            json!({"description": text, "content": {"application/json": {"schema": reference("Error")}}}),
        );
    }
    Value::Object(m)
}

/// The `Idempotency-Key` header of the POSTs that change something
/// ([`crate::cases::idempotency`]).
fn idempotency_key_param() -> Value {
    json!({"name": "Idempotency-Key", "in": "header", "required": false,
        "schema": {"type": "string", "minLength": 1, "maxLength": crate::cases::idempotency::MAX_KEY_LEN, "pattern": "^[\\x21-\\x7E]+$"},
        "description": "Kunci idempotensi pilihan klien (UUID atau token 1–64 karakter ASCII terlihat), baru untuk setiap permintaan baru. Permintaan yang sama persis dengan kunci yang sama (kirim ulang, klik ganda) dalam 48 jam mendapat status dan isi jawaban pertama dengan header Idempotent-Replayed: true, tanpa efek kedua; permintaan yang dikirim bersamaan menunggu yang pertama. Kunci yang sama untuk permintaan lain (alamat atau isi berbeda): 422 idempotency_key_reused. Kunci tidak valid: 400 bad_idempotency_key. Kunci berlaku per pengguna (pemilik token); permintaan yang ditolak tidak menyimpan kunci."})
}

/// The header marking a replayed answer.
fn idempotent_replayed_header() -> Value {
    json!({"description": "true bila jawaban ini jawaban tersimpan dari permintaan sebelumnya dengan Idempotency-Key yang sama (tidak ada efek kedua)",
        "schema": {"type": "string", "enum": ["true"]}})
}

/// `answers` of a POST that takes an `Idempotency-Key`: its `ok` answer may be replayed, and
/// a malformed key is a 400.
fn replayable(mut answers: Value, ok: &str) -> Value {
    if let Some(ok) = answers.get_mut(ok).and_then(Value::as_object_mut) {
        ok.insert(
            "headers".into(),
            json!({"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}}),
        );
    }
    if let Some(m) = answers.as_object_mut() {
        m.insert(
            "400".into(),
            json!({"description": "Header Idempotency-Key tidak valid, atau badan tidak terbaca", "content": {"application/json": {"schema": reference("Error")}}}),
        );
    }
    answers
}

/// The reference to the `Idempotency-Key` parameter.
fn idempotency_key() -> Value {
    json!({"$ref": "#/components/parameters/IdempotencyKey"})
}

pub(super) fn id_param(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}})
}

/// The owner of the token (`GET /api/v1/me`).
fn me_schema() -> Value {
    object(
        "Pengguna pemilik token.",
        json!({
            "id": formatted("uuid", "ID pengguna"),
            "username": string("Nama pengguna"),
            "display_name": string("Nama tampilan"),
            "role": one_of(&roles(), "Peran"),
            "scope": string("Cakupan: rumah sakit, kab/kota, atau seluruh NTT"),
            "hospital_id": nullable(formatted("uuid", "Rumah sakit (peran rsud); null untuk peran lain")),
            "kab_kota_code": nullable(string("Kode kab/kota (peran *_kab); null untuk peran lain")),
            "email": nullable(string("Alamat email untuk notifikasi; null bila belum diisi"))
        }),
    )
}

/// The answer of a file download: the stored bytes with their own content type.
pub(super) fn file_content() -> Value {
    let binary = json!({"schema": {"type": "string", "format": "binary"}});
    json!({"image/jpeg": binary, "image/png": binary, "application/pdf": binary})
}

/// `/me`, its notification preferences, `/queue` and `/dasbor`.
fn account_and_queue_paths(paths: &mut Map<String, Value>) {
    paths.insert(
        "/api/v1/me".into(),
        json!({"get": {"summary": "Pengguna pemilik token (termasuk alamat email untuk notifikasi, atau null)", "security": bearer(),
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": me_schema()}}}, "401": {"description": "Token tidak valid"}}}}),
    );
    let kinds: Vec<&str> = NotificationKind::ALL.iter().map(|k| k.as_str()).collect();
    let preference = object(
        "Pilihan untuk satu jenis notifikasi.",
        json!({
            "kind": one_of(&kinds, "Jenis notifikasi"),
            "label": string("Nama jenisnya"),
            "has_in_app": {"type": "boolean", "description": "false untuk digest: halamannya selalu ada"},
            "in_app": {"type": "boolean", "description": "Di aplikasi"},
            "email": {"type": "boolean", "description": "Lewat email (bila ada alamat dan server dikonfigurasi untuk email)"}
        }),
    );
    let preferences = object(
        "Pilihan notifikasi yang berlaku, untuk jenis yang bisa diterima peran Anda.",
        json!({"preferences": {"type": "array", "items": preference}}),
    );
    let choice = json!({
        "type": "object", "required": ["kind", "in_app", "email"],
        "properties": {"kind": one_of(&kinds, "Jenis notifikasi peran Anda"), "in_app": {"type": "boolean"}, "email": {"type": "boolean"}}
    });
    let update = json!({
        "type": "object", "required": ["preferences"],
        "description": "Jenis yang tidak dikirim tetap seperti sebelumnya; semuanya disimpan dalam satu transaksi.",
        "properties": {"preferences": {"type": "array", "items": choice}}
    });
    let ok = json!({"description": "Pilihan yang berlaku", "content": {"application/json": {"schema": preferences}}});
    paths.insert(
        "/api/v1/me/notification-preferences".into(),
        json!({
            "get": {"summary": "Pengaturan notifikasi Anda", "security": bearer(),
                "responses": {"200": ok, "401": {"description": "Token tidak valid"}}},
            "put": {"summary": "Ubah pengaturan notifikasi Anda", "security": bearer(),
                "requestBody": {"required": true, "content": {"application/json": {"schema": update}}},
                "responses": {"200": ok, "400": {"description": "Bukan objek JSON", "content": {"application/json": {"schema": reference("Error")}}},
                    "401": {"description": "Token tidak valid"},
                    "422": {"description": "Isian salah", "content": {"application/json": {"schema": reference("Error")}}}}}
        }),
    );
    let page = object(
        "Satu halaman antrean.",
        json!({
            "items": {"type": "array", "items": reference("Case")},
            "next_cursor": nullable(string("cursor halaman berikutnya; null pada halaman terakhir")),
            "note": nullable(string("untuk peran pemantau (tim, dinkes_kab): mengapa antreannya kosong dan di mana memantau; null untuk peran lain"))
        }),
    );
    paths.insert(
        "/api/v1/queue".into(),
        json!({"get": {"summary": "Antrean: kasus yang menunggu tindakan Anda di cakupan Anda, yang terlambat lebih dulu",
            "description": "Peran pemantau (tim, dinkes_kab) tidak memegang meja, jadi tidak ada kasus yang menunggu tindakannya: antreannya selalu kosong (items: [], next_cursor: null) dengan note yang menjelaskannya, sama seperti halaman Antrean saya mengarahkan mereka ke halaman Pemantauan kasus (/pemantauan). Angka untuk memantau ada di /api/v1/dasbor dan /api/v1/hambatan.",
            "security": bearer(),
            "parameters": [
                {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "next_cursor dari halaman sebelumnya"},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}
            ],
            "responses": {"200": {"description": "{items: [case], next_cursor}", "content": {"application/json": {"schema": page}}}, "401": {"description": "Token tidak valid"}}}}),
    );
    let count = object(
        "Satu hitungan berlabel.",
        json!({"key": string("kode yang dihitung"), "label": string("namanya"), "count": {"type": "integer"}}),
    );
    let counts = json!({"type": "array", "items": count});
    let week = object(
        "Satu minggu (mulai Senin, WITA).",
        json!({"week_start": {"type": "string", "format": "date"}, "registered": {"type": "integer"}, "closed": {"type": "integer"}}),
    );
    let dashboard = object(
        "Angka dasbor dalam cakupan pemilik token.",
        json!({
            "scope": string("cakupan"),
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "per_state": counts,
            "weekly": {"type": "array", "items": week},
            "outcomes": counts,
            "time_per_desk": {"type": "array", "items": object(
                "Hari kerja di satu meja, semua kab/kota.",
                json!({"state": string("kode status (meja)"), "desk": string("nama meja"),
                       "stays": {"type": "integer"}, "median_days": {"type": "number"},
                       "p90_days": {"type": "number"}}),
            )},
            "beneficiaries_per_kab_kota": counts,
            "beneficiaries_per_hospital": counts
        }),
    );
    let lead = object(
        "Hari kerja sejak pendaftaran, untuk kasus yang mencapainya dalam periode.",
        json!({"cases": {"type": "integer"}, "median_days": {"type": "number"}, "p90_days": {"type": "number"}}),
    );
    // A row's group: a kab/kota (hospital fields null) or a hospital (kab/kota fields null).
    let place = |props: Value| {
        let mut props = props;
        if let Value::Object(m) = &mut props {
            m.insert(
                "kab_kota_code".into(),
                nullable(string(
                    "kode kab/kota domisili (kelompok=kab); null per rumah sakit",
                )),
            );
            m.insert(
                "kab_kota_name".into(),
                nullable(string("nama kab/kota (kelompok=kab)")),
            );
            m.insert(
                "hospital_code".into(),
                nullable(string("kode rumah sakit (kelompok=rs); null per kab/kota")),
            );
            m.insert(
                "hospital_name".into(),
                nullable(string("nama rumah sakit (kelompok=rs)")),
            );
        }
        props
    };
    let desk_row = object(
        "Satu meja × kabupaten/kota atau meja × rumah sakit.",
        place(json!({
            "state": string("kode status (meja)"), "desk": string("nama meja"),
            "open": {"type": "integer"}, "overdue": {"type": "integer"}, "stays": {"type": "integer"},
            "median_days": {"type": "number"}, "p90_days": {"type": "number"}
        })),
    );
    let lead_row = object(
        "Lama dari pendaftaran untuk satu kab/kota atau satu rumah sakit.",
        place(json!({"to_guarantee": lead, "to_handover": lead})),
    );
    let bottlenecks = object(
        "Di mana pasien menunggu, dalam cakupan pemilik token.",
        json!({
            "scope": string("cakupan"),
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "grouping": {"type": "string", "enum": ["kab", "rs"], "description": "kab: per kab/kota domisili pasien; rs: per rumah sakit"},
            "rows": {"type": "array", "items": desk_row},
            "to_guarantee": lead,
            "to_handover": lead,
            "lead_times": {"type": "array", "items": lead_row}
        }),
    );
    paths.insert(
        "/api/v1/hambatan".into(),
        json!({"get": {"summary": "Hambatan: per meja × kab/kota atau per meja × rumah sakit, kasus di meja, terlambat, median dan P90 hari kerja di meja; lama pendaftaran → jaminan dan → penyerahan, seluruh cakupan dan per kelompok",
            "description": "Cakupan mengikuti peran: rsud hanya rumah sakitnya, peran *_kab kab/kotanya, peran provinsi dan tim seluruh NTT.",
            "security": bearer(),
            "parameters": [
                {"name": "dari", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "awal periode (bawaan: 90 hari lalu)"},
                {"name": "sampai", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "akhir periode (bawaan: hari ini); paling lama 366 hari"},
                {"name": "kelompok", "in": "query", "schema": {"type": "string", "enum": ["kab", "rs"], "default": "kab"}, "description": "kab: per kab/kota domisili pasien; rs: per rumah sakit"}
            ],
            "responses": {"200": {"description": "Hambatan", "content": {"application/json": {"schema": bottlenecks}}},
                          "401": {"description": "Token tidak valid"},
                          "422": {"description": "Periode atau pengelompokan tidak valid", "content": {"application/json": {"schema": reference("Error")}}}}}}),
    );
    paths.insert(
        "/api/v1/dasbor".into(),
        json!({"get": {"summary": "Angka dasbor: kasus per status, masuk dan selesai per minggu (12 minggu), hasil akhir, penerima manfaat per kab/kota dan rumah sakit",
            "security": bearer(),
            "responses": {"200": {"description": "Dasbor", "content": {"application/json": {"schema": dashboard}}}, "401": {"description": "Token tidak valid"}}}}),
    );
}

/// The `format` parameter of every list export.
pub(super) fn export_format_param() -> Value {
    json!({"name": "format", "in": "query", "schema": {"type": "string", "enum": ["csv", "xlsx"]},
        "description": "csv atau xlsx; bila tidak ada, header Accept (text/csv atau application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)"})
}

/// The responses of every list export: the file, or why not.
pub(super) fn export_responses() -> Value {
    json!({
        "200": {"description": "Berkas unduhan (Content-Disposition: attachment; filename=\"<daftar>-<tanggal>.<format>\")",
                "content": {"text/csv": {"schema": {"type": "string"}},
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}},
        "401": {"description": "Token tidak valid"},
        "403": {"description": "Peran Anda tidak memiliki daftar ini", "content": {"application/json": {"schema": reference("Error")}}},
        "422": {"description": "format atau saringan tidak valid; setiap kesalahan menyebut nama parameternya", "content": {"application/json": {"schema": reference("Error")}}}
    })
}

/// The list exports (`/queue/export`, `/monitoring/export`): CSV or XLSX, columns from the
/// export's own column spec.
fn export_paths(paths: &mut Map<String, Value>) {
    let columns: Vec<&str> = crate::http::export::case_list::COLUMNS
        .iter()
        .map(|c| c.header)
        .collect();
    let description = format!(
        "Seluruh daftar (tanpa halaman), dengan saringan, cakupan dan penyamaran NIK yang sama \
         dengan halamannya; dicatat di log ekspor (siapa, kapan, saringan, jumlah baris). Kolom: \
         {}. CSV: UTF-8 dengan BOM, pemisah koma, baris CRLF (RFC 4180); teks yang diawali =, +, \
         -, @ diberi awalan ' agar tidak dijalankan sebagai rumus; angka tanpa pemisah ribuan; \
         tanggal TTTT-BB-HH, waktu TTTT-BB-HH JJ:MM WITA; Ya/Tidak. XLSX: NIK sebagai teks, \
         tanggal sebagai tanggal, rupiah dan hari sebagai angka. Pencarian nama/NIK (q) tidak \
         diterima di alamat.",
        columns.join(", ")
    );
    let format = export_format_param();
    let state = json!({"name": "state", "in": "query", "schema": {"type": "string", "enum": states()}, "description": "hanya status ini"});
    let kab = json!({"name": "kab", "in": "query", "schema": {"type": "string"}, "description": "kode kab/kota domisili, mis. 53.71"});
    let hospital = json!({"name": "hospital", "in": "query", "schema": {"type": "string", "format": "uuid"}, "description": "id rumah sakit"});
    let desks: Vec<&str> = crate::cases::lists::desk_roles()
        .iter()
        .map(|r| r.as_str())
        .collect();
    let files = export_responses();
    paths.insert(
        "/api/v1/queue/export".into(),
        json!({"get": {"summary": "Unduh antrean (CSV/XLSX): semua kasus yang menunggu tindakan Anda, yang terlambat lebih dulu",
            "description": format!("Untuk peran yang memegang meja (tidak untuk tim dan dinkes_kab). {description}"),
            "security": bearer(),
            "parameters": [format, state, kab, hospital],
            "responses": files}}),
    );
    paths.insert(
        "/api/v1/monitoring/export".into(),
        json!({"get": {"summary": "Unduh daftar pemantauan (CSV/XLSX): semua kasus di cakupan Anda, termasuk yang selesai, terbaru lebih dulu",
            "description": format!("Untuk tim (seluruh NTT) dan dinkes_kab (kab/kotanya). {description}"),
            "security": bearer(),
            "parameters": [
                format, state, kab, hospital,
                {"name": "desk", "in": "query", "schema": {"type": "string", "enum": desks}, "description": "hanya kasus di meja peran ini"},
                {"name": "overdue", "in": "query", "schema": {"type": "string", "enum": ["1"]}, "description": "1: hanya yang terlambat"},
                {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "terdaftar sejak tanggal ini (WITA)"},
                {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "terdaftar sampai tanggal ini (WITA)"}
            ],
            "responses": files}}),
    );
}

/// Creating, reading and editing a case, and its documents.
fn case_paths(paths: &mut Map<String, Value>) {
    paths.insert(
        "/api/v1/cases".into(),
        json!({"post": {"summary": "Daftarkan pasien (draf); peran rsud", "security": bearer(),
            "parameters": [idempotency_key()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": reference("Intake")}}},
            "responses": replayable(responses("201", &[401, 403, 409, 422]), "201")}}),
    );
    paths.insert(
        "/api/v1/cases/{id}".into(),
        json!({
            "get": {"summary": "Kasus beserta riwayat dan dokumennya", "security": bearer(), "parameters": [id_param("id")], "responses": responses("200", &[401, 404])},
            "put": {"summary": "Ubah data pasien (draf / dikembalikan); peran rsud", "security": bearer(), "parameters": [id_param("id")],
                "requestBody": {"required": true, "content": {"application/json": {"schema": reference("IntakeUpdate")}}},
                "responses": responses("200", &[401, 403, 404, 409, 422])}
        }),
    );
    paths.insert(
        "/api/v1/cases/{id}/letter".into(),
        json!({"get": {"summary": "Surat jaminan sementara kasus: nomor, tanggal surat (persetujuan), status, masa jaminan, kelas, penanggung, plafon, tautan verifikasi",
            "description": "Tersedia setelah jaminan disetujui (409 sebelumnya). Tautan verifikasi (isi kode QR) hanya ada bila server mengatur MERAJUT_PUBLIC_URL.",
            "security": bearer(), "parameters": [id_param("id")],
            "responses": {"200": {"description": "Surat jaminan", "content": {"application/json": {"schema": reference("GuaranteeLetter")}}},
                          "401": {"description": "Token tidak valid", "content": {"application/json": {"schema": reference("Error")}}},
                          "404": {"description": "Tidak ada, atau di luar cakupan Anda", "content": {"application/json": {"schema": reference("Error")}}},
                          "409": {"description": "Jaminan belum disetujui", "content": {"application/json": {"schema": reference("Error")}}}}}}),
    );
    paths.insert(
        "/api/v1/cases/{id}/reveal".into(),
        json!({"post": {"summary": "Buka NIK dan KK lengkap (break the glass) dengan alasan; dicatat di log akses",
            "description": "Semua jawaban lain menampilkan NIK/KK tersamar. Hanya peran yang mejanya memerlukan nomor lengkap (rsud, dukcapil_prov, dukcapil_kab, dinsos_prov, dinsos_kab, dinkes_prov, bpjs).",
            "security": bearer(), "parameters": [id_param("id")],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["reason"], "properties": {
                "reason": {"type": "string", "minLength": 10, "maxLength": 500, "description": "Untuk apa nomor lengkap diperlukan"}
            }}}}},
            "responses": {"200": {"description": "NIK dan KK lengkap", "content": {"application/json": {"schema": object("NIK dan KK lengkap (null bila tidak ada)", json!({
                                "nik": nullable(string("NIK 16 digit")), "kk_number": nullable(string("Nomor KK 16 digit"))}))}}},
                          "401": {"description": "Token tidak valid", "content": {"application/json": {"schema": reference("Error")}}},
                          "403": {"description": "Peran tidak boleh membuka NIK lengkap", "content": {"application/json": {"schema": reference("Error")}}},
                          "404": {"description": "Tidak ada, atau di luar cakupan Anda", "content": {"application/json": {"schema": reference("Error")}}},
                          "422": {"description": "Alasan kosong, terlalu pendek/panjang, atau berisi karakter kontrol", "content": {"application/json": {"schema": reference("Error")}}}}}}),
    );
    paths.insert(
        "/api/v1/cases/{id}/documents".into(),
        json!({"post": {"summary": "Unggah dokumen (JPEG, PNG, PDF); peran rsud", "security": bearer(), "parameters": [id_param("id"), idempotency_key()],
            "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["kind", "file"], "properties": {
                "kind": {"type": "string", "enum": DocumentKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()},
                "file": {"type": "string", "format": "binary"}
            }}}}},
            "responses": replayable(json!({"201": {"description": "Dokumen tersimpan", "content": {"application/json": {"schema": object("Dokumen yang tersimpan.", json!({
                                "id": formatted("uuid", "ID dokumen"),
                                "kind": one_of(&DocumentKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(), "Jenis dokumen"),
                                "size_bytes": {"type": "integer", "description": "Ukuran berkas yang diterima (byte)"}}))}}},
                          "403": {"description": "Bukan peran rsud"}, "404": {"description": "Di luar cakupan"},
                          "409": {"description": "Kasus tidak lagi menerima dokumen pada statusnya"},
                          "422": {"description": "Berkas ditolak, atau Idempotency-Key sudah dipakai untuk permintaan lain"}}), "201")}}),
    );
    paths.insert(
        "/api/v1/cases/{id}/documents/{document_id}".into(),
        json!({"get": {"summary": "Unduh dokumen (dicatat)", "security": bearer(), "parameters": [id_param("id"), id_param("document_id")],
            "responses": {"200": {"description": "Isi berkas", "content": file_content()}, "403": {"description": "Peran tidak melihat dokumen"}, "404": {"description": "Tidak ada"}}}}),
    );
}

/// The daftar nominatif: batches, one batch with its beneficiaries, the XLSX annex.
fn nominatif_paths(schemas: &mut Map<String, Value>, paths: &mut Map<String, Value>) {
    use crate::domain::nominatif::{Basis, BatchStatus};
    let date = |d: &str| formatted("date", d);
    let bases: Vec<&str> = Basis::ALL.iter().map(|b| b.as_str()).collect();
    let statuses: Vec<&str> = BatchStatus::ALL.iter().map(|s| s.as_str()).collect();
    let payers: Vec<&str> = Payer::ALL.iter().map(|p| p.as_str()).collect();
    schemas.insert(
        "NominatifBatch".into(),
        object(
            "Satu daftar nominatif (calon lampiran Keputusan Gubernur).",
            json!({
                "id": formatted("uuid", "ID daftar"),
                "number": string("Nomor daftar, mis. DN-2026-001"),
                "basis": one_of(&bases, "Dasar: jaminan_sementara (jaminan mulai dalam periode) atau pbpu_pemda (diputuskan Dinkes dalam periode)"),
                "basis_label": string("Nama dasar"),
                "payer": nullable(one_of(&payers, "Penanggung biaya; null: semua")),
                "payer_label": string("Nama penanggung"),
                "period_start": date("Awal periode"),
                "period_end": date("Akhir periode"),
                "status": one_of(&statuses, "draft (dapat diubah), closed (ditetapkan, hanya baca), cancelled (dibatalkan)"),
                "status_label": string("Nama status"),
                "created_by": string("Pembuat"),
                "created_at": formatted("date-time", "Saat dibuat"),
                "decree_number": nullable(string("Nomor Keputusan Gubernur")),
                "decree_date": nullable(date("Tanggal Keputusan Gubernur")),
                "closed_at": nullable(formatted("date-time", "Saat keputusan dicatat")),
                "cancel_reason": nullable(string("Alasan pembatalan")),
                "cancelled_at": nullable(formatted("date-time", "Saat dibatalkan")),
                "rows": {"type": "integer", "description": "Jumlah penerima dalam cakupan Anda"}
            }),
        ),
    );
    schemas.insert(
        "NominatifLine".into(),
        object(
            "Satu penerima manfaat (satu baris lampiran).",
            json!({
                "no": {"type": "integer", "description": "Nomor urut lampiran, mulai 1"},
                "case_id": formatted("uuid", "ID kasus"),
                "case_number": string("Nomor kasus"),
                "full_name": string("Nama"),
                "sex": one_of(&["L", "P"], "Jenis kelamin"),
                "sex_label": string("Nama jenis kelamin"),
                "birth_date": date("Tanggal lahir"),
                "nik": nullable(string("NIK, tersamar (5371********0001); nomor lengkap hanya di lampiran XLSX /api/v1/nominatif/{id}/xlsx")),
                "kk_number": nullable(string("Nomor KK, tersamar; null untuk tim")),
                "address": nullable(string("Alamat; null untuk tim")),
                "kab_kota_code": string("Kode kab/kota domisili"),
                "kab_kota_name": string("Kab/kota domisili"),
                "hospital_name": string("Rumah sakit"),
                "guarantee_start": nullable(date("Masa jaminan mulai")),
                "guarantee_end": nullable(date("Masa jaminan selesai (null: sampai kepesertaan JKN terbit)")),
                "payer": nullable(one_of(&payers, "Penanggung biaya")),
                "payer_name": string("Nama penanggung biaya, mis. Pemerintah Kabupaten Sikka"),
                "no_longer_eligible": {"type": "boolean", "description": "Kasus dicabut/ditolak setelah dimasukkan (draf harus mengeluarkannya)"}
            }),
        ),
    );
    let error = |text: &str| json!({"description": text, "content": {"application/json": {"schema": reference("Error")}}});
    let list = object(
        "Semua daftar nominatif, terbaru dulu.",
        json!({"items": {"type": "array", "items": reference("NominatifBatch")}}),
    );
    paths.insert(
        "/api/v1/nominatif".into(),
        json!({"get": {"summary": "Daftar nominatif; peran dinkes_prov, dinkes_kab (jumlah penerima kab/kotanya), tim",
            "security": bearer(),
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": list}}},
                          "401": error("Token tidak valid"), "403": error("Bukan peran pembaca daftar nominatif")}}}),
    );
    let columns: Vec<&str> = crate::http::export::nominatif::COLUMNS
        .iter()
        .map(|c| c.header)
        .collect();
    paths.insert(
        "/api/v1/nominatif/export".into(),
        json!({"get": {"summary": "Unduh daftar nominatif (CSV/XLSX): satu baris per daftar, jumlah penerima dalam cakupan Anda",
            "description": format!("Dicatat di log ekspor. Kolom: {}. Tanpa data pribadi (lampiran keputusan: /api/v1/nominatif/{{id}}/xlsx).", columns.join(", ")),
            "security": bearer(),
            "parameters": [export_format_param()],
            "responses": export_responses()}}),
    );
    let detail = object(
        "Satu daftar dengan penerimanya dalam cakupan Anda.",
        json!({
            "batch": reference("NominatifBatch"),
            "scope": nullable(string("Nama kab/kota bila hanya penerima kab/kota Anda (dinkes_kab); null untuk peran provinsi")),
            "lines": {"type": "array", "items": reference("NominatifLine")}
        }),
    );
    paths.insert(
        "/api/v1/nominatif/{id}".into(),
        json!({"get": {"summary": "Satu daftar nominatif beserta penerimanya (dicatat di log ekspor, format json)",
            "description": "NIK dan Nomor KK tersamar untuk semua peran (nomor lengkap hanya di lampiran XLSX, yang dicatat per kasus di log akses). dinkes_kab hanya melihat penerima dengan domisili kab/kotanya; tim tanpa Nomor KK dan alamat.",
            "security": bearer(), "parameters": [id_param("id")],
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": detail}}},
                          "401": error("Token tidak valid"), "403": error("Bukan peran pembaca daftar nominatif"),
                          "404": error("Tidak ada")}}}),
    );
    paths.insert(
        "/api/v1/nominatif/{id}/xlsx".into(),
        json!({"get": {"summary": "Lampiran daftar nominatif sebagai XLSX (dicatat di log ekspor); peran dinkes_prov, dinkes_kab (penerima kab/kotanya)",
            "description": "Satu baris per penerima: No. (angka), Nama, NIK dan No. KK (teks), Jenis kelamin, Tanggal lahir (tanggal Excel), Alamat, Kabupaten/Kota, Rumah sakit, Masa jaminan mulai dan selesai (tanggal Excel), Penanggung biaya. tim tidak dapat mengekspor.",
            "security": bearer(), "parameters": [id_param("id")],
            "responses": {"200": {"description": "Berkas XLSX", "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}},
                          "401": error("Token tidak valid"), "403": error("Bukan peran pengekspor"),
                          "404": error("Tidak ada")}}}),
    );
}

/// One path per action, its body the action's schema.
fn action_paths(paths: &mut Map<String, Value>) {
    for action in Action::ALL {
        paths.insert(
            format!("/api/v1/cases/{{id}}/actions/{}", action.as_str()),
            json!({"post": {
                "summary": action.label(),
                "operationId": action.as_str(),
                "security": bearer(),
                "parameters": [id_param("id"), idempotency_key()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": reference(&action_schema_name(*action))}}},
                "responses": replayable(responses("200", &[401, 403, 404, 409, 422]), "200")
            }}),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Reports (`crate::api::reports`, figures of `crate::cases::reports::figures`)
// ---------------------------------------------------------------------------------------------

/// `ReportSummary`, `Report` and `ReportFigures`.
fn report_schemas(schemas: &mut Map<String, Value>) {
    let integer = json!({"type": "integer"});
    let number = json!({"type": "number"});
    let summary = json!({
        "id": formatted("uuid", "id versi laporan ini"),
        "kind": one_of(&codes(ReportKind::OPTIONS), "bulanan: rekap rumah sakit; triwulan: laporan provinsi"),
        "hospital_id": nullable(formatted("uuid", "rumah sakit rekap bulanan; null untuk laporan triwulan")),
        "hospital_code": nullable(string("kode rumah sakit")),
        "hospital_name": nullable(string("nama rumah sakit")),
        "period_start": formatted("date", "hari pertama periode"),
        "period_end": formatted("date", "hari terakhir periode"),
        "period_label": string("periode, mis. November 2026 atau Triwulan IV 2026 (Oktober–Desember)"),
        "version": integer,
        "status": one_of(&codes(ReportStatus::OPTIONS), "draf atau final"),
        "due_date": formatted("date", "batas penyampaian: 14 hari kerja setelah akhir periode (kalender hari libur)"),
        "overdue": {"type": "boolean", "description": "lewat batas dan belum ada versi final"},
        "reopen_reason": nullable(string("alasan versi baru (versi 2 dst.)")),
        "finalised_by": nullable(string("nama yang memfinalkan")),
        "finalised_at": nullable(formatted("date-time", "waktu difinalkan (UTC)")),
    });
    schemas.insert(
        "ReportSummary".into(),
        object("Satu versi laporan.", summary.clone()),
    );
    let mut full = summary;
    if let Value::Object(m) = &mut full {
        m.insert("problems".into(), string("permasalahan yang ditemukan"));
        m.insert("follow_up".into(), string("tindak lanjut"));
        m.insert("recommendations".into(), string("rekomendasi"));
        m.insert(
            "frozen".into(),
            json!({"type": "boolean", "description": "true: angka tersimpan saat difinalkan; false: angka saat ini (draf)"}),
        );
    }
    schemas.insert(
        "Report".into(),
        object("Satu versi laporan beserta narasinya.", full),
    );
    let counts = |description: &str, props: Value| json!({"type": "array", "items": object(description, props)});
    let money = json!({"type": "integer", "description": "rupiah utuh"});
    schemas.insert(
        "ReportFigures".into(),
        object(
            "Angka laporan (Pergub NTT 55/2025 BAB III C.2); untuk laporan final, yang tersimpan saat difinalkan.",
            json!({
                "schema": integer,
                "computed_at": formatted("date-time", "waktu angka dihitung (UTC)"),
                "scope": string("cakupan: rumah sakit atau provinsi"),
                "period_start": formatted("date", "hari pertama periode"),
                "period_end": formatted("date", "hari terakhir periode"),
                "beneficiary_definition": string("definisi pasien penerima manfaat"),
                "beneficiaries": integer,
                "handed_over": integer,
                "service_types": counts("Penerima manfaat per jenis layanan.", json!({
                    "code": string("igd, rawat_inap, rawat_jalan"), "label": string("nama"),
                    "guaranteed": integer, "handed_over": integer})),
                "origins": counts("Penerima manfaat per kab/kota asal.", json!({
                    "kab_kota_code": string("kode kab/kota"), "kab_kota_name": string("nama"),
                    "guaranteed": integer, "handed_over": integer})),
                "financing_definition": string("definisi realisasi pembiayaan"),
                "financing": object("Klaim dibayar dalam periode (menurut tanggal bayar).", json!({
                    "lines": counts("Per penanggung × kab/kota asal × rumah sakit.", json!({
                        "payer": string("pemprov, pemkab_asal"), "payer_label": string("nama penanggung"),
                        "kab_kota_code": string("kode kab/kota asal"), "kab_kota_name": string("nama"),
                        "hospital_code": string("kode rumah sakit"), "hospital_name": string("nama"),
                        "claims": integer, "amount_paid": money})),
                    "per_payer": counts("Per penanggung biaya.", json!({
                        "payer": string("kode"), "label": string("nama"), "claims": integer, "amount_paid": money})),
                    "claims": integer,
                    "amount_paid": money,
                })),
                "desk_time_definition": string("definisi waktu per meja"),
                "time_per_desk": counts("Hari kerja di satu meja.", json!({
                    "state": string("kode status (meja)"), "desk": string("nama meja"), "stays": integer,
                    "median_days": number, "p90_days": number})),
            }),
        ),
    );
}

/// `/laporan` and `/laporan/{id}`.
fn report_paths(paths: &mut Map<String, Value>) {
    let error = |text: &str| json!({"description": text, "content": {"application/json": {"schema": reference("Error")}}});
    paths.insert(
        "/api/v1/laporan".into(),
        json!({"get": {"summary": "Laporan yang dapat Anda baca (setiap versi), periode terbaru dulu",
            "description": "Rekap bulanan: rumah sakitnya sendiri (rsud), atau semua rumah sakit (dinkes_prov, dinsos_prov, dukcapil_prov, tim). Laporan triwulan: semua peran kasus.",
            "security": bearer(),
            "responses": {"200": {"description": "{items: [ReportSummary]}", "content": {"application/json": {"schema": object("Daftar laporan.", json!({"items": {"type": "array", "items": reference("ReportSummary")}}))}}},
                          "401": error("Token tidak valid")}}}),
    );
    let columns: Vec<&str> = crate::http::export::reports::COLUMNS
        .iter()
        .map(|c| c.header)
        .collect();
    paths.insert(
        "/api/v1/laporan/export".into(),
        json!({"get": {"summary": "Unduh daftar laporan (CSV/XLSX): laporan yang dapat Anda baca (setiap versi)",
            "description": format!("Dicatat di log ekspor. Kolom: {}. Tanggal sebagai tanggal; format CSV seperti /api/v1/queue/export.", columns.join(", ")),
            "security": bearer(),
            "parameters": [export_format_param()],
            "responses": export_responses()}}),
    );
    paths.insert(
        "/api/v1/laporan/{id}".into(),
        json!({"get": {"summary": "Satu versi laporan dengan angkanya (tersimpan bila final, terkini bila draf); dicatat di log unduhan",
            "security": bearer(),
            "parameters": [id_param("id")],
            "responses": {"200": {"description": "Laporan", "content": {"application/json": {"schema": object("Laporan, angka dan daftar versinya.", json!({
                                "report": reference("Report"),
                                "figures": reference("ReportFigures"),
                                "versions": {"type": "array", "items": object("Satu versi.", json!({
                                    "id": formatted("uuid", "id versi"), "version": {"type": "integer"},
                                    "status": one_of(&codes(ReportStatus::OPTIONS), "draf atau final"),
                                    "finalised_at": nullable(formatted("date-time", "waktu difinalkan")),
                                    "reopen_reason": nullable(string("alasan versi baru"))}))}
                            }))}}},
                          "401": error("Token tidak valid"),
                          "404": error("Tidak ada, atau bukan laporan yang dapat Anda baca")}}}),
    );
}

// ---------------------------------------------------------------------------------------------
// The quota per payer (`cases::quota`)
// ---------------------------------------------------------------------------------------------

fn integer(description: &str) -> Value {
    json!({"type": "integer", "description": description})
}

/// `QuotaFigures`, `QuotaLine`, `QuotaChange`, `QuotaYear`, `QuotaPayer`, `QuotaCharge` and the
/// body of a change, `QuotaUpdate`.
fn quota_schemas(schemas: &mut Map<String, Value>) {
    let kinds = codes(QuotaKind::OPTIONS);
    let payers = codes(Payer::OPTIONS);
    schemas.insert(
        "QuotaFigures".into(),
        object(
            "Satu batas (pagu rupiah atau kuota orang) seorang penanggung untuk setahun.",
            json!({
                "limit": nullable(integer("Batas: rupiah (pagu jaminan) atau orang (PBPU Pemda); null bila belum ditetapkan")),
                "used": integer("Terpakai: jumlah plafon jaminan yang disetujui (tanggal mulai di tahun itu), atau jumlah orang yang didaftarkan PBPU Pemda (tanggal keputusan di tahun itu)"),
                "remaining": nullable(integer("Sisa: batas dikurangi terpakai (negatif bila terlampaui); null tanpa batas")),
                "approvals": integer("Jumlah persetujuan"),
                "over_quota_approvals": integer("Persetujuan yang melebihi kuota (dengan konfirmasi dan alasan)"),
                "approvals_without_ceiling": integer("Jaminan yang disetujui tanpa plafon (dihitung Rp0); selalu 0 untuk PBPU Pemda")
            }),
        ),
    );
    schemas.insert(
        "QuotaLine".into(),
        object(
            "Kuota seorang penanggung untuk setahun.",
            json!({
                "payer": one_of(&payers, "Penanggung sebagaimana pada kasus"),
                "code": string("Kode penanggung di alamat: pemprov atau kode kab/kota (53.71)"),
                "kab_kota_code": nullable(string("Kode kab/kota; null untuk provinsi")),
                "label": string("Nama pemerintah penanggung"),
                "guarantee": reference("QuotaFigures"),
                "pbpu_pemda": reference("QuotaFigures"),
                "editable": {"type": "boolean", "description": "Anda boleh mengubah batasnya (dinkes_prov semua, dinkes_kab hanya kab/kotanya)"},
                "updated_at": nullable(formatted("date-time", "Terakhir diubah")),
                "updated_by": nullable(string("Diubah oleh"))
            }),
        ),
    );
    schemas.insert(
        "QuotaChange".into(),
        object(
            "Satu perubahan batas kuota.",
            json!({
                "code": string("Kode penanggung"),
                "label": string("Nama penanggung"),
                "kind": one_of(&kinds, "Batas yang diubah"),
                "kind_label": string("Nama batasnya"),
                "old_value": nullable(integer("Nilai sebelumnya; null bila belum ditetapkan")),
                "new_value": integer("Nilai baru"),
                "changed_by": string("Diubah oleh"),
                "changed_at": formatted("date-time", "Saat diubah")
            }),
        ),
    );
    schemas.insert(
        "QuotaYear".into(),
        object(
            "Kuota setiap penanggung yang boleh Anda lihat untuk setahun (dinkes_kab: provinsi dan kab/kotanya).",
            json!({
                "year": integer("Tahun"),
                "items": {"type": "array", "items": reference("QuotaLine")},
                "changes": {"type": "array", "description": "Perubahan terakhir (paling baru dulu)", "items": reference("QuotaChange")}
            }),
        ),
    );
    schemas.insert(
        "QuotaPayer".into(),
        object(
            "Kuota seorang penanggung untuk setahun beserta seluruh perubahannya.",
            json!({
                "year": integer("Tahun"),
                "item": reference("QuotaLine"),
                "changes": {"type": "array", "items": reference("QuotaChange")}
            }),
        ),
    );
    schemas.insert(
        "QuotaCharge".into(),
        object(
            "Apa yang diambil sebuah persetujuan dari kuota penanggungnya.",
            json!({
                "kind": one_of(&kinds, "Kuota yang dibebani"),
                "kind_label": string("Nama kuotanya"),
                "year": integer("Tahun kuota (tanggal mulai jaminan / tanggal keputusan PBPU)"),
                "payer": one_of(&payers, "Penanggung"),
                "kab_kota_code": nullable(string("Kab/kota penanggung (domisili pasien saat disetujui); null untuk provinsi")),
                "payer_label": string("Nama penanggung"),
                "amount": nullable(integer("Plafon (rupiah) atau 1 orang; null: jaminan tanpa plafon")),
                "quota_at_decision": nullable(integer("Batas saat diputuskan; null bila belum ditetapkan")),
                "used_before": integer("Terpakai oleh persetujuan lain saat diputuskan"),
                "remaining_before": nullable(integer("Sisa sebelum persetujuan ini")),
                "over_quota": {"type": "boolean", "description": "Disetujui melebihi kuota dengan konfirmasi"},
                "over_quota_reason": nullable(string("Alasan melebihi kuota")),
                "decided_by": string("Yang memutuskan"),
                "decided_at": formatted("date-time", "Saat diputuskan")
            }),
        ),
    );
    let amount = |description: &str| json!({"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string"}], "description": description});
    schemas.insert(
        "QuotaUpdate".into(),
        json!({
            "type": "object",
            "description": "Kirim salah satu atau keduanya; yang tidak dikirim tetap. Setiap perubahan dicatat (siapa, kapan, nilai lama dan baru).",
            "properties": {
                "guarantee_budget": amount("Pagu jaminan sementara (rupiah): 25000000, \"25.000.000\" atau \"Rp 25.000.000\""),
                "pbpu_quota": amount("Kuota peserta PBPU Pemda (orang)")
            }
        }),
    );
}

/// `/kuota` and `/kuota/{tahun}/{pembayar}`.
fn quota_paths(paths: &mut Map<String, Value>) {
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": reference("Error")}}});
    let ok = |schema: &str| json!({"description": "OK", "content": {"application/json": {"schema": reference(schema)}}});
    let year = json!({"name": "tahun", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 2020, "maximum": 2100}});
    let payer = json!({"name": "pembayar", "in": "path", "required": true, "schema": {"type": "string"}, "description": "pemprov atau kode kab/kota (53.71)"});
    paths.insert(
        "/api/v1/kuota".into(),
        json!({"get": {"summary": "Kuota per penanggung untuk setahun: pagu jaminan sementara dan kuota PBPU Pemda, terpakai, sisa, jumlah persetujuan dan yang melebihi kuota; peran dinkes_prov, dinkes_kab, tim",
            "security": bearer(),
            "parameters": [{"name": "tahun", "in": "query", "schema": {"type": "integer", "minimum": 2020, "maximum": 2100}, "description": "bawaan: tahun ini"}],
            "responses": {"200": ok("QuotaYear"), "401": error("Token tidak valid"), "403": error("Bukan peran Dinkes atau tim"), "422": error("Tahun tidak valid")}}}),
    );
    let columns: Vec<&str> = crate::http::export::quota::COLUMNS
        .iter()
        .map(|c| c.header)
        .collect();
    paths.insert(
        "/api/v1/kuota/export".into(),
        json!({"get": {"summary": "Unduh tabel kuota setahun (CSV/XLSX): satu baris per penanggung yang dapat Anda lihat",
            "description": format!("Dicatat di log ekspor. Kolom: {}. Rupiah dan jumlah orang sebagai angka; kosong bila belum ditetapkan.", columns.join(", ")),
            "security": bearer(),
            "parameters": [export_format_param(), {"name": "tahun", "in": "query", "schema": {"type": "integer", "minimum": 2020, "maximum": 2100}, "description": "bawaan: tahun ini"}],
            "responses": export_responses()}}),
    );
    paths.insert(
        "/api/v1/kuota/{tahun}/{pembayar}".into(),
        json!({
            "get": {"summary": "Kuota seorang penanggung untuk setahun beserta seluruh perubahannya", "security": bearer(),
                "parameters": [year, payer],
                "responses": {"200": ok("QuotaPayer"), "401": error("Token tidak valid"), "403": error("Bukan peran Dinkes atau tim"), "404": error("Penanggung tidak ada atau di luar cakupan Anda"), "422": error("Tahun tidak valid")}},
            "put": {"summary": "Tetapkan pagu jaminan dan/atau kuota PBPU Pemda; dinkes_prov untuk semua penanggung, dinkes_kab hanya kab/kotanya", "security": bearer(),
                "parameters": [year, payer],
                "requestBody": {"required": true, "content": {"application/json": {"schema": reference("QuotaUpdate")}}},
                "responses": {"200": ok("QuotaPayer"), "400": error("Bukan objek JSON"), "401": error("Token tidak valid"), "403": error("Bukan penanggung yang boleh Anda ubah"), "404": error("Penanggung tidak ada atau di luar cakupan Anda"), "422": error("Isian salah; setiap kesalahan menyebut nama field")}}
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field spec the document describes.
    fn every_field() -> impl Iterator<Item = &'static FieldSpec> {
        Action::ALL
            .iter()
            .flat_map(|a| a.fields())
            .chain(intake::FIELDS)
    }

    #[test]
    fn a_date_field_states_each_rule_once() {
        for f in every_field().filter(|f| f.kind == FieldKind::Date) {
            // Act
            let description = field_description(f);

            // Assert
            let mut seen: Vec<String> = vec![];
            for clause in description.split(['.', ';', ':']).map(str::trim) {
                let clause = clause.to_lowercase();
                assert!(
                    clause.is_empty() || !seen.contains(&clause),
                    "{}: \"{clause}\" twice in \"{description}\"",
                    f.name
                );
                seen.push(clause);
            }
            assert!(description.contains(&f.dates.describe()), "{description}");
        }
    }

    #[test]
    fn a_date_description_keeps_the_help_the_range_does_not_say() {
        // Arrange
        let field = |name: &str| {
            every_field()
                .find(|f| f.name == name)
                .unwrap_or_else(|| panic!("no field {name}"))
        };

        // Act / Assert
        assert_eq!(
            field_description(field("recorded_on")),
            "Tanggal perekaman. Rentang: tidak boleh di masa depan; paling lama 5 tahun lalu."
        );
        assert_eq!(
            field_description(field("start_date")),
            "Tanggal mulai jaminan. Tidak sebelum tanggal masuk rumah sakit. \
             Rentang: paling jauh 3 bulan ke depan; paling lama 5 tahun lalu."
        );
        assert_eq!(
            field_description(field("corrected_on")),
            "Tanggal koreksi. Wajib jika desil dikoreksi. \
             Rentang: tidak boleh di masa depan; paling lama 5 tahun lalu."
        );
        assert_eq!(
            field_description(field("birth_date")),
            "Tanggal lahir. Rentang: tidak boleh di masa depan; tidak sebelum tahun 1900."
        );
        // Other fields keep their help as the form shows it.
        assert_eq!(
            field_description(field("bpjs_card_number")),
            "Nomor kartu BPJS. 13 digit angka"
        );
    }

    #[test]
    fn every_reference_resolves() {
        // Arrange
        let doc = build();
        let mut refs = vec![];
        fn collect<'a>(v: &'a Value, refs: &mut Vec<&'a str>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        refs.push(r);
                    }
                    m.values().for_each(|v| collect(v, refs));
                }
                Value::Array(items) => items.iter().for_each(|v| collect(v, refs)),
                _ => {}
            }
        }

        // Act
        collect(&doc, &mut refs);

        // Assert
        assert!(refs.contains(&"#/components/schemas/Case"));
        for r in refs {
            let pointer = r.strip_prefix('#').expect("a local reference");
            assert!(doc.pointer(pointer).is_some(), "dangling {r}");
        }
    }
}
