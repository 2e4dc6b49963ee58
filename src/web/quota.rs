//! The quota per payer (`/kuota`): for a year (`?tahun=`, this year by default), each payer's
//! rupiah budget for temporary guarantees and PBPU Pemda quota (people) with what the approvals
//! used, what remains, how many approvals and how many of them beyond the quota, and the latest
//! changes of the limits. `/kuota/{tahun}/{pembayar}` shows one payer with every change and,
//! for Dinkes that may change it, a form per limit. The rules and the figures are
//! `cases::quota`'s; this module only reads forms and renders.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;
use tower_sessions::Session;

use super::{AppState, Ctx, access, flash, render_status};
use crate::auth::CurrentUser;
use crate::cases::CaseError;
use crate::cases::quota::{QuotaChange, QuotaFigures, QuotaLine, QuotaYear};
use crate::domain::locale;
use crate::domain::quota::{self, QuotaKind};
use crate::web::error::AppError;

/// Routes of this area: everyone who reads quotas sees the pages, Dinkes changes them.
pub fn router() -> Router<AppState> {
    access::require(
        Router::new()
            .route("/kuota", get(year_page))
            .route("/kuota/unduh", get(export_year))
            .route("/kuota/{tahun}/{pembayar}", get(payer_page)),
        access::QUOTA_READERS,
    )
    .merge(access::require(
        Router::new().route("/kuota/{tahun}/{pembayar}", post(set_limit)),
        access::QUOTA_EDITORS,
    ))
}

/// How a figure reads: `Rp25.000.000`, `12 orang`, `—` when not set.
fn show(kind: QuotaKind, value: Option<i64>) -> String {
    value.map_or_else(|| "belum ditetapkan".to_string(), |v| kind.format(v))
}

/// The element id of a payer's row (`quota-53-71`): dots have a meaning in CSS selectors.
fn dom_id(code: &str) -> String {
    format!("quota-{}", code.replace('.', "-"))
}

#[derive(Template)]
#[template(path = "quota/year.html")]
struct YearPage {
    ctx: Ctx,
    /// The year as typed (kept when refused).
    typed: String,
    error: Option<String>,
    q: Option<QuotaYear>,
    show: Show,
}

impl YearPage {
    fn row_id(&self, line: &QuotaLine) -> String {
        dom_id(&line.code)
    }
    fn overdrawn(&self, f: &QuotaFigures) -> bool {
        f.remaining.is_some_and(|r| r < 0)
    }
}

/// How the quota pages write figures, changes and times (a field of each page).
struct Show;

impl Show {
    fn money(&self, value: &Option<i64>) -> String {
        show(QuotaKind::Guarantee, *value)
    }
    fn people(&self, value: &Option<i64>) -> String {
        show(QuotaKind::PbpuPemda, *value)
    }
    fn rupiah(&self, value: &i64) -> String {
        QuotaKind::Guarantee.format(*value)
    }
    fn change(&self, c: &QuotaChange) -> String {
        change_text(c)
    }
    fn time(&self, t: &DateTime<Utc>) -> String {
        locale::time(*t)
    }
}

/// "Pagu jaminan sementara: belum ditetapkan → Rp100.000.000".
fn change_text(c: &QuotaChange) -> String {
    let kind = c.kind.parse::<QuotaKind>().unwrap_or(QuotaKind::Guarantee);
    format!(
        "{}: {} → {}",
        c.kind_label,
        show(kind, c.old_value),
        kind.format(c.new_value)
    )
}

#[derive(Deserialize)]
struct YearQuery {
    tahun: Option<String>,
}

/// `/kuota/unduh?format=xlsx&tahun=2026`: the year's table as XLSX or CSV (see
/// [`crate::http::export`]); a year that is not one is a 422 naming the field, not logged.
async fn export_year(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let format = super::download_format(q.get("format").map(String::as_str))?;
    let year = match q.get("tahun").map(|t| t.trim()).filter(|t| !t.is_empty()) {
        None => state.clock.today().year(),
        Some(typed) => quota::parse_year(typed).map_err(|message| {
            AppError::Validation(vec![crate::domain::action::FieldError {
                field: "tahun",
                message,
            }])
        })?,
    };
    Ok(crate::http::export::quota::respond(&state, &user, year, format).await?)
}

/// `/kuota?tahun=2026`: every payer's quota of the year the caller sees; a year that is not
/// one is a field message (422), the typed value kept.
async fn year_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Query(query): Query<YearQuery>,
) -> Result<Response, AppError> {
    let typed = query
        .tahun
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| state.clock.today().year().to_string());
    let (status, error, q) = match quota::parse_year(&typed) {
        Ok(year) => (
            StatusCode::OK,
            None,
            Some(state.cases.quota_year(&user, year).await?),
        ),
        Err(message) => (StatusCode::UNPROCESSABLE_ENTITY, Some(message), None),
    };
    let page = YearPage {
        ctx,
        typed,
        error,
        q,
        show: Show,
    };
    render_status(status, &page)
}

/// A limit's form on the payer's page.
struct LimitForm {
    kind: &'static str,
    label: &'static str,
    help: &'static str,
    value: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "quota/payer.html")]
struct PayerPage {
    ctx: Ctx,
    year: i32,
    line: QuotaLine,
    changes: Vec<QuotaChange>,
    forms: Vec<LimitForm>,
    show: Show,
}

/// The path's year, or 404 (an address nobody was given).
fn path_year(tahun: &str) -> Result<i32, AppError> {
    quota::parse_year(tahun).map_err(|_| AppError::NotFound)
}

/// The payer's page: its figures, every change, and the forms if the caller may change them
/// (`failed`: the form refused, with what was typed and why).
async fn payer_response(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    (year, code): (i32, &str),
    failed: Option<(QuotaKind, String, String)>,
) -> Result<Response, AppError> {
    let (line, changes) = state.cases.quota_of(user, year, code).await?;
    let forms = if line.editable {
        [
            (
                QuotaKind::Guarantee,
                line.guarantee.limit,
                "Rupiah, misalnya 250.000.000",
            ),
            (
                QuotaKind::PbpuPemda,
                line.pbpu_pemda.limit,
                "Jumlah orang, misalnya 100",
            ),
        ]
        .into_iter()
        .map(|(kind, limit, help)| {
            let (value, error) = match &failed {
                Some((k, typed, message)) if *k == kind => (typed.clone(), Some(message.clone())),
                _ => (
                    limit
                        .map(|v| locale::thousands(v.unsigned_abs()))
                        .unwrap_or_default(),
                    None,
                ),
            };
            LimitForm {
                kind: kind.as_str(),
                label: kind.label(),
                help,
                value,
                error,
            }
        })
        .collect()
    } else {
        vec![]
    };
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = PayerPage {
        ctx,
        year,
        line,
        changes,
        forms,
        show: Show,
    };
    render_status(status, &page)
}

async fn payer_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path((tahun, pembayar)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let year = path_year(&tahun)?;
    payer_response(&state, ctx, &user, (year, &pembayar), None).await
}

/// Sets one limit (`kind`: `guarantee` or `pbpu_pemda`) to `value` as typed
/// ("25.000.000", "Rp 25.000.000", "25000000"; people as "100").
async fn set_limit(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Path((tahun, pembayar)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let year = path_year(&tahun)?;
    let kind = form
        .get("kind")
        .and_then(|k| k.parse::<QuotaKind>().ok())
        .ok_or_else(|| AppError::BadRequest("Jenis kuota tidak dikenali.".into()))?;
    let typed = form.get("value").cloned().unwrap_or_default();
    let refused = |message: String| Some((kind, typed.clone(), message));
    let value = match kind.parse_limit(&typed) {
        Ok(v) => v,
        Err(message) => {
            return payer_response(&state, ctx, &user, (year, &pembayar), refused(message)).await;
        }
    };
    let line = match state
        .cases
        .set_quota(&user, year, &pembayar, &[(kind, value)])
        .await
    {
        Ok(line) => line,
        Err(CaseError::Invalid(errors)) => {
            let message = errors.into_iter().map(|e| e.message).collect::<Vec<_>>();
            let failed = refused(message.join(" "));
            return payer_response(&state, ctx, &user, (year, &pembayar), failed).await;
        }
        Err(e) => return Err(e.into()),
    };
    let saved = format!(
        "{} {} tahun {year} disimpan: {}.",
        kind.label(),
        line.label,
        kind.format(value)
    );
    flash(&session, saved).await?;
    Ok(Redirect::to(&format!("/kuota?tahun={year}")).into_response())
}
