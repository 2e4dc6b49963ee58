//! The daftar nominatif pages (`/nominatif`): the batches, building one (Dinkes prov), a
//! batch with its beneficiaries and, while it is a draft, forms to add and remove cases,
//! record the Governor's decree or cancel; the XLSX export and the printable decree annex.
//! Every rule is in [`crate::cases::nominatif`]; a refused form is shown again with what was
//! typed and each field's message.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use tower_sessions::Session;
use uuid::Uuid;

use super::error::AppError;
use super::{AppState, Ctx, access, filters, flash, forms, render_status};
use crate::auth::CurrentUser;
use crate::cases::nominatif::{BatchDetail, BatchView, Reading};
use crate::cases::{CaseError, Visibility};
use crate::domain::action::FieldError;
use crate::domain::nominatif::{Basis, parse_request};
use crate::domain::{Payer, locale};
use crate::http::xlsx::xlsx_response;

/// The routes: reading for the readers, changing for the builders, exports for the exporters
/// (each list in [`crate::access`]).
pub fn router() -> Router<AppState> {
    let read = access::require(
        Router::new()
            .route("/nominatif", get(list))
            .route("/nominatif/unduh", get(export_list))
            .route("/nominatif/{id}", get(show)),
        access::NOMINATIF_READERS,
    );
    let build = access::require(
        Router::new()
            .route("/nominatif/baru", post(build))
            .route("/nominatif/{id}/tambah", post(add))
            .route("/nominatif/{id}/keluarkan", post(remove))
            .route("/nominatif/{id}/keputusan", post(decree))
            .route("/nominatif/{id}/batal", post(cancel)),
        access::NOMINATIF_BUILDERS,
    );
    let export = access::require(
        Router::new()
            .route("/nominatif/{id}/xlsx", get(xlsx))
            .route("/nominatif/{id}/cetak", get(print)),
        access::NOMINATIF_EXPORTERS,
    );
    read.merge(build).merge(export)
}

/// The message of `field` among `errors`.
fn error_of<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// The build form as typed.
#[derive(Debug, Default, serde::Deserialize)]
struct BuildForm {
    #[serde(default)]
    basis: String,
    #[serde(default)]
    payer: String,
    #[serde(default)]
    period_start: String,
    #[serde(default)]
    period_end: String,
}

#[derive(Template)]
#[template(path = "nominatif/list.html")]
struct ListPage {
    ctx: Ctx,
    batches: Vec<BatchView>,
    can_build: bool,
    form: BuildForm,
    errors: Vec<FieldError>,
    bases: &'static [(&'static str, &'static str)],
    payers: &'static [(&'static str, &'static str)],
}

impl ListPage {
    fn err(&self, field: &str) -> Option<&str> {
        error_of(&self.errors, field)
    }
}

async fn list_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: BuildForm,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ListPage {
        ctx,
        batches: state.cases.nominatif_list(user).await?,
        can_build: access::NOMINATIF_BUILDERS.contains(&user.role),
        form,
        errors,
        bases: Basis::OPTIONS,
        payers: Payer::OPTIONS,
    };
    render_status(status, &page)
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    list_page(&state, ctx, &user, BuildForm::default(), vec![]).await
}

/// The list of batches as XLSX or CSV (see [`crate::http::export`]), recorded in the export
/// log.
async fn export_list(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let format = super::download_format(q.get("format").map(String::as_str))?;
    Ok(crate::http::export::nominatif::respond(&state, &user, format).await?)
}

async fn build(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<BuildForm>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let request = match parse_request(
        &form.basis,
        &form.payer,
        &form.period_start,
        &form.period_end,
        today,
    ) {
        Ok(r) => r,
        Err(errors) => return list_page(&state, ctx, &user, form, errors).await,
    };
    match state.cases.build_batch(&user, &request).await {
        Ok(id) => {
            flash(&session, "Daftar nominatif dibuat (draf).").await?;
            Ok(Redirect::to(&format!("/nominatif/{id}")).into_response())
        }
        Err(CaseError::Invalid(errors)) => list_page(&state, ctx, &user, form, errors).await,
        Err(e) => Err(e.into()),
    }
}

/// The forms of a draft batch page as typed.
#[derive(Debug, Default)]
struct DraftForms {
    decree_number: String,
    decree_date: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "nominatif/show.html")]
struct BatchPage {
    ctx: Ctx,
    d: BatchDetail,
    vis: Visibility,
    can_build: bool,
    can_export: bool,
    forms: DraftForms,
    errors: Vec<FieldError>,
    /// A refusal to show at the top.
    problem: Option<String>,
    today: NaiveDate,
}

impl BatchPage {
    fn err(&self, field: &str) -> Option<&str> {
        error_of(&self.errors, field)
    }
    fn date(&self, d: &NaiveDate) -> String {
        locale::date(*d)
    }
}

/// How the batch page is shown: fresh, or after a refused form.
struct Shown {
    status: StatusCode,
    forms: DraftForms,
    errors: Vec<FieldError>,
    problem: Option<String>,
}

impl Shown {
    fn fresh() -> Shown {
        Shown {
            status: StatusCode::OK,
            forms: DraftForms::default(),
            errors: vec![],
            problem: None,
        }
    }
}

/// The batch page as `shown`.
async fn batch_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: Uuid,
    shown: Shown,
) -> Result<Response, AppError> {
    let d = state
        .cases
        .nominatif_detail(user, id, Reading::Page)
        .await?;
    let page = BatchPage {
        ctx,
        d,
        vis: Visibility::of(user.role),
        can_build: access::NOMINATIF_BUILDERS.contains(&user.role),
        can_export: access::NOMINATIF_EXPORTERS.contains(&user.role),
        forms: shown.forms,
        errors: shown.errors,
        problem: shown.problem,
        today: state.clock.today(),
    };
    render_status(shown.status, &page)
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    batch_page(&state, ctx, &user, id, Shown::fresh()).await
}

/// What every change of a batch needs: the batch (`/nominatif/{id}/…`), who asks, and what
/// to answer with.
struct Change {
    state: AppState,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    id: Uuid,
}

impl FromRequestParts<AppState> for Change {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let user = CurrentUser::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Path(id) = Path::<Uuid>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Change {
            state: state.clone(),
            session,
            ctx,
            user,
            id,
        })
    }
}

impl Change {
    /// Back to the batch with `message`, or the page again with the refusal and what was typed.
    async fn answer(
        self,
        outcome: Result<String, CaseError>,
        forms: DraftForms,
    ) -> Result<Response, AppError> {
        let shown = match outcome {
            Ok(message) => {
                flash(&self.session, message).await?;
                return Ok(Redirect::to(&format!("/nominatif/{}", self.id)).into_response());
            }
            Err(CaseError::Invalid(errors)) => Shown {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                forms,
                errors,
                problem: None,
            },
            Err(e @ CaseError::Conflict(_)) => Shown {
                status: StatusCode::CONFLICT,
                forms,
                errors: vec![],
                problem: Some(e.to_string()),
            },
            Err(e) => return Err(e.into()),
        };
        batch_page(&self.state, self.ctx, &self.user, self.id, shown).await
    }
}

async fn add(
    change: Change,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut ids = vec![];
    for (k, v) in &pairs {
        if k == "case_id" {
            ids.push(
                v.parse::<Uuid>()
                    .map_err(|_| AppError::BadRequest("Pilihan kasus tidak dikenali.".into()))?,
            );
        }
    }
    let outcome = change
        .state
        .cases
        .add_to_batch(&change.user, change.id, &ids)
        .await
        .map(|n| format!("{n} kasus ditambahkan ke daftar."));
    change.answer(outcome, DraftForms::default()).await
}

async fn remove(
    change: Change,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let values = forms::to_map(pairs);
    let case_id = values
        .get("case_id")
        .and_then(|v| v.parse::<Uuid>().ok())
        .ok_or_else(|| AppError::BadRequest("Kasus yang dikeluarkan tidak dikenali.".into()))?;
    let outcome = change
        .state
        .cases
        .remove_from_batch(&change.user, change.id, case_id)
        .await
        .map(|()| "Kasus dikeluarkan dari daftar.".to_string());
    change.answer(outcome, DraftForms::default()).await
}

async fn decree(
    change: Change,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let values = forms::to_map(pairs);
    let value = |k: &str| values.get(k).cloned().unwrap_or_default();
    let forms = DraftForms {
        decree_number: value("decree_number"),
        decree_date: value("decree_date"),
        ..Default::default()
    };
    let outcome = change
        .state
        .cases
        .record_decree(
            &change.user,
            change.id,
            &forms.decree_number,
            &forms.decree_date,
        )
        .await
        .map(|()| "Keputusan Gubernur dicatat; daftar ditetapkan dan ditutup.".to_string());
    change.answer(outcome, forms).await
}

async fn cancel(
    change: Change,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let values = forms::to_map(pairs);
    let forms = DraftForms {
        reason: values.get("reason").cloned().unwrap_or_default(),
        ..Default::default()
    };
    let outcome = change
        .state
        .cases
        .cancel_batch(&change.user, change.id, &forms.reason)
        .await
        .map(|()| "Daftar nominatif dibatalkan; kasusnya dapat masuk daftar lain.".to_string());
    change.answer(outcome, forms).await
}

async fn xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let export = state.cases.nominatif_xlsx(&user, id).await?;
    Ok(xlsx_response(export.file, &export.filename))
}

#[derive(Template)]
#[template(path = "nominatif/print.html")]
struct PrintPage {
    d: BatchDetail,
}

impl PrintPage {
    fn date(&self, d: &NaiveDate) -> String {
        locale::date(*d)
    }
}

async fn print(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let d = state
        .cases
        .nominatif_detail(&user, id, Reading::Print)
        .await?;
    render_status(StatusCode::OK, &PrintPage { d })
}
