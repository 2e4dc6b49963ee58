//! The quota per payer in the API: `GET /api/v1/kuota?tahun=2026` (every payer the caller
//! sees), `GET /api/v1/kuota/{tahun}/{pembayar}` (one payer with every change of its limits)
//! and `PUT /api/v1/kuota/{tahun}/{pembayar}` (Dinkes sets `guarantee_budget` and/or
//! `pbpu_quota`; a limit not sent keeps its value). `{pembayar}` is `pemprov` or a kab/kota
//! code (`53.71`). The figures and rules are `cases::quota`'s, as on `/kuota`.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Datelike;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::extract::ApiPath;
use super::{Body, field_error, object, require_api};
use crate::access;
use crate::auth::CurrentUser;
use crate::cases::quota::QuotaYear;
use crate::domain::action::FieldError;
use crate::domain::money;
use crate::domain::quota::{self, QuotaKind};
use crate::http::AppState;

/// The body keys of `PUT`, and the limit each sets.
pub const LIMIT_FIELDS: [(&str, QuotaKind); 2] = [
    ("guarantee_budget", QuotaKind::Guarantee),
    ("pbpu_quota", QuotaKind::PbpuPemda),
];

/// The quota routes: readers may read, Dinkes may change.
pub fn router() -> Router<AppState> {
    require_api(
        Router::new()
            .route("/api/v1/kuota", get(year))
            .route("/api/v1/kuota/export", get(export_year))
            .route("/api/v1/kuota/{tahun}/{pembayar}", get(payer)),
        access::QUOTA_READERS,
    )
    .merge(require_api(
        Router::new().route("/api/v1/kuota/{tahun}/{pembayar}", axum::routing::put(set)),
        access::QUOTA_EDITORS,
    ))
}

#[derive(Deserialize)]
struct YearQuery {
    tahun: Option<String>,
    /// Of the export only: `csv` or `xlsx`.
    format: Option<String>,
}

/// The year asked for, this year when none.
fn asked_year(state: &AppState, q: &YearQuery) -> Result<i32, ApiError> {
    match q.tahun.as_deref().map(str::trim) {
        None | Some("") => Ok(state.clock.today().year()),
        Some(t) => year_of(t),
    }
}

/// A year from the query or the path, as a field error on `tahun` when it is not one.
fn year_of(value: &str) -> Result<i32, ApiError> {
    quota::parse_year(value).map_err(|m| field_error("tahun", &m))
}

async fn year(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Json<QuotaYear>, ApiError> {
    let year = asked_year(&state, &q)?;
    Ok(Json(state.cases.quota_year(&user, year).await?))
}

/// `GET /api/v1/kuota/export?tahun=&format=`: the year's table as CSV or XLSX (else the
/// `Accept` header), recorded in the export log.
async fn export_year(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: axum::http::HeaderMap,
    Query(q): Query<YearQuery>,
) -> Result<axum::response::Response, ApiError> {
    let format = super::export_format(q.format.as_deref(), &headers)?;
    let year = asked_year(&state, &q)?;
    Ok(crate::http::export::quota::respond(&state, &user, year, format).await?)
}

async fn payer_json(
    state: &AppState,
    user: &CurrentUser,
    year: i32,
    code: &str,
) -> Result<Json<Value>, ApiError> {
    let (item, changes) = state.cases.quota_of(user, year, code).await?;
    Ok(Json(
        json!({"year": year, "item": item, "changes": changes}),
    ))
}

async fn payer(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath((tahun, pembayar)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let year = year_of(&tahun)?;
    payer_json(&state, &user, year, &pembayar).await
}

/// The limits of a `PUT` body, every error collected; at least one must be sent.
fn limits(body: &Map<String, Value>) -> Result<Vec<(QuotaKind, i64)>, ApiError> {
    let mut out = vec![];
    let mut errors = vec![];
    for (field, kind) in LIMIT_FIELDS {
        let typed = match body.get(field) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) => s.clone(),
            // A number too large for 64 bits arrives as a float: too large either way.
            Some(Value::Number(n)) if n.as_i64().is_none() && n.as_u64().is_none() => {
                match n.as_f64() {
                    Some(f) if f < -(money::MAX as f64) => "-1".to_string(),
                    Some(f) if f > money::MAX as f64 => i64::MAX.to_string(),
                    _ => n.to_string(),
                }
            }
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => {
                errors.push(FieldError {
                    field,
                    message: format!("{} harus berupa angka atau teks.", kind.label()),
                });
                continue;
            }
        };
        match kind.parse_limit(&typed) {
            Ok(v) => out.push((kind, v)),
            Err(message) => errors.push(FieldError { field, message }),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if out.is_empty() {
        return Err(field_error(
            "guarantee_budget",
            "Kirim guarantee_budget (rupiah) dan/atau pbpu_quota (orang).",
        ));
    }
    Ok(out)
}

async fn set(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath((tahun, pembayar)): ApiPath<(String, String)>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let year = year_of(&tahun)?;
    let body = object(body)?;
    let limits = limits(&body)?;
    state
        .cases
        .set_quota(&user, year, &pembayar, &limits)
        .await?;
    payer_json(&state, &user, year, &pembayar).await
}
