//! The OpenAPI 3 document of `/api/v1`, generated from the same field descriptions that parse
//! the requests ([`crate::cases::intake::FIELDS`], [`crate::domain::Action::fields`]), so the
//! document cannot drift from what the API accepts.
//!
//! [`build`] assembles the parts: the request schemas of the intake and of every action, the
//! schemas of what comes back (a case, an error), and the paths.

use axum::Json;
use serde_json::{Map, Value, json};

use crate::cases::intake;
use crate::domain::action::{FieldKind, FieldSpec};
use crate::domain::{Action, CaseState, Desil, DocumentKind};

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
// Response schemas
// ---------------------------------------------------------------------------------------------

/// The codes of `(code, label)` options.
fn codes(options: &[(&'static str, &'static str)]) -> Vec<&'static str> {
    options.iter().map(|(c, _)| *c).collect()
}

fn reference(schema: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{schema}")})
}

/// `CaseResponse`: a case with its history and documents.
fn case_schemas(schemas: &mut Map<String, Value>) {
    schemas.insert(
        "CaseResponse".into(),
        json!({"type": "object", "properties": {
            "case": {"type": "object", "properties": {
                "id": {"type": "string", "format": "uuid"},
                "number": {"type": "string"},
                "state": {"type": "string", "enum": CaseState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()},
                "version": {"type": "integer"},
                "available_actions": {"type": "array", "items": {"type": "string", "enum": Action::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>()}}
            }},
            "history": {"type": "array", "items": {"type": "object"}},
            "documents": {"type": "array", "items": {"type": "object"}}
        }}),
    );
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

/// `/me` and `/queue`.
fn account_and_queue_paths(paths: &mut Map<String, Value>) {
    paths.insert(
        "/api/v1/me".into(),
        json!({"get": {"summary": "Pengguna pemilik token", "security": bearer(), "responses": {"200": {"description": "OK"}, "401": {"description": "Token tidak valid"}}}}),
    );
    paths.insert(
        "/api/v1/queue".into(),
        json!({"get": {"summary": "Antrean: kasus yang menunggu tindakan Anda di cakupan Anda, yang terlambat lebih dulu",
            "security": bearer(),
            "parameters": [
                {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "next_cursor dari halaman sebelumnya"},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}
            ],
            "responses": {"200": {"description": "{items: [case], next_cursor}"}, "401": {"description": "Token tidak valid"}}}}),
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
}
