//! The families' status page (issue 12), `/status`: no sign-in; a form where the code from the
//! hospital's slip is typed and POSTed (never in the address, never logged), answered with the
//! current step in one plain sentence, the day it began and what comes next — nothing about
//! the patient. An unknown or revoked code gets one neutral answer. Lookups are limited per
//! client address ([`super::throttle::status_lookups`]) and counted per day and outcome; the
//! counts are shown to the program team and the administrator on `/kode-status`.
//!
//! The form carries the CSRF field like every other form: the CSRF layer needs no session, so
//! a family's browser only gets the CSRF cookie (no session row is written).

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use chrono::NaiveDate;

use super::error::AppError;
use super::{AppState, Ctx, access, render_status};
use crate::cases::status_code::{FamilyStatus, Lookup};
use crate::db::status_codes::DayCounts;

/// The public page's path (also printed on the slip).
pub const PATH: &str = "/status";

/// The page of the public status check and the program team's counts.
pub fn router(state: &AppState) -> Router<AppState> {
    let counts = access::require(
        Router::new().route("/kode-status", get(counts_page)),
        crate::access::STATUS_COUNT_READERS,
    );
    Router::new()
        .route(
            "/status",
            super::throttle::status_lookups(axum::routing::post(look_up), state).get(form_page),
        )
        .merge(counts)
}

#[derive(Template)]
#[template(path = "status/check.html")]
struct CheckPage {
    ctx: Ctx,
    /// What was typed (kept when the answer is a field message or "not valid").
    typed: String,
    field_error: Option<&'static str>,
    found: Option<FamilyStatus>,
    not_valid: bool,
}

impl CheckPage {
    fn since(&self) -> String {
        self.found
            .as_ref()
            .map(|f| crate::domain::locale::long_date(f.since))
            .unwrap_or_default()
    }
}

/// The public page: no cookie but the CSRF one, not stored, not indexed.
fn public(status: StatusCode, page: &CheckPage) -> Result<Response, AppError> {
    let mut response = render_status(status, page)?;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    Ok(response)
}

/// `GET /status`: the empty form.
async fn form_page(ctx: Ctx) -> Result<Response, AppError> {
    let page = CheckPage {
        ctx,
        typed: String::new(),
        field_error: None,
        found: None,
        not_valid: false,
    };
    public(StatusCode::OK, &page)
}

/// The form as POSTed.
#[derive(serde::Deserialize)]
pub(crate) struct CheckForm {
    #[serde(default)]
    kode: String,
}

/// `POST /status`: the answer for the code typed. 200 with the step; 404 with the neutral
/// message for an unknown or revoked code; 422 with a field message for something that cannot
/// be a code.
async fn look_up(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CheckForm>,
) -> Result<Response, AppError> {
    let answer = state.cases.look_up_status(&form.kode).await?;
    // A long paste is not sent back whole.
    let typed: String = form.kode.chars().take(40).collect();
    let (status, page) = match answer {
        Lookup::Found(found) => (
            StatusCode::OK,
            CheckPage {
                ctx,
                typed: String::new(),
                field_error: None,
                found: Some(found),
                not_valid: false,
            },
        ),
        Lookup::NotValid => (
            StatusCode::NOT_FOUND,
            CheckPage {
                ctx,
                typed,
                field_error: None,
                found: None,
                not_valid: true,
            },
        ),
        Lookup::Malformed(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            CheckPage {
                ctx,
                typed,
                field_error: Some(e.message()),
                found: None,
                not_valid: false,
            },
        ),
    };
    public(status, &page)
}

/// Days shown on the counts page.
const COUNT_DAYS: i64 = 31;

#[derive(Template)]
#[template(path = "status/counts.html")]
struct CountsPage {
    ctx: Ctx,
    days: Vec<DayCounts>,
    total: DayCounts,
    from: NaiveDate,
    to: NaiveDate,
}

/// `GET /kode-status`: lookups per day and outcome over the last 31 days (WITA).
async fn counts_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let days = state.cases.status_lookup_counts(COUNT_DAYS).await?;
    let to = state.clock.today();
    let from = to - chrono::Duration::days(COUNT_DAYS - 1);
    let total = days.iter().fold(
        DayCounts {
            day: to,
            ..DayCounts::default()
        },
        |t, d| DayCounts {
            day: t.day,
            found: t.found + d.found,
            unknown: t.unknown + d.unknown,
            revoked: t.revoked + d.revoked,
            throttled: t.throttled + d.throttled,
        },
    );
    render_status(
        StatusCode::OK,
        &CountsPage {
            ctx,
            days,
            total,
            from,
            to,
        },
    )
}
