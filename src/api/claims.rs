//! Claims in the JSON API (`/api/v1/klaim`): list, read, submit and resubmit (multipart, with
//! the claim document), Dinkes prov's steps (return, accept, pay) as JSON, the document, and
//! the realised financing of a period (`/api/v1/klaim/realisasi`). The same case-service calls
//! and field specs as the pages; this module also describes these paths in the OpenAPI
//! document ([`schemas`], [`paths`]).

use std::collections::HashMap;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Datelike;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::error::ApiError;
use super::extract::ApiPath;
use super::openapi::{
    answers, bearer, field_schema, formatted, id_param, nullable, object, one_of, reference, string,
};
use super::{
    Body, as_form, field_error, multipart_form, object as json_object, period_date, version_of,
};
use crate::access;
use crate::auth::CurrentUser;
use crate::cases::claims::{ClaimCursor, ClaimDetail, ClaimFile, ClaimFilter};
use crate::db::exports::{self, ExportRecord};
use crate::domain::claim::{CLAIM_FIELDS, PAY_FIELDS, RETURN_FIELDS};
use crate::domain::{ClaimAction, ClaimStatus, Payer};
use crate::http::{AppState, file_response};

/// The claim routes, for [`access::CLAIM_ROLES`] (each step checks its own role).
pub fn router(state: &AppState) -> Router<AppState> {
    let max = state.settings.max_upload_mb * 1024 * 1024 + 64 * 1024;
    super::require_api(
        Router::new()
            .route(
                "/api/v1/klaim",
                get(list).post(submit).layer(DefaultBodyLimit::max(max)),
            )
            .route("/api/v1/klaim/realisasi", get(realised))
            .route("/api/v1/klaim/export", get(export_list))
            .route("/api/v1/klaim/{id}", get(read))
            .route(
                "/api/v1/klaim/{id}/resubmit",
                post(resubmit).layer(DefaultBodyLimit::max(max)),
            )
            .route("/api/v1/klaim/{id}/actions/{action}", post(act))
            .route("/api/v1/klaim/{id}/document", get(document)),
        access::CLAIM_ROLES,
    )
}

fn claim_json(d: &ClaimDetail) -> Value {
    json!({"claim": d.view, "history": d.history})
}

/// A query parameter, trimmed; empty counts as absent.
fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    q.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// The `kab_kota_code` parameter: a kab/kota code is digits and dots ("53.71"); anything else
/// (a NUL byte, text) is refused before it reaches the database, whose refusal would come in
/// the middle of a streamed export.
fn kab_param(q: &HashMap<String, String>) -> Result<Option<String>, ApiError> {
    match param(q, "kab_kota_code") {
        None => Ok(None),
        Some(k) if k.len() <= 10 && k.chars().all(|c| c.is_ascii_digit() || c == '.') => {
            Ok(Some(k.to_string()))
        }
        Some(_) => Err(field_error("kab_kota_code", "kab_kota_code tidak dikenal.")),
    }
}

/// The list's filters of the query (`status`, `hospital_id`, `kab_kota_code`, `from`, `to`),
/// each refusal naming its parameter.
fn claim_filter(q: &HashMap<String, String>) -> Result<ClaimFilter, ApiError> {
    let status = match param(q, "status") {
        None => None,
        Some(s) => Some(s.parse::<ClaimStatus>().map_err(|_| {
            field_error(
                "status",
                "status tidak dikenal; gunakan submitted, returned, accepted atau paid.",
            )
        })?),
    };
    let hospital_id = match param(q, "hospital_id") {
        None => None,
        Some(s) => Some(
            s.parse::<Uuid>()
                .map_err(|_| field_error("hospital_id", "hospital_id harus UUID."))?,
        ),
    };
    let kab_kota_code = kab_param(q)?;
    let day = |name: &'static str| match param(q, name) {
        None => Ok(None),
        Some(v) => period_date(name, Some(v), chrono::NaiveDate::MIN).map(Some),
    };
    let (from, to) = (day("from")?, day("to")?);
    Ok(ClaimFilter {
        status,
        hospital_id,
        kab_kota_code,
        from,
        to,
        cursor: None,
        limit: 0,
    })
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let cursor = match param(&q, "cursor") {
        None => None,
        Some(c) => Some(ClaimCursor::decode(c).ok_or_else(|| {
            ApiError::bad_request(
                "cursor tidak valid; gunakan next_cursor dari halaman sebelumnya.",
            )
        })?),
    };
    let limit = param(&q, "limit")
        .and_then(|l| l.parse::<i64>().ok())
        .unwrap_or(50)
        .clamp(1, 200);
    let filter = ClaimFilter {
        cursor,
        limit: limit + 1,
        ..claim_filter(&q)?
    };
    let rows = state.cases.claims(&user, &filter).await?;
    let has_more = rows.len() as i64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    let next_cursor = has_more
        .then(|| rows.last().map(|c| ClaimCursor::after(c).encode()))
        .flatten();
    let items: Vec<_> = rows
        .iter()
        .map(|c| crate::cases::CaseService::claim_view(&user, c))
        .collect();
    Ok(Json(json!({"items": items, "next_cursor": next_cursor})))
}

/// Every claim of the list's filters in the caller's scope, NIK masked, as CSV or XLSX
/// (`?format=`, else the `Accept` header; see [`crate::http::export`]); recorded in the export
/// log.
async fn export_list(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: axum::http::HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<axum::response::Response, ApiError> {
    let format = super::export_format(q.get("format").map(String::as_str), &headers)?;
    let filter = claim_filter(&q)?;
    Ok(crate::http::export::claims::respond(&state, &user, &filter, format).await?)
}

async fn read(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(claim_json(
        &state.cases.claim_detail(&user, id, "api").await?,
    )))
}

/// Why the claim endpoints refuse a body that is not multipart.
const NOT_MULTIPART: &str = "Kirim klaim sebagai multipart/form-data berisi case_id (saat \
     mengajukan), isian klaim dan berkas `file`.";

/// The text fields and the file part `file` of a multipart claim.
async fn claim_form(
    state: &AppState,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(HashMap<String, String>, Option<(Vec<u8>, Option<String>)>), ApiError> {
    let form = multipart_form(state, multipart, NOT_MULTIPART).await?;
    let file = form
        .files
        .into_iter()
        .find(|(field, _, _)| field == "file")
        .map(|(_, bytes, name)| (bytes, name));
    Ok((form.values, file))
}

async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let (values, file) = claim_form(&state, multipart).await?;
    let case_id = values
        .get("case_id")
        .and_then(|v| v.trim().parse::<Uuid>().ok())
        .ok_or_else(|| field_error("case_id", "case_id wajib diisi: ID kasus (UUID)."))?;
    let file = file.as_ref().map(|(bytes, name)| ClaimFile {
        bytes,
        original_name: name.as_deref(),
    });
    let id = state
        .cases
        .submit_claim(&user, case_id, &values, file.as_ref())
        .await?;
    let detail = state.cases.claim_detail(&user, id, "api").await?;
    Ok((StatusCode::CREATED, Json(claim_json(&detail))).into_response())
}

async fn resubmit(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<Value>, ApiError> {
    let (values, file) = claim_form(&state, multipart).await?;
    let version = values
        .get("version")
        .and_then(|v| v.trim().parse::<i32>().ok())
        .ok_or_else(|| {
            field_error(
                "version",
                "version wajib diisi: versi klaim yang Anda lihat (bilangan bulat).",
            )
        })?;
    let file = file.as_ref().map(|(bytes, name)| ClaimFile {
        bytes,
        original_name: name.as_deref(),
    });
    state
        .cases
        .resubmit_claim(&user, id, version, &values, file.as_ref())
        .await?;
    Ok(Json(claim_json(
        &state.cases.claim_detail(&user, id, "api").await?,
    )))
}

async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath((id, action)): ApiPath<(Uuid, String)>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let action = action
        .parse::<ClaimAction>()
        .ok()
        .filter(|a| !matches!(a, ClaimAction::Submit | ClaimAction::Resubmit))
        .ok_or_else(ApiError::not_found)?;
    let body = json_object(body)?;
    let version = version_of(&body)?;
    let input = as_form(&body, action.fields())?;
    state
        .cases
        .act_on_claim(&user, id, version, action, &input)
        .await?;
    Ok(Json(claim_json(
        &state.cases.claim_detail(&user, id, "api").await?,
    )))
}

async fn document(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let (document_id, content_type, bytes) =
        state.cases.read_claim_document(&user, id, "api").await?;
    Ok(file_response(&content_type, document_id, bytes))
}

/// `GET /api/v1/klaim/realisasi?from=&to=`: the claims paid in the period (default: this
/// month so far), per payer × kab/kota of origin × hospital; recorded in the export log.
async fn realised(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let today = state.clock.today();
    let month_start = today.with_day(1).unwrap_or(today);
    let from = period_date("from", param(&q, "from"), month_start)?;
    let to = period_date("to", param(&q, "to"), today)?;
    let hospital_id = match param(&q, "hospital_id") {
        None => None,
        Some(s) => Some(
            s.parse::<Uuid>()
                .map_err(|_| field_error("hospital_id", "hospital_id harus UUID."))?,
        ),
    };
    let kab = kab_param(&q)?;
    let realised = state
        .cases
        .realised(&user, from, to, hospital_id, kab.clone())
        .await?;
    let export = ExportRecord {
        user_id: user.id,
        at: state.clock.now(),
        what: "realisasi",
        format: "json",
        row_count: realised.rows.len() as i64,
        completed: true,
        detail: json!({"from": from, "to": to, "hospital_id": hospital_id, "kab_kota_code": kab}),
    };
    state
        .cases
        .log_export(&user, export.what, export.format, &export.detail)
        .await?;
    exports::record(&state.pool, &export).await?;
    Ok(Json(json!(realised)))
}

// ---------------------------------------------------------------------------------------------
// OpenAPI
// ---------------------------------------------------------------------------------------------

/// `Claim`, `ClaimResponse` and `Realised`.
pub fn schemas(schemas: &mut Map<String, Value>) {
    let statuses: Vec<&str> = ClaimStatus::ALL.iter().map(|s| s.as_str()).collect();
    let actions: Vec<&str> = ClaimAction::ALL.iter().map(|a| a.as_str()).collect();
    let payers: Vec<&str> = Payer::ALL.iter().map(|p| p.as_str()).collect();
    let rupiah = |d: &str| json!({"type": "integer", "format": "int64", "description": d});
    let date = |d: &str| formatted("date", d);
    schemas.insert(
        "Claim".into(),
        object(
            "Klaim rumah sakit atas satu masa perawatan kasus yang dijamin. Nilai dalam rupiah bulat.",
            json!({
                "id": formatted("uuid", "ID klaim"),
                "number": string("Nomor klaim (KLM-TTTT-NNNNNN)"),
                "case_id": formatted("uuid", "ID kasus"),
                "case_number": string("Nomor kasus"),
                "patient_name": string("Nama pasien"),
                "patient_nik": nullable(string("NIK disamarkan (5371********0001)")),
                "hospital_id": formatted("uuid", "Rumah sakit"),
                "hospital_name": string("Nama rumah sakit"),
                "payer": one_of(&payers, "Penanggung jaminan"),
                "payer_label": string("Nama penanggung"),
                "kab_kota_code": string("Kab/kota asal pasien"),
                "kab_kota_name": string("Nama kab/kota asal"),
                "status": one_of(&statuses, "Status klaim"),
                "status_label": string("Nama status"),
                "version": {"type": "integer", "description": "Versi klaim; kirim kembali saat bertindak (versi usang ditolak 409)"},
                "care_start": date("Awal masa perawatan"),
                "care_end": date("Akhir masa perawatan"),
                "care_days": {"type": "integer", "description": "Hari perawatan (kedua ujung dihitung)"},
                "amount_claimed": rupiah("Nilai klaim (rupiah)"),
                "amount_claimed_text": string("Nilai klaim tertulis (Rp12.500.000)"),
                "ina_cbg_code": nullable(string("Kode INA-CBG")),
                "document": nullable(object("Berkas klaim; null untuk peran yang tidak melihat dokumen.", json!({
                    "content_type": one_of(&["image/jpeg", "image/png", "application/pdf"], "Jenis berkas"),
                    "size_bytes": {"type": "integer", "description": "Ukuran (byte)"}
                }))),
                "return_reason": nullable(string("Alasan pengembalian (status returned)")),
                "paid_on": nullable(date("Tanggal bayar")),
                "amount_paid": nullable(rupiah("Nilai dibayar (rupiah)")),
                "amount_paid_text": nullable(string("Nilai dibayar tertulis")),
                "payment_reference": nullable(string("Nomor bukti bayar")),
                "submitted_by": string("Pengaju"),
                "submitted_at": formatted("date-time", "Saat diajukan pertama kali"),
                "verified_at": nullable(formatted("date-time", "Saat diterima Dinkes")),
                "paid_recorded_at": nullable(formatted("date-time", "Saat pembayaran dicatat")),
                "available_actions": {"type": "array", "items": one_of(&actions, "Tindakan yang boleh Anda ambil sekarang")}
            }),
        ),
    );
    let step = object(
        "Satu langkah klaim: siapa, kapan, apa.",
        json!({
            "action": one_of(&actions, "Tindakan"),
            "action_label": string("Nama tindakan"),
            "from_status": nullable(one_of(&statuses, "Status sebelumnya")),
            "to_status": one_of(&statuses, "Status sesudahnya"),
            "to_status_label": string("Nama status sesudahnya"),
            "from_version": nullable(json!({"type": "integer", "description": "Versi yang menjadi dasar tindakan"})),
            "actor_name": string("Nama pelaku"),
            "actor_role": string("Peran pelaku"),
            "actor_role_label": string("Nama peran"),
            "at": formatted("date-time", "Waktu"),
            "reason": nullable(string("Alasan (pengembalian)")),
            "detail": {"type": "object", "description": "Yang dicatat langkah ini (tanggal, nilai, berkas)"}
        }),
    );
    schemas.insert(
        "ClaimResponse".into(),
        object(
            "Klaim beserta riwayatnya.",
            json!({"claim": reference("Claim"), "history": {"type": "array", "items": step}}),
        ),
    );
    let line = object(
        "Klaim dibayar untuk satu penanggung × kab/kota asal × rumah sakit (per_payer: tempatnya null).",
        json!({
            "payer": one_of(&payers, "Penanggung"),
            "payer_label": string("Nama penanggung"),
            "kab_kota_code": nullable(string("Kab/kota asal pasien")),
            "kab_kota_name": nullable(string("Nama kab/kota asal")),
            "hospital_id": nullable(formatted("uuid", "Rumah sakit")),
            "hospital_name": nullable(string("Nama rumah sakit")),
            "claims": {"type": "integer", "description": "Banyak klaim dibayar"},
            "amount_paid": rupiah("Jumlah dibayar (rupiah)"),
            "amount_paid_text": string("Jumlah dibayar tertulis")
        }),
    );
    schemas.insert(
        "Realised".into(),
        object(
            "Realisasi pembiayaan: klaim yang dibayar dalam periode (menurut tanggal bayar), dalam cakupan pemilik token.",
            json!({
                "from": date("Awal periode"),
                "to": date("Akhir periode (termasuk)"),
                "rows": {"type": "array", "items": line},
                "per_payer": {"type": "array", "items": line},
                "total_claims": {"type": "integer"},
                "total_paid": rupiah("Jumlah seluruhnya (rupiah)"),
                "total_paid_text": string("Jumlah seluruhnya tertulis")
            }),
        ),
    );
}

/// The multipart body of a submission (`with_case`) or a resubmission.
fn claim_body(with_case: bool) -> Value {
    let mut props = Map::new();
    let mut required: Vec<&str> = vec![];
    if with_case {
        props.insert("case_id".into(), formatted("uuid", "ID kasus yang dijamin"));
        required.push("case_id");
    } else {
        props.insert(
            "version".into(),
            json!({"type": "integer", "description": "Versi klaim yang Anda lihat"}),
        );
        required.push("version");
    }
    for f in CLAIM_FIELDS {
        props.insert(f.name.into(), field_schema(f));
        if f.required {
            required.push(f.name);
        }
    }
    props.insert(
        "file".into(),
        json!({"type": "string", "format": "binary", "description": if with_case {
            "Berkas klaim (PDF, JPEG atau PNG)"
        } else {
            "Berkas klaim pengganti (opsional; tanpa berkas, berkas lama tetap dipakai)"
        }}),
    );
    if with_case {
        required.push("file");
    }
    json!({"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "required": required, "properties": props}}}})
}

/// The JSON body of one of Dinkes prov's steps.
fn step_body(action: ClaimAction) -> Value {
    let fields = match action {
        ClaimAction::Return => RETURN_FIELDS,
        ClaimAction::Pay => PAY_FIELDS,
        _ => &[],
    };
    let mut props = Map::new();
    props.insert(
        "version".into(),
        json!({"type": "integer", "description": "Versi klaim yang Anda lihat; versi usang ditolak (409)."}),
    );
    let mut required = vec!["version"];
    for f in fields {
        props.insert(f.name.into(), field_schema(f));
        if f.required {
            required.push(f.name);
        }
    }
    json!({"required": true, "content": {"application/json": {"schema": {"type": "object", "required": required, "properties": props}}}})
}

/// The `/api/v1/klaim` paths.
pub fn paths(paths: &mut Map<String, Value>) {
    let statuses: Vec<&str> = ClaimStatus::ALL.iter().map(|s| s.as_str()).collect();
    let page = object(
        "Satu halaman klaim, terbaru lebih dulu.",
        json!({
            "items": {"type": "array", "items": reference("Claim")},
            "next_cursor": nullable(string("cursor halaman berikutnya; null pada halaman terakhir"))
        }),
    );
    let query = |name: &str, schema: Value, description: &str| json!({"name": name, "in": "query", "schema": schema, "description": description});
    let columns: Vec<&str> = crate::http::export::claims::COLUMNS
        .iter()
        .map(|c| c.header)
        .collect();
    paths.insert(
        "/api/v1/klaim/export".into(),
        json!({"get": {"summary": "Unduh daftar klaim (CSV/XLSX): semua klaim dengan saringan daftar, dalam cakupan Anda, NIK disamarkan",
            "description": format!("Seluruh daftar (tanpa halaman), terbaru lebih dulu; dicatat di log ekspor (siapa, kapan, saringan, jumlah baris). Kolom: {}. Nilai rupiah sebagai angka, tanggal sebagai tanggal; format CSV seperti /api/v1/queue/export.", columns.join(", ")),
            "security": bearer(),
            "parameters": [
                super::openapi::export_format_param(),
                query("status", one_of(&statuses, "status"), "Hanya status ini"),
                query("hospital_id", formatted("uuid", "rumah sakit"), "Hanya rumah sakit ini"),
                query("kab_kota_code", string("kode kab/kota"), "Hanya pasien asal kab/kota ini"),
                query("from", formatted("date", "awal"), "Masa perawatan bersinggungan dengan periode mulai tanggal ini"),
                query("to", formatted("date", "akhir"), "… sampai tanggal ini")
            ],
            "responses": super::openapi::export_responses()}}),
    );
    paths.insert(
        "/api/v1/klaim".into(),
        json!({
            "get": {"summary": "Daftar klaim dalam cakupan Anda (rsud: rumah sakitnya; dinkes_kab: pasien asal kab/kotanya; dinkes_prov, tim: semua)",
                "security": bearer(),
                "parameters": [
                    query("status", one_of(&statuses, "status"), "Hanya status ini"),
                    query("hospital_id", formatted("uuid", "rumah sakit"), "Hanya rumah sakit ini"),
                    query("kab_kota_code", string("kode kab/kota"), "Hanya pasien asal kab/kota ini"),
                    query("from", formatted("date", "awal"), "Masa perawatan bersinggungan dengan periode mulai tanggal ini"),
                    query("to", formatted("date", "akhir"), "… sampai tanggal ini"),
                    query("cursor", string("cursor"), "next_cursor dari halaman sebelumnya"),
                    query("limit", json!({"type": "integer", "minimum": 1, "maximum": 200, "default": 50}), "Banyak klaim per halaman")
                ],
                "responses": {"200": {"description": "Satu halaman", "content": {"application/json": {"schema": page}}},
                    "401": {"description": "Token tidak valid"}, "403": {"description": "Peran Anda tidak melihat klaim"},
                    "422": {"description": "Filter tidak valid", "content": {"application/json": {"schema": reference("Error")}}}}},
            "post": {"summary": "Ajukan klaim untuk kasus yang dijamin; peran rsud. Masa perawatan di dalam masa jaminan dan tidak bertumpuk dengan klaim lain kasus itu; jumlah klaim kasus tidak melebihi plafon.",
                "security": bearer(),
                "requestBody": claim_body(true),
                "responses": answers("201", "ClaimResponse", &[400, 401, 403, 404, 409, 422])}
        }),
    );
    paths.insert(
        "/api/v1/klaim/realisasi".into(),
        json!({"get": {"summary": "Realisasi pembiayaan: klaim dibayar per penanggung × kab/kota asal × rumah sakit, menurut tanggal bayar (dicatat di log unduhan)",
            "security": bearer(),
            "parameters": [
                query("from", formatted("date", "awal"), "Awal periode (bawaan: awal bulan ini)"),
                query("to", formatted("date", "akhir"), "Akhir periode, termasuk (bawaan: hari ini)"),
                query("hospital_id", formatted("uuid", "rumah sakit"), "Hanya rumah sakit ini (rsud: selalu rumah sakitnya)"),
                query("kab_kota_code", string("kode kab/kota"), "Hanya pasien asal kab/kota ini (dinkes_kab: selalu kab/kotanya)")
            ],
            "responses": answers("200", "Realised", &[401, 403, 422])}}),
    );
    paths.insert(
        "/api/v1/klaim/{id}".into(),
        json!({"get": {"summary": "Klaim beserta riwayatnya (dicatat di log akses kasus)", "security": bearer(),
            "parameters": [id_param("id")], "responses": answers("200", "ClaimResponse", &[401, 403, 404])}}),
    );
    paths.insert(
        "/api/v1/klaim/{id}/resubmit".into(),
        json!({"post": {"summary": "Ajukan ulang klaim yang dikembalikan, sesudah diperbaiki; peran rsud", "security": bearer(),
            "parameters": [id_param("id")], "requestBody": claim_body(false),
            "responses": answers("200", "ClaimResponse", &[400, 401, 403, 404, 409, 422])}}),
    );
    for action in [ClaimAction::Return, ClaimAction::Accept, ClaimAction::Pay] {
        paths.insert(
            format!("/api/v1/klaim/{{id}}/actions/{}", action.as_str()),
            json!({"post": {"summary": format!("{}; peran dinkes_prov", action.label()),
                "operationId": format!("claim_{}", action.as_str()),
                "security": bearer(), "parameters": [id_param("id")], "requestBody": step_body(action),
                "responses": answers("200", "ClaimResponse", &[400, 401, 403, 404, 409, 422])}}),
        );
    }
    paths.insert(
        "/api/v1/klaim/{id}/document".into(),
        json!({"get": {"summary": "Unduh berkas klaim (dicatat di log akses kasus)", "security": bearer(), "parameters": [id_param("id")],
            "responses": {"200": {"description": "Isi berkas", "content": super::openapi::file_content()}, "403": {"description": "Peran tidak melihat dokumen"}, "404": {"description": "Tidak ada, atau di luar cakupan Anda"}}}}),
    );
}
