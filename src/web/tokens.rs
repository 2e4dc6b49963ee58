//! Personal API tokens: create (shown once, with an expiry date of at most a year), list (with
//! the expiry and the last use), revoke. Creating and revoking are audited.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Days, Months, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::{AppState, Ctx, access, filters, flash, render, render_status};
use crate::auth::{self, CurrentUser};
use crate::db::{self, tokens::TokenRow};
use crate::domain::text::{control_char_problem, length_problem};
use crate::domain::{date, locale, sla};
use crate::web::error::AppError;

/// Days a new token lasts unless the user chooses otherwise.
pub const DEFAULT_DAYS: u64 = 90;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    access::require(
        Router::new()
            .route("/token-api", get(list).post(create))
            .route("/token-api/{id}/cabut", post(revoke)),
        access::CASE_ROLES,
    )
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    ctx: Ctx,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    /// The form as shown: empty with the default expiry, or as typed after a refusal.
    name: String,
    expires_on: String,
    name_error: Option<String>,
    expires_error: Option<String>,
    /// Today and the latest expiry date, for the date input's bounds (`YYYY-MM-DD`).
    today: NaiveDate,
    latest: NaiveDate,
    now: DateTime<Utc>,
}

impl TokensPage {
    fn status_of(&self, t: &TokenRow) -> &'static str {
        if t.revoked_at.is_some() {
            "Dicabut"
        } else if t.expires_at <= self.now {
            "Kedaluwarsa"
        } else {
            "Aktif"
        }
    }
}

/// The latest expiry date a token made on `today` may have: a year ahead, less a day (the
/// token ends at the end of its last day, WITA).
pub fn latest_expiry(today: NaiveDate) -> NaiveDate {
    today
        .checked_add_months(Months::new(12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(today)
}

/// The instant a token valid through `last_day` (WITA) expires: the start of the next day.
pub fn expiry_instant(last_day: NaiveDate) -> DateTime<Utc> {
    let next = last_day.checked_add_days(Days::new(1)).unwrap_or(last_day);
    sla::wita_instant(next, NaiveTime::MIN)
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: Option<(CreateForm, FormErrors)>,
    new_token: Option<String>,
) -> Result<TokensPage, AppError> {
    let tokens = db::tokens::list_for_user(&state.pool, user.id).await?;
    let now = state.clock.now();
    let today = sla::local_date(now);
    let (form, errors) = form.unwrap_or_else(|| {
        let default = today
            .checked_add_days(Days::new(DEFAULT_DAYS))
            .unwrap_or(today);
        let form = CreateForm {
            name: String::new(),
            expires_on: default.to_string(),
        };
        (form, FormErrors::default())
    });
    Ok(TokensPage {
        ctx,
        tokens,
        new_token,
        name: form.name,
        expires_on: form.expires_on,
        name_error: errors.name,
        expires_error: errors.expires_on,
        today,
        latest: latest_expiry(today),
        now,
    })
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    render(&page(&state, ctx, &user, None, None).await?)
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_on: String,
}

/// A message per field at fault.
#[derive(Debug, Default)]
struct FormErrors {
    name: Option<String>,
    expires_on: Option<String>,
}

impl CreateForm {
    /// The token's name and last valid day, or a message for every field at fault.
    fn parse(&self, today: NaiveDate) -> Result<(String, NaiveDate), FormErrors> {
        let name = self.name.trim();
        let name_error = if name.is_empty() {
            Some(format!(
                "Nama token wajib diisi (maksimal {} karakter), mis. \"SIMRS\".",
                auth::MAX_TOKEN_NAME_LEN
            ))
        } else {
            length_problem("Nama token", name, auth::MAX_TOKEN_NAME_LEN)
                .or_else(|| control_char_problem("Nama token", name))
        };
        let expires = expiry_problem(&self.expires_on, today);
        match (name_error, expires) {
            (None, Ok(day)) => Ok((name.to_string(), day)),
            (name, expires) => Err(FormErrors {
                name,
                expires_on: expires.err(),
            }),
        }
    }
}

/// The last valid day typed into "Berlaku sampai", or what is wrong with it: required, a date,
/// not before today, at most a year ahead.
fn expiry_problem(value: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let latest = latest_expiry(today);
    if value.trim().is_empty() {
        return Err(format!(
            "Berlaku sampai wajib diisi: tanggal terakhir token dapat dipakai, paling lambat {}.",
            locale::date(latest)
        ));
    }
    if let Some(problem) = control_char_problem("Berlaku sampai", value) {
        return Err(problem);
    }
    let Some(day) = date::parse(value) else {
        return Err("Berlaku sampai harus berupa tanggal yang valid (TTTT-BB-HH).".into());
    };
    if day < today {
        return Err(format!(
            "Berlaku sampai tidak boleh sebelum hari ini ({}).",
            locale::date(today)
        ));
    }
    if day > latest {
        return Err(format!(
            "Berlaku sampai paling lambat {}: token berlaku paling lama satu tahun.",
            locale::date(latest)
        ));
    }
    Ok(day)
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<CreateForm>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let (name, last_day) = match form.parse(sla::local_date(now)) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let page = page(&state, ctx, &user, Some((form, errors)), None).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let (token, hash) = auth::generate_token();
    let expires_at = expiry_instant(last_day);
    let mut tx = state.pool.begin().await?;
    let id = db::tokens::insert(&mut *tx, user.id, &name, &hash, now, expires_at).await?;
    let target = id.to_string();
    let details = serde_json::json!({"expires_on": last_day.to_string()});
    db::audit::record(
        &mut *tx,
        Some(user.id),
        "api_token.create",
        Some(&target),
        details,
    )
    .await?;
    tx.commit().await?;
    render(&page(&state, ctx, &user, None, Some(token)).await?)
}

async fn revoke(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let mut tx = state.pool.begin().await?;
    if !db::tokens::revoke(&mut *tx, user.id, id, state.clock.now()).await? {
        return Err(AppError::NotFound);
    }
    let target = id.to_string();
    let details = serde_json::json!({});
    db::audit::record(
        &mut *tx,
        Some(user.id),
        "api_token.revoke",
        Some(&target),
        details,
    )
    .await?;
    tx.commit().await?;
    flash(
        &session,
        "Token dicabut; token itu tidak dapat dipakai lagi.",
    )
    .await?;
    Ok(Redirect::to("/token-api").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("valid date")
    }

    #[test]
    fn a_token_lasts_at_most_a_year_and_ends_at_midnight_wita() {
        assert_eq!(latest_expiry(d("2026-12-05")), d("2027-12-04"));
        // Leap day: a year after 29 February is 28 February, less a day.
        assert_eq!(latest_expiry(d("2028-02-29")), d("2029-02-27"));
        // Valid through 4 December 2027 WITA: expires at 5 December 00:00 WITA (16:00 UTC).
        assert_eq!(
            expiry_instant(d("2027-12-04")).to_rfc3339(),
            "2027-12-04T16:00:00+00:00"
        );
    }

    #[test]
    fn the_expiry_date_is_checked_with_a_message_naming_the_field() {
        let today = d("2026-12-05");
        assert_eq!(expiry_problem("2027-03-05", today), Ok(d("2027-03-05")));
        assert_eq!(expiry_problem("2026-12-05", today), Ok(today));
        assert_eq!(expiry_problem("2027-12-04", today), Ok(d("2027-12-04")));
        for (value, start) in [
            ("", "Berlaku sampai wajib diisi"),
            ("kemarin", "Berlaku sampai harus berupa tanggal"),
            ("-9999-01-01", "Berlaku sampai tidak boleh sebelum hari ini"),
            ("99999-01-01", "Berlaku sampai"),
            (
                "2026-12-04",
                "Berlaku sampai tidak boleh sebelum hari ini (05-12-2026)",
            ),
            ("2027-12-05", "Berlaku sampai paling lambat 04-12-2027"),
            ("2026-12-05\0", "Berlaku sampai"),
        ] {
            let problem = expiry_problem(value, today).expect_err(value);
            assert!(problem.starts_with(start), "{value:?}: {problem}");
        }
    }
}
