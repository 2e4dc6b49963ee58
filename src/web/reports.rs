//! Reports (`/laporan`): the list of the reports a user may read (every version, overdue ones
//! flagged) with the form that opens a new one for the roles that write them; the report page
//! (figures, narrative form while a draft, finalise, new version with a reason); the print view
//! (`/cetak`, A4); and the downloads (`/xlsx`, `/csv?tabel=`), each recorded in the export log.
//! Only a report's id and a table's code are ever in an address.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::{AppState, Ctx, access, filters, flash, render, render_status};
use crate::auth::CurrentUser;
use crate::cases::CaseError;
use crate::cases::reports::figures::Table;
use crate::cases::reports::{Download, ReportLine, ReportView, files};
use crate::domain::action::FieldError;
use crate::domain::report::{
    self, NARRATIVE_FIELDS, NARRATIVE_MAX, Narrative, Period, REASON_MAX, ReportKind,
};
use crate::web::error::AppError;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    access::require(
        Router::new()
            .route("/laporan", get(list).post(create))
            .route("/laporan/unduh", get(export_list))
            .route("/laporan/{id}", get(show).post(save))
            .route("/laporan/{id}/final", post(finalise))
            .route("/laporan/{id}/versi-baru", post(reopen))
            .route("/laporan/{id}/cetak", get(print))
            .route("/laporan/{id}/xlsx", get(xlsx))
            .route("/laporan/{id}/csv", get(csv)),
        access::CASE_ROLES,
    )
}

/// The form that opens a report, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
struct CreateForm {
    #[serde(default)]
    year: String,
    /// The month (1–12) or the quarter (1–4).
    #[serde(default)]
    part: String,
}

#[derive(Template)]
#[template(path = "reports/list.html")]
struct ListPage {
    ctx: Ctx,
    lines: Vec<ReportLine>,
    /// The kind the user writes, if any (then the form is shown).
    writes: Option<ReportKind>,
    form: CreateForm,
    error: Option<FieldError>,
}

impl ListPage {
    /// The choices of the period's part: months or quarters, as (value, label).
    fn parts(&self) -> Vec<(String, String)> {
        match self.writes {
            Some(ReportKind::Monthly) => (1..=12)
                .map(|m| (m.to_string(), report::month_name(m).to_string()))
                .collect(),
            _ => [
                "I (Januari–Maret)",
                "II (April–Juni)",
                "III (Juli–September)",
                "IV (Oktober–Desember)",
            ]
            .iter()
            .enumerate()
            .map(|(i, l)| ((i + 1).to_string(), format!("Triwulan {l}")))
            .collect(),
        }
    }

    fn date(&self, d: &NaiveDate) -> String {
        crate::domain::locale::date(*d)
    }
}

/// The form's defaults: the last period that ended (the one whose report is due next).
fn default_form(kind: Option<ReportKind>, today: NaiveDate) -> CreateForm {
    let last = kind
        .and_then(|k| Period::containing(k, today))
        .and_then(|p| p.previous());
    match last {
        Some(p) => CreateForm {
            year: p.start.year().to_string(),
            part: match p.kind {
                ReportKind::Monthly => p.start.month(),
                ReportKind::Quarterly => (p.start.month() - 1) / 3 + 1,
            }
            .to_string(),
        },
        None => CreateForm::default(),
    }
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let writes = report::written_by(user.role);
    let form = default_form(writes, state.clock.today());
    list_page(&state, ctx, &user, form, None, StatusCode::OK).await
}

/// The list of reports as XLSX or CSV (see [`crate::http::export`]), recorded in the export
/// log.
async fn export_list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let format = super::download_format(q.get("format").map(String::as_str))?;
    Ok(crate::http::export::reports::respond(&state, &user, format).await?)
}

async fn list_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: CreateForm,
    error: Option<FieldError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = ListPage {
        ctx,
        lines: state.cases.reports(user).await?,
        writes: report::written_by(user.role),
        form,
        error,
    };
    render_status(status, &page)
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<CreateForm>,
) -> Result<Response, AppError> {
    match state
        .cases
        .create_report(&user, &form.year, &form.part)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/laporan/{id}")).into_response()),
        Err(CaseError::Invalid(mut errors)) => {
            let error = errors.pop();
            list_page(
                &state,
                ctx,
                &user,
                form,
                error,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The narrative form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
struct NarrativeForm {
    #[serde(default)]
    problems: String,
    #[serde(default)]
    follow_up: String,
    #[serde(default)]
    recommendations: String,
    #[serde(default)]
    revision: String,
}

impl NarrativeForm {
    fn of(n: &Narrative, revision: i32) -> NarrativeForm {
        NarrativeForm {
            problems: n.problems.clone(),
            follow_up: n.follow_up.clone(),
            recommendations: n.recommendations.clone(),
            revision: revision.to_string(),
        }
    }

    /// The revision the form was opened on; a value that is not one matches no revision.
    fn revision(&self) -> i32 {
        self.revision.trim().parse().unwrap_or(0)
    }
}

/// The new-version form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// One narrative field of the form.
struct NarrativeField {
    name: &'static str,
    label: &'static str,
    value: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "reports/show.html")]
struct ReportPage {
    ctx: Ctx,
    view: ReportView,
    tables: Vec<Table>,
    today: NaiveDate,
    form: NarrativeForm,
    errors: Vec<FieldError>,
    /// A refusal to show above the forms (409).
    conflict: Option<String>,
    reason: String,
    reason_error: Option<String>,
    narrative_max: usize,
    reason_max: usize,
}

impl ReportPage {
    /// Whether the draft may be finalised today.
    fn finalisable(&self) -> bool {
        self.view.finalisable(self.today)
    }

    fn fields(&self) -> Vec<NarrativeField> {
        let values = [
            &self.form.problems,
            &self.form.follow_up,
            &self.form.recommendations,
        ];
        NARRATIVE_FIELDS
            .iter()
            .zip(values)
            .map(|((name, label), value)| NarrativeField {
                name,
                label,
                value: value.clone(),
                error: self
                    .errors
                    .iter()
                    .find(|e| e.field == *name)
                    .map(|e| e.message.clone()),
            })
            .collect()
    }
}

/// How the report page is shown: as stored, or with a form as typed and what was wrong.
struct Shown {
    status: StatusCode,
    form: Option<NarrativeForm>,
    errors: Vec<FieldError>,
    conflict: Option<String>,
    reason: String,
    reason_error: Option<String>,
}

impl Shown {
    fn plain() -> Shown {
        Shown {
            status: StatusCode::OK,
            form: None,
            errors: vec![],
            conflict: None,
            reason: String::new(),
            reason_error: None,
        }
    }
}

async fn report_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: Uuid,
    shown: Shown,
) -> Result<Response, AppError> {
    let view = state.cases.report(user, id).await?;
    let form = shown
        .form
        .unwrap_or_else(|| NarrativeForm::of(&view.row.narrative(), view.row.revision));
    let page = ReportPage {
        ctx,
        tables: view.tables().into_iter().skip(1).collect(),
        today: state.clock.today(),
        view,
        form,
        errors: shown.errors,
        conflict: shown.conflict,
        reason: shown.reason,
        reason_error: shown.reason_error,
        narrative_max: NARRATIVE_MAX,
        reason_max: REASON_MAX,
    };
    render_status(shown.status, &page)
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    report_page(&state, ctx, &user, id, Shown::plain()).await
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<NarrativeForm>,
) -> Result<Response, AppError> {
    let saved = match Narrative::parse(&form.problems, &form.follow_up, &form.recommendations) {
        Ok(n) => {
            state
                .cases
                .save_report_narrative(&user, id, form.revision(), &n)
                .await
        }
        Err(errors) => Err(CaseError::Invalid(errors)),
    };
    match saved {
        Ok(()) => {
            flash(&session, "Laporan tersimpan.").await?;
            Ok(Redirect::to(&format!("/laporan/{id}")).into_response())
        }
        Err(CaseError::Invalid(errors)) => {
            let shown = Shown {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                form: Some(form),
                errors,
                ..Shown::plain()
            };
            report_page(&state, ctx, &user, id, shown).await
        }
        Err(e @ CaseError::NotNow(_)) => {
            let shown = Shown {
                status: StatusCode::CONFLICT,
                form: Some(form),
                conflict: Some(e.to_string()),
                ..Shown::plain()
            };
            report_page(&state, ctx, &user, id, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The finalise form: the revision the page showed.
#[derive(Debug, Clone, Default, Deserialize)]
struct FinaliseForm {
    #[serde(default)]
    revision: String,
}

async fn finalise(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<FinaliseForm>,
) -> Result<Response, AppError> {
    let revision = form.revision.trim().parse().unwrap_or(0);
    match state.cases.finalise_report(&user, id, revision).await {
        Ok(()) => {
            flash(
                &session,
                "Laporan difinalkan; angkanya kini tersimpan dan tidak berubah lagi.",
            )
            .await?;
            Ok(Redirect::to(&format!("/laporan/{id}")).into_response())
        }
        Err(e @ CaseError::NotNow(_)) => {
            let shown = Shown {
                status: StatusCode::CONFLICT,
                conflict: Some(e.to_string()),
                ..Shown::plain()
            };
            report_page(&state, ctx, &user, id, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, AppError> {
    match state.cases.reopen_report(&user, id, &form.reason).await {
        Ok(new_id) => {
            flash(
                &session,
                "Versi baru dibuka sebagai draf; versi final sebelumnya tetap tersimpan.",
            )
            .await?;
            Ok(Redirect::to(&format!("/laporan/{new_id}")).into_response())
        }
        Err(CaseError::Invalid(errors)) => {
            let shown = Shown {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                reason: form.reason,
                reason_error: errors.into_iter().next().map(|e| e.message),
                ..Shown::plain()
            };
            report_page(&state, ctx, &user, id, shown).await
        }
        Err(e @ CaseError::NotNow(_)) => {
            let shown = Shown {
                status: StatusCode::CONFLICT,
                reason: form.reason,
                conflict: Some(e.to_string()),
                ..Shown::plain()
            };
            report_page(&state, ctx, &user, id, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "reports/print.html")]
struct PrintPage {
    view: ReportView,
    tables: Vec<Table>,
}

async fn print(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let view = state.cases.report(&user, id).await?;
    let tables: Vec<Table> = view.tables().into_iter().skip(1).collect();
    let rows = tables.iter().map(|t| t.all_rows().count()).sum();
    let download = Download {
        format: "print",
        table: None,
        rows,
    };
    state
        .cases
        .record_report_download(&user, &view, download)
        .await?;
    render(&PrintPage { view, tables })
}

async fn xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let view = state.cases.report(&user, id).await?;
    let tables = view.tables();
    let bytes = files::xlsx(&tables).map_err(anyhow::Error::from)?;
    let rows = tables.iter().map(|t| t.all_rows().count()).sum();
    let download = Download {
        format: "xlsx",
        table: None,
        rows,
    };
    state
        .cases
        .record_report_download(&user, &view, download)
        .await?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{}.xlsx", file_stem(&view)),
        bytes,
    ))
}

/// `?tabel=` of the CSV download.
#[derive(Debug, Deserialize)]
struct TableQuery {
    tabel: Option<String>,
}

async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Query(q): Query<TableQuery>,
) -> Result<Response, AppError> {
    let view = state.cases.report(&user, id).await?;
    let key = q.tabel.unwrap_or_default();
    let Some(table) = view.table(key.trim()) else {
        return Err(AppError::Validation(vec![FieldError {
            field: "tabel",
            message: "Tabel tidak dikenali; pilih salah satu tabel dari daftar unduhan.".into(),
        }]));
    };
    let body = files::csv(&table);
    let download = Download {
        format: "csv",
        table: Some(table.key),
        rows: table.all_rows().count(),
    };
    state
        .cases
        .record_report_download(&user, &view, download)
        .await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &format!("{}-{}.csv", file_stem(&view), table.key),
        body.into_bytes(),
    ))
}

/// `laporan-bulanan-RSUD-WZJ-2026-11-v1`: letters, digits and hyphens only.
fn file_stem(view: &ReportView) -> String {
    let scope = view.row.hospital_code.as_deref().unwrap_or("NTT");
    let raw = format!(
        "laporan-{}-{}-{}-v{}",
        view.kind.as_str(),
        scope,
        view.period.code(),
        view.row.version
    );
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A file to save, never cached.
fn attachment(content_type: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        bytes,
    )
        .into_response()
}
