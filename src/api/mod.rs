//! The JSON API under `/api/v1`, for hospital systems and the province's own tools. Bearer
//! tokens (see `/token-api`); the same case service and the same field specs as the pages, so a
//! rule holds identically here. Errors are [`error::ApiError`] JSON bodies.

pub mod claims;
pub mod error;
pub mod extract;
pub mod openapi;
mod quota;
pub mod reports;
pub mod throttle;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::access;
use crate::auth::{CurrentUser, token_hash};
use crate::cases::bottleneck::Grouping;
use crate::cases::idempotency::{Answered, MakeAnswer, Once, RequestKey, StoredAnswer};
use crate::cases::intake;
use crate::cases::lists::{ListForm, ListKind};
use crate::cases::service::PageExtras;
use crate::cases::view::CaseView;
use crate::cases::{CaseDetail, CaseError, Upload};
use crate::db;
use crate::db::cases::{CaseRow, ListFilter};
use crate::db::preferences::Preference;
use crate::domain::Action;
use crate::domain::action::{FieldError, FieldKind, FieldSpec};
use crate::domain::{NotificationKind, Role};
use crate::http::client::ClientIp;
use crate::http::export::{Format, case_list};
use crate::http::multipart::{MultipartForm, MultipartProblem, read_multipart};
use crate::http::{
    AppState, decode_cursor, encode_cursor, file_response, letter_verification_link,
};
use error::ApiError;
use extract::ApiPath;
use throttle::TokenFailures;

/// The API routes, each guarded with the roles of [`access`].
pub fn router(state: AppState) -> Router<AppState> {
    let max = state.settings.max_upload_mb * 1024 * 1024 + 64 * 1024;
    let authed = require_api(
        Router::new()
            .route("/api/v1/me", get(me))
            .route(
                "/api/v1/me/notification-preferences",
                get(preferences).put(save_preferences),
            )
            .route("/api/v1/queue", get(queue))
            .route("/api/v1/dasbor", get(dashboard))
            .route("/api/v1/hambatan", get(bottlenecks))
            .route("/api/v1/laporan", get(reports::list))
            .route("/api/v1/laporan/export", get(reports::export_list))
            .route("/api/v1/laporan/{id}", get(reports::get))
            .route("/api/v1/cases/{id}", get(read_case).put(update_case))
            .route("/api/v1/cases/{id}/actions/{action}", post(act))
            .route("/api/v1/cases/{id}/letter", get(letter))
            .route("/api/v1/cases/{id}/reveal", post(reveal))
            .route("/api/v1/cases/{id}/documents/{document_id}", get(download)),
        access::CASE_ROLES,
    )
    .merge(quota::router())
    .merge(require_api(
        Router::new().route("/api/v1/queue/export", get(queue_export)),
        access::QUEUE_ROLES,
    ))
    .merge(require_api(
        Router::new().route("/api/v1/monitoring/export", get(monitoring_export)),
        access::MONITORS,
    ))
    .merge(require_api(
        Router::new()
            .route("/api/v1/nominatif", get(nominatif_list))
            .route("/api/v1/nominatif/export", get(nominatif_export))
            .route("/api/v1/nominatif/{id}", get(nominatif_batch)),
        access::NOMINATIF_READERS,
    ))
    .merge(require_api(
        Router::new().route("/api/v1/nominatif/{id}/xlsx", get(nominatif_xlsx)),
        access::NOMINATIF_EXPORTERS,
    ))
    .merge(require_api(
        Router::new()
            .route("/api/v1/cases", post(create_case))
            .route(
                "/api/v1/cases/{id}/documents",
                post(upload).layer(DefaultBodyLimit::max(max)),
            ),
        access::RSUD,
    ))
    .merge(claims::router(&state))
    .layer(middleware::from_fn_with_state(
        (state.clone(), Arc::new(TokenFailures::new(&state.settings))),
        bearer_user,
    ));
    Router::new()
        .route("/api/v1/openapi.json", get(openapi::document))
        // Any other path under /api answers in JSON too, not with the pages' 404.
        .route("/api/{*rest}", any(|| async { ApiError::not_found() }))
        .merge(authed)
        .layer(middleware::from_fn(json_rejections))
}

/// Turns the framework's plain-text rejections (a malformed id in a path, an unreadable body, a
/// body over the size limit) into the API's JSON errors, in Bahasa Indonesia.
async fn json_rejections(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !status.is_client_error() || json {
        return res;
    }
    let message = match status.as_u16() {
        405 => "Metode HTTP ini tidak didukung untuk alamat ini; lihat /api/v1/openapi.json.",
        413 => "Isian atau berkas terlalu besar. Perkecil berkas lalu coba lagi.",
        415 => NOT_JSON,
        _ => "Permintaan tidak dapat dibaca: periksa format isian (JSON atau formulir).",
    };
    let mut out = ApiError::bad_request(message).into_response();
    // Wrong method, too large and wrong content type keep their precise status; the JSON says
    // why.
    if matches!(status.as_u16(), 405 | 413 | 415) {
        *out.status_mut() = status;
    }
    out
}

/// Guards an API router: 401 without a valid token, 403 for other roles.
fn require_api<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    roles: &'static [Role],
) -> Router<S> {
    router.route_layer(middleware::from_fn(move |req: Request, next: Next| {
        check_api(roles, req, next)
    }))
}

async fn check_api(roles: &'static [Role], req: Request, next: Next) -> Response {
    match req.extensions().get::<CurrentUser>() {
        None => ApiError::unauthorized().into_response(),
        Some(u) if !roles.contains(&u.role) => ApiError::forbidden().into_response(),
        Some(_) => next.run(req).await,
    }
}

/// Loads the user of a valid token (unrevoked, not expired by the app clock) of an active
/// account. An expired token is refused here with its own JSON error (401 `token_expired`) and
/// the refusal audited (at most once an hour per token); an unknown or revoked one leaves the
/// request anonymous, for the route's guard to answer 401.
async fn bearer_user(
    State((state, failures)): State<(AppState, Arc<TokenFailures>)>,
    client: ClientIp,
    mut req: Request,
    next: Next,
) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_string);
    if let Some(token) = token {
        let now = state.clock.now();
        // Refused before the lookup: checking tokens while refusing would let guessing go on.
        if let Some(seconds) = failures.blocked(client.0, now) {
            tracing::info!("API token check throttled (client address)");
            return ApiError::too_many_token_failures(seconds).into_response();
        }
        match token_user(&state, &token).await {
            Ok(Some(user)) => {
                req.extensions_mut().insert(user);
            }
            Ok(None) => {
                if failures.failed(client.0, now) {
                    let details = json!({"client": client.to_string(), "per": "address"});
                    let event = "api_token.throttled";
                    if let Err(e) = db::audit::record(&state.pool, None, event, None, details).await
                    {
                        return ApiError::from(e).into_response();
                    }
                }
            }
            Err(e) => return e.into_response(),
        }
    }
    next.run(req).await
}

/// The active user behind `token`, `None` for an unknown or revoked token or an inactive user,
/// an error for an expired token.
async fn token_user(state: &AppState, token: &str) -> Result<Option<CurrentUser>, ApiError> {
    let now = state.clock.now();
    let user_id = match db::tokens::lookup(&state.pool, &token_hash(token), now).await? {
        None => return Ok(None),
        Some(db::tokens::TokenUse::Live { user_id }) => user_id,
        Some(db::tokens::TokenUse::Expired {
            id,
            user_id,
            expires_at,
        }) => {
            if db::tokens::note_expiry_refusal(&state.pool, id, now).await? {
                let target = id.to_string();
                let event = "api_token.expired_refused";
                let details = json!({});
                db::audit::record(&state.pool, Some(user_id), event, Some(&target), details)
                    .await?;
            }
            tracing::info!(token_id = %id, "expired API token refused");
            let expired = crate::domain::locale::time(expires_at);
            return Err(ApiError::token_expired(&expired));
        }
    };
    Ok(db::users::by_id(&state.pool, user_id)
        .await?
        .filter(|u| u.active)
        .map(CurrentUser::from))
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
        "email": user.email,
    }))
}

/// The caller's notification choices in force, for the kinds of its role.
async fn preferences_json(state: &AppState, user: &CurrentUser) -> Result<Value, ApiError> {
    let effective = db::preferences::effective(&state.pool, user.id).await?;
    let items: Vec<Value> = NotificationKind::for_role(user.role)
        .into_iter()
        .map(|kind| {
            let p = effective.iter().find(|p| p.kind == kind);
            json!({
                "kind": kind.as_str(),
                "label": kind.label(),
                "has_in_app": kind.has_in_app(),
                "in_app": p.is_some_and(|p| p.in_app),
                "email": p.is_some_and(|p| p.email),
            })
        })
        .collect();
    Ok(json!({ "preferences": items }))
}

async fn preferences(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(preferences_json(&state, &user).await?))
}

/// The choices of a `PUT` body (`{"preferences": [{"kind", "in_app", "email"}]}`), each a kind
/// the role can receive, at most once; kinds not sent keep their choice.
fn parse_preferences(role: Role, body: &Map<String, Value>) -> Result<Vec<Preference>, ApiError> {
    const FIELD: &str = "preferences";
    let refuse = |message: String| field_error(FIELD, &message);
    let Some(Value::Array(items)) = body.get(FIELD) else {
        return Err(refuse(
            "preferences wajib berupa daftar objek {kind, in_app, email}.".into(),
        ));
    };
    let offered = NotificationKind::for_role(role);
    let mut out: Vec<Preference> = vec![];
    for item in items {
        let kind = item
            .get("kind")
            .and_then(Value::as_str)
            .and_then(|k| k.parse::<NotificationKind>().ok())
            .filter(|k| offered.contains(k))
            .ok_or_else(|| {
                let codes: Vec<&str> = offered.iter().map(|k| k.as_str()).collect();
                refuse(format!(
                    "kind harus salah satu jenis notifikasi peran Anda: {}.",
                    codes.join(", ")
                ))
            })?;
        if out.iter().any(|p| p.kind == kind) {
            return Err(refuse(format!("kind {kind} disebut lebih dari sekali.")));
        }
        let flag = |name: &str| {
            item.get(name)
                .and_then(Value::as_bool)
                .ok_or_else(|| refuse(format!("{name} untuk {kind} wajib diisi true atau false.")))
        };
        let (in_app, email) = (flag("in_app")?, flag("email")?);
        if in_app && !kind.has_in_app() {
            return Err(refuse(format!(
                "{kind} tidak punya saluran di aplikasi (halamannya selalu ada); in_app harus false."
            )));
        }
        out.push(Preference {
            kind,
            in_app,
            email,
        });
    }
    Ok(out)
}

/// Saves the choices sent, all in one transaction, and answers with every choice in force.
async fn save_preferences(
    State(state): State<AppState>,
    user: CurrentUser,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let body = object(body)?;
    let choices = parse_preferences(user.role, &body)?;
    let mut tx = state.pool.begin().await?;
    db::preferences::save(&mut tx, user.id, &choices).await?;
    tx.commit().await?;
    Ok(Json(preferences_json(&state, &user).await?))
}

/// A JSON object body, or a 400 saying what is wrong with it.
type Body = Result<Json<Map<String, Value>>, JsonRejection>;

/// Why a JSON endpoint refuses a body of another content type.
const NOT_JSON: &str =
    "Kirim permintaan ini sebagai JSON (Content-Type: application/json) berisi satu objek.";
/// Why the upload endpoint refuses a body that is not multipart.
const NOT_MULTIPART: &str = "Kirim permintaan ini sebagai multipart/form-data \
     (Content-Type: multipart/form-data) dengan bagian `kind` dan `file`.";

fn object(body: Body) -> Result<Map<String, Value>, ApiError> {
    body.map(|Json(b)| b).map_err(|e| match e {
        JsonRejection::MissingJsonContentType(_) => ApiError::bad_request(NOT_JSON),
        JsonRejection::JsonDataError(_) => ApiError::bad_request(
            "Badan permintaan harus satu objek JSON ({…}), bukan daftar, teks, angka atau null.",
        ),
        other => ApiError::bad_request(unreadable_json(&other.body_text())),
    })
}

/// Why a body is not JSON, in Bahasa Indonesia: where the parser stopped (`… at line 1 column
/// 5` in its own words), which an integrator needs to find the fault.
fn unreadable_json(parser: &str) -> String {
    let at = parser.rsplit_once(" at line ").and_then(|(_, rest)| {
        let (line, column) = rest.split_once(" column ")?;
        Some((
            line.parse::<u64>().ok()?,
            column.trim().parse::<u64>().ok()?,
        ))
    });
    match at {
        Some((line, column)) => {
            format!("Badan permintaan bukan JSON yang valid: periksa baris {line}, kolom {column}.")
        }
        None => "Badan permintaan bukan JSON yang valid.".to_string(),
    }
}

/// The JSON object's values for the fields in `specs`, as the form strings the shared parsers
/// take. Keys that are no field are ignored (as a form ignores them); a value of the wrong JSON
/// type (a list or an object anywhere, a boolean outside a checkbox) is a field error rather
/// than its JSON text.
fn as_form(
    body: &Map<String, Value>,
    specs: &[FieldSpec],
) -> Result<HashMap<String, String>, ApiError> {
    let mut form = HashMap::new();
    let mut errors = vec![];
    for spec in specs {
        let checkbox = spec.kind == FieldKind::Checkbox;
        let text = match body.get(spec.name) {
            None | Some(Value::Null) | Some(Value::Bool(false)) if checkbox => continue,
            None | Some(Value::Null) => continue,
            Some(Value::Bool(true)) if checkbox => "true".to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => {
                let expected = if checkbox { "true atau false" } else { "teks" };
                errors.push(FieldError {
                    field: spec.name,
                    message: format!("{} harus berupa {expected}.", spec.label),
                });
                continue;
            }
        };
        form.insert(spec.name.to_string(), text);
    }
    if errors.is_empty() {
        Ok(form)
    } else {
        Err(ApiError::validation(errors))
    }
}

fn field_error(field: &'static str, message: &str) -> ApiError {
    ApiError::validation(vec![FieldError {
        field,
        message: message.into(),
    }])
}

fn idempotency_key(body: &Map<String, Value>) -> Result<Option<Uuid>, ApiError> {
    match body.get("idempotency_key") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(|s| s.parse::<Uuid>().ok())
            .map(Some)
            .ok_or_else(|| field_error("idempotency_key", "idempotency_key harus UUID.")),
    }
}

fn version_of(body: &Map<String, Value>) -> Result<i32, ApiError> {
    body.get("version")
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| {
            field_error(
                "version",
                "version wajib diisi: versi kasus yang Anda lihat (bilangan bulat).",
            )
        })
}

fn case_json(d: &CaseDetail) -> Value {
    json!({
        "case": d.view,
        "history": d.timeline,
        "documents": d.documents,
        "quota": d.quota,
    })
}

/// The `Idempotency-Key` header ([`crate::cases::idempotency`]): `None` without one, a 400
/// naming the header for one that is not 1 to 64 visible ASCII characters.
fn idempotency_header(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    match headers.get(IDEMPOTENCY_KEY) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .ok()
            .filter(|k| RequestKey::new(k, &[]).is_some())
            .map(Some)
            .ok_or_else(ApiError::bad_idempotency_key),
    }
}

/// The header naming a request's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header marking an answer replayed from an earlier request with the same key.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// `key` for a JSON request to `path` with `body` (its fingerprint: method, path, the body's
/// canonical JSON — object keys sorted, so the same request in another key order is the same).
fn json_request_key(
    key: &str,
    path: &str,
    body: &Map<String, Value>,
) -> Result<RequestKey, ApiError> {
    let canonical = serde_json::to_vec(body).map_err(|e| ApiError::internal(e.into()))?;
    RequestKey::new(key, &[b"POST", path.as_bytes(), &canonical])
        .ok_or_else(ApiError::bad_idempotency_key)
}

/// A keyed request's answer: the stored status and body, marked `Idempotent-Replayed: true`
/// when it is the answer of an earlier request with the same key.
fn keyed_response(answered: Answered) -> Response {
    let status =
        StatusCode::from_u16(answered.answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Json(answered.answer.body)).into_response();
    if answered.replayed {
        response.headers_mut().insert(
            IDEMPOTENT_REPLAYED,
            axum::http::HeaderValue::from_static("true"),
        );
    }
    response
}

/// The stored answer of a case read as the API shows it, with `status`.
fn case_answer(status: StatusCode) -> impl Fn(&CaseDetail) -> StoredAnswer + Send + Sync {
    move |detail| StoredAnswer {
        status: status.as_u16(),
        body: case_json(detail),
    }
}

async fn create_case(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let header = idempotency_header(&headers)?;
    let body = object(body)?;
    let key = idempotency_key(&body)?;
    let fields = state
        .cases
        .parse_patient(&as_form(&body, intake::FIELDS)?)
        .await?;
    let id = match header {
        None => state.cases.create_draft(&user, &fields, key).await?,
        Some(header) => {
            let request = json_request_key(header, "/api/v1/cases", &body)?;
            let make = case_answer(StatusCode::CREATED);
            let once = Once {
                key: &request,
                answer: MakeAnswer::Detail(&make, "api"),
            };
            match state
                .cases
                .create_draft_once(&user, &fields, key, once)
                .await?
            {
                Ok(answered) => return Ok(keyed_response(answered)),
                // The intake key had opened the case already: answered as without the header.
                Err(opened) => opened.id,
            }
        }
    };
    let detail = state.cases.detail(&user, id, "api").await?;
    Ok((StatusCode::CREATED, Json(case_json(&detail))).into_response())
}

async fn read_case(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    let detail = state.cases.detail(&user, id, "api").await?;
    Ok(Json(case_json(&detail)))
}

async fn update_case(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let body = object(body)?;
    let version = version_of(&body)?;
    let fields = state
        .cases
        .parse_patient(&as_form(&body, intake::FIELDS)?)
        .await?;
    state
        .cases
        .update_patient(&user, id, version, &fields)
        .await?;
    let detail = state.cases.detail(&user, id, "api").await?;
    Ok(Json(case_json(&detail)))
}

async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath((id, action)): ApiPath<(Uuid, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let action: Action = action.parse().map_err(|_| ApiError::not_found())?;
    let header = idempotency_header(&headers)?;
    let body = object(body)?;
    let version = version_of(&body)?;
    let input = as_form(&body, action.fields())?;
    let make = case_answer(StatusCode::OK);
    let Some(header) = header else {
        // The case as the action leaves it, read (and the read logged) in the action's
        // transaction: one commit.
        let answer = state
            .cases
            .perform_answered(
                &user,
                id,
                version,
                action,
                &input,
                MakeAnswer::Detail(&make, "api"),
            )
            .await?;
        return Ok(keyed_response(Answered {
            answer,
            replayed: false,
        }));
    };
    let path = format!("/api/v1/cases/{id}/actions/{}", action.as_str());
    let request = json_request_key(header, &path, &body)?;
    let once = Once {
        key: &request,
        answer: MakeAnswer::Detail(&make, "api"),
    };
    let answered = state
        .cases
        .perform_once(&user, id, version, action, &input, PageExtras::API, once)
        .await?;
    Ok(keyed_response(answered))
}

/// `POST /api/v1/cases/{id}/reveal` with `{"reason": "…"}`: break the glass — the full NIK and
/// KK of a case for the roles whose desk needs them, logged with the reason (422 without a
/// valid reason, 403 for other roles). Every other answer shows them masked.
async fn reveal(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let body = object(body)?;
    let reason = match body.get("reason") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(field_error("reason", "Alasan harus berupa teks.")),
    };
    let revealed = match state.cases.reveal(&user, id, reason, "api").await {
        // The page's field is `alasan`; the API's is `reason`.
        Err(CaseError::Invalid(errors)) => {
            let message = errors.into_iter().map(|e| e.message).collect::<Vec<_>>();
            return Err(field_error("reason", &message.join(" ")));
        }
        other => other?,
    };
    Ok(Json(json!(revealed)))
}

/// `GET /api/v1/cases/{id}/letter`: the guarantee letter as a hospital system prints it.
async fn letter(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    let l = state.cases.letter(&user, id, "api").await?;
    let case = &l.detail.case;
    let verification_url = state
        .settings
        .public_url
        .as_deref()
        .map(|public| letter_verification_link(public, &l.token));
    Ok(Json(json!({
        "letter_number": case.guarantee_letter_number,
        "approved_at": l.approved_at,
        "letter_date": l.approved_on,
        "status": l.status.code(),
        "valid": l.status.is_valid(),
        "start_date": case.guarantee_start,
        "end_date": case.guarantee_end,
        "ward_class": case.patient.ward_class,
        "payer": case.payer,
        "ceiling": case.guarantee_ceiling,
        "verification_url": verification_url,
    })))
}

async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let header = idempotency_header(&headers)?;
    let form = multipart_form(&state, multipart, NOT_MULTIPART).await?;
    let kind = form.values.get("kind").cloned().unwrap_or_default();
    let (bytes, name) = form
        .files
        .into_iter()
        .find(|(field, _, _)| field == "file")
        .map(|(_, bytes, name)| (bytes, name))
        .unwrap_or_default();
    let upload = Upload {
        kind: &kind,
        bytes: &bytes,
        original_name: name.as_deref(),
    };
    let answer = |doc_id: Uuid| StoredAnswer {
        status: StatusCode::CREATED.as_u16(),
        body: json!({"id": doc_id, "kind": kind, "size_bytes": bytes.len()}),
    };
    let Some(header) = header else {
        let doc_id = state.cases.add_document(&user, id, &upload).await?;
        let answer = answer(doc_id);
        return Ok((StatusCode::CREATED, Json(answer.body)).into_response());
    };
    let path = format!("/api/v1/cases/{id}/documents");
    let name = name.as_deref().unwrap_or_default();
    let parts: [&[u8]; 5] = [
        b"POST",
        path.as_bytes(),
        kind.as_bytes(),
        name.as_bytes(),
        &bytes,
    ];
    let request = RequestKey::new(header, &parts).ok_or_else(ApiError::bad_idempotency_key)?;
    let answered = state
        .cases
        .add_document_once(&user, id, &upload, &request, &answer)
        .await?;
    Ok(keyed_response(answered))
}

/// A multipart body read to its end, or the 400 saying why not (`not_multipart`: what to send
/// instead of a body that is not multipart at all).
async fn multipart_form(
    state: &AppState,
    multipart: Result<Multipart, MultipartRejection>,
    not_multipart: &'static str,
) -> Result<MultipartForm, ApiError> {
    let multipart = multipart.map_err(|_| ApiError::bad_request(not_multipart))?;
    let form = read_multipart(multipart).await;
    match form.problem {
        None => Ok(form),
        Some(MultipartProblem::TooLarge) => Err(ApiError::bad_request(format!(
            "Berkas terlalu besar; maksimal {} MB.",
            state.settings.max_upload_mb
        ))),
        Some(MultipartProblem::Unreadable) => Err(ApiError::bad_request(
            "Badan multipart/form-data tidak dapat dibaca.",
        )),
    }
}

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath((id, document_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let (doc, bytes) = state
        .cases
        .read_document(&user, id, document_id, "api")
        .await?;
    Ok(file_response(&doc.content_type, doc.id, bytes))
}

async fn dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<crate::cases::dashboard::Dashboard>, ApiError> {
    Ok(Json(state.cases.dashboard(&user).await?))
}

/// The bottlenecks' query: the period and the grouping (`kab`, the default, or `rs`).
#[derive(Deserialize)]
struct PeriodQuery {
    dari: Option<String>,
    sampai: Option<String>,
    kelompok: Option<String>,
}

/// A date of the period query, or its default; the field error names the parameter.
fn period_date(
    name: &'static str,
    value: Option<&str>,
    default: chrono::NaiveDate,
) -> Result<chrono::NaiveDate, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(default),
        Some(s) => s
            .parse::<chrono::NaiveDate>()
            .ok()
            .filter(|d| {
                use chrono::Datelike;
                (crate::domain::date::MIN_YEAR..=crate::domain::date::MAX_YEAR).contains(&d.year())
            })
            .ok_or_else(|| field_error(name, "Tanggal tidak dikenali; gunakan format TTTT-BB-HH.")),
    }
}

async fn bottlenecks(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<crate::cases::bottleneck::Bottlenecks>, ApiError> {
    let today = state.clock.today();
    let from = period_date(
        "dari",
        q.dari.as_deref(),
        today - chrono::Duration::days(90),
    )?;
    let to = period_date("sampai", q.sampai.as_deref(), today)?;
    let grouping = match q.kelompok.as_deref().map(str::trim) {
        None | Some("") => Grouping::KabKota,
        Some(code) => Grouping::parse(code).ok_or_else(|| {
            field_error(
                "kelompok",
                "Pengelompokan tidak dikenali; gunakan kab (kabupaten/kota) atau rs (rumah sakit).",
            )
        })?,
    };
    Ok(Json(
        state.cases.bottlenecks(&user, from, to, grouping).await?,
    ))
}

#[derive(Deserialize)]
struct QueueQuery {
    cursor: Option<String>,
    /// Read as text so that a value that is no number is a field error naming `limit`.
    limit: Option<String>,
}

/// What the queue says to the roles that hold no desk.
pub const MONITOR_QUEUE_NOTE: &str = "Peran Anda memantau kasus dan tidak memegang meja, jadi tidak ada kasus yang menunggu tindakan Anda. Pantau kasus di halaman Pemantauan kasus (/pemantauan), angka di /api/v1/dasbor dan hambatan di /api/v1/hambatan.";

async fn queue(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<QueueQuery>,
) -> Result<Json<QueuePage>, ApiError> {
    let limit = match q.limit.as_deref().map(str::trim) {
        None | Some("") => 50,
        Some(l) => l
            .parse::<i64>()
            .map_err(|_| field_error("limit", "limit harus bilangan bulat dari 1 sampai 200."))?
            .clamp(1, 200),
    };
    let after = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(decode_cursor(c).ok_or_else(|| {
            ApiError::bad_request(
                "cursor tidak valid; gunakan next_cursor dari halaman sebelumnya.",
            )
        })?),
    };
    let filter = ListFilter {
        after,
        limit: limit + 1,
        ..Default::default()
    };
    let rows: Vec<CaseRow> = state.cases.queue(&user, filter).await?;
    let has_more = rows.len() as i64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    let next_cursor = has_more
        .then(|| rows.last().map(|c| encode_cursor(c.sla_due_date, c.id)))
        .flatten();
    let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
    state
        .cases
        .log_list(&user, "api", "queue", "", false, &ids)
        .await?;
    let items = state.cases.views(&user, rows).await?;
    // The roles that hold no desk get an empty queue, and are told why and where to look
    // instead (as their "Antrean saya" page leads to the monitoring list).
    let note = (!crate::cases::service::holds_a_desk(user.role)).then_some(MONITOR_QUEUE_NOTE);
    Ok(Json(QueuePage {
        items,
        next_cursor,
        note,
    }))
}

/// A page of the API queue, written straight to JSON (no `Value` tree of fifty cases first).
#[derive(serde::Serialize)]
struct QueuePage {
    items: Vec<CaseView>,
    next_cursor: Option<String>,
    note: Option<&'static str>,
}

/// The query of a list export: the format and the list's filters as codes and dates. A
/// search (`q`, a name or a NIK) is refused: it would put personal data in the address.
#[derive(Deserialize)]
struct ExportQuery {
    format: Option<String>,
    #[serde(flatten)]
    filters: ListForm,
}

/// The format asked for: `?format=`, else an `Accept` header naming CSV or XLSX.
pub(crate) fn export_format(query: Option<&str>, headers: &HeaderMap) -> Result<Format, ApiError> {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .and_then(Format::from_accept);
    match query.map(str::trim) {
        None | Some("") => accept.ok_or_else(|| {
            field_error(
                "format",
                "format wajib diisi: csv atau xlsx (atau header Accept: text/csv).",
            )
        }),
        Some(code) => {
            Format::parse(code).ok_or_else(|| field_error("format", "format harus csv atau xlsx."))
        }
    }
}

/// A whole case list as CSV or XLSX (see [`crate::http::export`]), with the page's filters,
/// scope and NIK masking; recorded in the export log.
async fn export_list(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    query: ExportQuery,
    kind: ListKind,
) -> Result<Response, ApiError> {
    let format = export_format(query.format.as_deref(), headers)?;
    if !query.filters.q.trim().is_empty() {
        return Err(field_error(
            "q",
            "Pencarian nama atau NIK tidak diterima di alamat (data pribadi); saring dengan \
             state, kab, hospital, desk, overdue, from dan to.",
        ));
    }
    Ok(case_list::respond(state, user, kind, &query.filters, format).await?)
}

async fn queue_export(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    export_list(&state, &user, &headers, query, ListKind::Queue).await
}

async fn monitoring_export(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    export_list(&state, &user, &headers, query, ListKind::Monitoring).await
}

/// The daftar nominatif batches, newest first (`rows`: beneficiaries in the caller's scope).
async fn nominatif_list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let items = state.cases.nominatif_list(&user).await?;
    Ok(Json(json!({ "items": items })))
}

/// The list of batches as CSV or XLSX (`?format=`, else the `Accept` header), recorded in the
/// export log.
async fn nominatif_export(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let format = export_format(q.get("format").map(String::as_str), &headers)?;
    Ok(crate::http::export::nominatif::respond(&state, &user, format).await?)
}

/// A batch with its beneficiaries as the caller may see them (logged as an export `json`).
async fn nominatif_batch(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<crate::cases::nominatif::BatchDetail>, ApiError> {
    Ok(Json(
        state
            .cases
            .nominatif_detail(&user, id, crate::cases::nominatif::Reading::Api)
            .await?,
    ))
}

/// The decree annex as XLSX (logged as an export `xlsx`).
async fn nominatif_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let export = state.cases.nominatif_xlsx(&user, id).await?;
    Ok(crate::http::xlsx::xlsx_response(
        export.file,
        &export.filename,
    ))
}
