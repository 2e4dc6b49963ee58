//! The retention period (`/admin/retensi`): how long after a case closes the patient's
//! personal data and documents are kept before the daily sweep removes them.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::cases::retention::{RetentionStatus, parse_period};
use crate::domain::action::FieldError;
use crate::web::error::AppError;
use crate::web::{AppState, Ctx, flash, render, render_status};

#[derive(Template)]
#[template(path = "admin/retention.html")]
struct RetentionPage {
    ctx: Ctx,
    status: RetentionStatus,
    form: PeriodForm,
    errors: Vec<FieldError>,
}

impl RetentionPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// The period as typed.
#[derive(Default, Deserialize)]
pub(super) struct PeriodForm {
    #[serde(default)]
    years: String,
    #[serde(default)]
    months: String,
}

impl PeriodForm {
    fn of(months: i32) -> PeriodForm {
        PeriodForm {
            years: (months / 12).to_string(),
            months: (months % 12).to_string(),
        }
    }
}

pub(super) async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
) -> Result<Response, AppError> {
    let status = state.cases.retention_status(&me).await?;
    render(&RetentionPage {
        ctx,
        form: PeriodForm::of(status.months),
        status,
        errors: vec![],
    })
}

pub(super) async fn save(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    me: CurrentUser,
    Form(form): Form<PeriodForm>,
) -> Result<Response, AppError> {
    let months = match parse_period(&form.years, &form.months) {
        Ok(months) => months,
        Err(errors) => {
            let status = state.cases.retention_status(&me).await?;
            let page = RetentionPage {
                ctx,
                status,
                form,
                errors,
            };
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    state.cases.set_retention(&me, months).await?;
    flash(
        &session,
        format!(
            "Masa retensi disimpan: {} tahun {} bulan setelah kasus ditutup.",
            months / 12,
            months % 12
        ),
    )
    .await?;
    Ok(Redirect::to("/admin/retensi").into_response())
}
