//! The JSON API for hospital systems (SIMRS) and integrations, under `/api/v1`, authenticated
//! by personal API tokens (`Authorization: Bearer …`). Same roles, scopes and rules as the
//! pages: handlers call the same [`crate::cases::service`] functions.

pub mod openapi;

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::auth::{CurrentUser, token_hash};
use crate::cases::files::FileStore;
use crate::cases::service::{self, Upload};
use crate::db;
use crate::db::cases::ListFilter;
use crate::domain::Action;
use crate::web::AppState;
use crate::web::access;
use crate::web::error::{ApiError, AppError};
use crate::web::forms::{self, MultipartProblem};

/// Routes under `/api/v1`.
pub fn router(state: AppState) -> Router<AppState> {
    let max = state.settings.max_upload_mb * 1024 * 1024 + 64 * 1024;
    let authed = access::require_api(
        Router::new()
            .route("/api/v1/me", get(me))
            .route("/api/v1/queue", get(queue))
            .route("/api/v1/cases/{id}", get(read_case).put(update_case))
            .route("/api/v1/cases/{id}/actions/{action}", post(act))
            .route("/api/v1/cases/{id}/documents/{document_id}", get(download)),
        access::CASE_ROLES,
    )
    .merge(access::require_api(
        Router::new()
            .route("/api/v1/cases", post(create_case))
            .route(
                "/api/v1/cases/{id}/documents",
                post(upload).layer(DefaultBodyLimit::max(max)),
            ),
        access::RSUD,
    ))
    .layer(middleware::from_fn_with_state(state, bearer_user));
    Router::new()
        .route("/api/v1/openapi.json", get(openapi::document))
        .merge(authed)
}

/// Loads the user of a valid, unrevoked token of an active account.
async fn bearer_user(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_string);
    if let Some(token) = token {
        match db::tokens::user_for_hash(&state.pool, &token_hash(&token)).await {
            Ok(Some(id)) => match db::users::by_id(&state.pool, id).await {
                Ok(Some(u)) if u.active => {
                    req.extensions_mut().insert(CurrentUser::from(u));
                }
                Ok(_) => {}
                Err(e) => return ApiError::from(e).into_response(),
            },
            Ok(None) => {}
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    next.run(req).await
}

async fn me(user: CurrentUser) -> Json<Value> {
    Json(json!({
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.as_str(),
        "scope": user.scope_label(),
        "hospital_id": user.hospital_id,
        "kab_kota_code": user.kab_kota_code,
    }))
}

/// JSON object values as the form strings the shared parsers take.
fn as_form(body: &Map<String, Value>) -> HashMap<String, String> {
    body.iter()
        .filter_map(|(k, v)| {
            let s = match v {
                Value::Null => return None,
                Value::String(s) => s.clone(),
                Value::Bool(true) => "true".into(),
                Value::Bool(false) => return None,
                other => other.to_string(),
            };
            Some((k.clone(), s))
        })
        .collect()
}

/// Why a JSON endpoint refuses a body of another content type.
const NOT_JSON: &str =
    "Kirim permintaan ini sebagai JSON (Content-Type: application/json) berisi satu objek.";
/// Why the upload endpoint refuses a body that is not multipart.
const NOT_MULTIPART: &str = "Kirim permintaan ini sebagai multipart/form-data \
     (Content-Type: multipart/form-data) dengan bagian `kind` dan `file`.";

fn bad_json(e: JsonRejection) -> ApiError {
    let message = match e {
        JsonRejection::MissingJsonContentType(_) => NOT_JSON.to_string(),
        // The parser's own words say where the JSON breaks, which an integrator needs.
        other => format!(
            "Badan permintaan harus objek JSON yang valid ({}).",
            other.body_text()
        ),
    };
    ApiError(AppError::BadRequest(message))
}

async fn create_case(
    State(state): State<AppState>,
    user: CurrentUser,
    body: Result<Json<Map<String, Value>>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(bad_json)?;
    let key = match body.get("idempotency_key") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_str()
                .and_then(|s| s.parse::<Uuid>().ok())
                .ok_or_else(|| {
                    AppError::Validation(vec![crate::domain::action::FieldError {
                        field: "idempotency_key",
                        message: "idempotency_key harus UUID.".into(),
                    }])
                })?,
        ),
    };
    let id = service::create_draft(&state.pool, &user, &as_form(&body), key).await?;
    let detail = service::detail(&state.pool, &user, id, "api").await?;
    Ok((StatusCode::CREATED, Json(case_json(&detail))).into_response())
}

fn case_json(d: &service::CaseDetail) -> Value {
    json!({
        "case": d.view,
        "history": d.timeline,
        "documents": d.documents,
    })
}

async fn read_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<Value>, ApiError> {
    let detail = service::detail(&state.pool, &user, id, "api").await?;
    Ok(Json(case_json(&detail)))
}

fn version_of(body: &Map<String, Value>) -> Result<i32, ApiError> {
    body.get("version")
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| {
            ApiError(AppError::Validation(vec![
                crate::domain::action::FieldError {
                    field: "version",
                    message: "version wajib diisi: versi kasus yang Anda lihat (bilangan bulat)."
                        .into(),
                },
            ]))
        })
}

async fn update_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    body: Result<Json<Map<String, Value>>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(body) = body.map_err(bad_json)?;
    let version = version_of(&body)?;
    service::update_patient(&state.pool, &user, id, version, &as_form(&body)).await?;
    let detail = service::detail(&state.pool, &user, id, "api").await?;
    Ok(Json(case_json(&detail)))
}

async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(Uuid, String)>,
    body: Result<Json<Map<String, Value>>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let action: Action = action.parse().map_err(|_| AppError::NotFound)?;
    let Json(body) = body.map_err(bad_json)?;
    let version = version_of(&body)?;
    service::perform(&state.pool, &user, id, version, action, &as_form(&body)).await?;
    let detail = service::detail(&state.pool, &user, id, "api").await?;
    Ok(Json(case_json(&detail)))
}

async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let multipart = multipart.map_err(|_| AppError::BadRequest(NOT_MULTIPART.into()))?;
    let form = forms::read_multipart(multipart).await;
    match form.problem {
        None => {}
        Some(MultipartProblem::TooLarge) => {
            return Err(ApiError(AppError::BadRequest(format!(
                "Berkas terlalu besar; maksimal {} MB.",
                state.settings.max_upload_mb
            ))));
        }
        Some(MultipartProblem::Unreadable) => {
            return Err(ApiError(AppError::BadRequest(
                "Badan multipart/form-data tidak dapat dibaca.".into(),
            )));
        }
    }
    let kind = form.values.get("kind").cloned().unwrap_or_default();
    let (bytes, name) = form
        .files
        .into_iter()
        .find(|(field, _, _)| field == "file")
        .map(|(_, bytes, name)| (bytes, name))
        .unwrap_or_default();
    let files = FileStore::new(state.settings.files_dir());
    let max = state.settings.max_upload_mb * 1024 * 1024;
    let upload = Upload {
        kind: &kind,
        bytes: &bytes,
        original_name: name.as_deref(),
    };
    let doc_id = service::add_document(&state.pool, &files, &user, id, &upload, max).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": doc_id, "kind": kind, "size_bytes": bytes.len()})),
    )
        .into_response())
}

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, document_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let files = FileStore::new(state.settings.files_dir());
    let (doc, bytes) =
        service::read_document(&state.pool, &files, &user, id, document_id, "api").await?;
    Ok(file_response(&doc.content_type, bytes))
}

/// A document download: inline, never cached, never sniffed.
pub fn file_response(content_type: &str, bytes: Vec<u8>) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_DISPOSITION, "inline")
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(Body::from(bytes))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

#[derive(Deserialize)]
struct QueueQuery {
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Encodes a keyset cursor (due date, id).
pub fn encode_cursor(due: Option<NaiveDate>, id: Uuid) -> String {
    let due = due.unwrap_or(db::cases::NO_DUE_DATE);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{due}|{id}"))
}

/// Decodes a keyset cursor.
pub fn decode_cursor(s: &str) -> Option<(NaiveDate, Uuid)> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (d, id) = raw.split_once('|')?;
    Some((d.parse().ok()?, id.parse().ok()?))
}

async fn queue(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<QueueQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let after = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(decode_cursor(c).ok_or_else(|| {
            AppError::BadRequest(
                "cursor tidak valid; gunakan next_cursor dari halaman sebelumnya.".into(),
            )
        })?),
    };
    let rows = service::queue(
        &state.pool,
        &user,
        ListFilter {
            after,
            limit: limit + 1,
            ..Default::default()
        },
    )
    .await?;
    let has_more = rows.len() as i64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    let next_cursor = if has_more {
        rows.last().map(|c| encode_cursor(c.sla_due_date, c.id))
    } else {
        None
    };
    let items = service::views(&state.pool, &user, rows).await?;
    Ok(Json(json!({"items": items, "next_cursor": next_cursor})))
}
