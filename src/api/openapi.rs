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
    let mut paths = Map::new();
    account_and_queue_paths(&mut paths);
    case_paths(&mut paths);
    action_paths(&mut paths);
    nominatif_paths(&mut schemas, &mut paths);
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Merajut Sehat API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "API pelacakan kasus program Merajut Sehat (Pergub NTT 55/2025) untuk SIMRS dan integrasi. Autentikasi: token API pribadi (Authorization: Bearer …), dengan peran dan cakupan pemilik token."
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
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
fn field_schema(f: &FieldSpec) -> Value {
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

fn string(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

fn formatted(format: &str, description: &str) -> Value {
    json!({"type": "string", "format": format, "description": description})
}

fn one_of(codes: &[&str], description: &str) -> Value {
    json!({"type": "string", "enum": codes, "description": description})
}

fn states() -> Vec<&'static str> {
    CaseState::ALL.iter().map(|s| s.as_str()).collect()
}

fn roles() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

/// `schema` that may also be `null` (OpenAPI 3.0: `nullable`, and `null` among its values).
fn nullable(mut schema: Value) -> Value {
    if let Value::Object(m) = &mut schema {
        m.insert("nullable".into(), Value::Bool(true));
        if let Some(Value::Array(values)) = m.get_mut("enum") {
            values.push(Value::Null);
        }
    }
    schema
}

/// An object whose properties are all always present (a view serialises `None` as `null`).
fn object(description: &str, properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    json!({"type": "object", "description": description, "properties": properties, "required": required})
}

fn reference(schema: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{schema}")})
}

/// `CaseResponse` (a case with its history and documents) and `Case` (also a queue item).
fn case_schemas(schemas: &mut Map<String, Value>) {
    schemas.insert("Case".into(), case_schema());
    schemas.insert(
        "CaseResponse".into(),
        object(
            "Kasus beserta riwayat dan dokumennya.",
            json!({
                "case": reference("Case"),
                "history": {"type": "array", "items": step_schema()},
                "documents": {"type": "array", "items": document_schema()}
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
            "uploaded_at": formatted("date-time", "Saat diunggah")
        }),
    )
}

/// `Error`: every refusal.
fn error_schema() -> Value {
    json!({"type": "object", "properties": {
        "error": {"type": "string", "enum": ["unauthorized", "forbidden", "not_found", "conflict", "validation", "bad_request", "internal"]},
        "message": {"type": "string"},
        "fields": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
        "request_id": {"type": "string"}
    }})
}

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

fn bearer() -> Value {
    json!([{"bearer": []}])
}

/// A case answer with status `ok`, and an `Error` for each of `codes`.
fn responses(ok: &str, codes: &[u16]) -> Value {
    let mut m = Map::new();
    m.insert(
        ok.to_string(),
        json!({"description": "OK", "content": {"application/json": {"schema": reference("CaseResponse")}}}),
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

fn id_param(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}})
}

/// `/me`, its notification preferences, `/queue` and `/dasbor`.
fn account_and_queue_paths(paths: &mut Map<String, Value>) {
    paths.insert(
        "/api/v1/me".into(),
        json!({"get": {"summary": "Pengguna pemilik token (termasuk alamat email untuk notifikasi, atau null)", "security": bearer(), "responses": {"200": {"description": "OK"}, "401": {"description": "Token tidak valid"}}}}),
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

/// Creating, reading and editing a case, and its documents.
fn case_paths(paths: &mut Map<String, Value>) {
    paths.insert(
        "/api/v1/cases".into(),
        json!({"post": {"summary": "Daftarkan pasien (draf); peran rsud", "security": bearer(),
            "requestBody": {"required": true, "content": {"application/json": {"schema": reference("Intake")}}},
            "responses": responses("201", &[401, 403, 409, 422])}}),
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
        "/api/v1/cases/{id}/documents".into(),
        json!({"post": {"summary": "Unggah dokumen (JPEG, PNG, PDF); peran rsud", "security": bearer(), "parameters": [id_param("id")],
            "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["kind", "file"], "properties": {
                "kind": {"type": "string", "enum": DocumentKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()},
                "file": {"type": "string", "format": "binary"}
            }}}}},
            "responses": {"201": {"description": "Dokumen tersimpan"}, "403": {"description": "Bukan peran rsud"}, "404": {"description": "Di luar cakupan"}, "422": {"description": "Berkas ditolak"}}}}),
    );
    paths.insert(
        "/api/v1/cases/{id}/documents/{document_id}".into(),
        json!({"get": {"summary": "Unduh dokumen (dicatat)", "security": bearer(), "parameters": [id_param("id"), id_param("document_id")],
            "responses": {"200": {"description": "Isi berkas"}, "403": {"description": "Peran tidak melihat dokumen"}, "404": {"description": "Tidak ada"}}}}),
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
                "nik": nullable(string("NIK; utuh untuk dinkes_prov dan dinkes_kab, tersamar untuk tim")),
                "kk_number": nullable(string("Nomor KK; null untuk tim")),
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
            "description": "dinkes_kab hanya melihat penerima dengan domisili kab/kotanya; tim melihat NIK tersamar tanpa Nomor KK dan alamat.",
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
                "parameters": [id_param("id")],
                "requestBody": {"required": true, "content": {"application/json": {"schema": reference(&action_schema_name(*action))}}},
                "responses": responses("200", &[401, 403, 404, 409, 422])
            }}),
        );
    }
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
