//! Where patients wait (`/hambatan`): per desk × kab/kota of the caller's scope, cases at the
//! desk now, overdue cases, median and 90th-percentile working days at the desk over a period;
//! each row opens the cases behind it. Period and desk are in the address (no personal data).

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, Duration, NaiveDate};

use super::{AppState, Ctx, access, render_status};
use crate::auth::CurrentUser;
use crate::cases::CaseError;
use crate::cases::bottleneck::{Bottlenecks, CaseLine};
use crate::domain::{CaseState, date, locale};
use crate::web::error::AppError;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    access::require(
        Router::new().route("/hambatan", get(page)),
        access::CASE_ROLES,
    )
}

/// Default period: the last 90 days.
const DEFAULT_DAYS: i64 = 90;

#[derive(Template)]
#[template(path = "bottleneck.html")]
struct BottleneckPage {
    ctx: Ctx,
    from: String,
    to: String,
    error: Option<String>,
    figures: Option<Bottlenecks>,
    /// The desk × kab/kota opened, with its cases.
    opened: Option<(String, String, Vec<CaseLine>)>,
}

impl BottleneckPage {
    fn days(&self, value: &f64) -> String {
        locale::decimal(*value)
    }
    fn date(&self, d: &NaiveDate) -> String {
        locale::date(*d)
    }
}

/// The period asked for, or the field error.
fn period(q: &HashMap<String, String>, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), String> {
    let date = |name: &str, default: NaiveDate| match q.get(name).map(|s| s.trim()) {
        None | Some("") => Ok(default),
        Some(s) => s
            .parse::<NaiveDate>()
            .ok()
            .filter(|d| (date::MIN_YEAR..=date::MAX_YEAR).contains(&d.year()))
            .ok_or_else(|| {
                format!(
                    "Tanggal \"{name}\" tidak dikenali; gunakan format TTTT-BB-HH, tahun {}–{}.",
                    date::MIN_YEAR,
                    date::MAX_YEAR
                )
            }),
    };
    Ok((
        date("dari", today - Duration::days(DEFAULT_DAYS))?,
        date("sampai", today)?,
    ))
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let (from, to) = match period(&q, today) {
        Ok(p) => p,
        Err(error) => return refused(ctx, &q, error),
    };
    let figures = match state.cases.bottlenecks(&user, from, to).await {
        Ok(f) => f,
        Err(CaseError::Invalid(e)) => {
            let message = e
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" ");
            return refused(ctx, &q, message);
        }
        Err(e) => return Err(e.into()),
    };
    let desk = q.get("meja").and_then(|s| s.parse::<CaseState>().ok());
    let opened = match (desk, q.get("kab")) {
        (Some(desk), Some(kab)) => {
            let cases = state
                .cases
                .bottleneck_cases(&user, from, to, desk, kab)
                .await?;
            Some((desk.label().to_string(), kab.clone(), cases))
        }
        _ => None,
    };
    let page = BottleneckPage {
        ctx,
        from: from.to_string(),
        to: to.to_string(),
        error: None,
        figures: Some(figures),
        opened,
    };
    render_status(StatusCode::OK, &page)
}

/// The page again with the period as typed and what is wrong with it.
fn refused(ctx: Ctx, q: &HashMap<String, String>, error: String) -> Result<Response, AppError> {
    let page = BottleneckPage {
        ctx,
        from: q.get("dari").cloned().unwrap_or_default(),
        to: q.get("sampai").cloned().unwrap_or_default(),
        error: Some(error),
        figures: None,
        opened: None,
    };
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
