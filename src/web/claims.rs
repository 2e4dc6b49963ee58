//! The claim pages: the list (`/klaim`, filters by status, hospital, kab/kota of origin and
//! period of care, within the role's scope, NIK masked), the realised financing of a period
//! (`/klaim/realisasi`), the claim form of a guaranteed case (`/klaim/baru?kasus=<case id>`:
//! only the case id in the address), the claim page with the forms of the steps the user may
//! take (`/klaim/{id}`), and the claim document (`/klaim/{id}/berkas`, logged).
//!
//! The filters hold no personal data (codes, dates, ids), so they travel in the query string
//! and a filtered list can be bookmarked; a refused filter value is named above the list.

use std::collections::HashMap;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{Datelike, NaiveDate};
use tower_sessions::Session;
use uuid::Uuid;

use super::cases::version_field;
use super::error::AppError;
use super::forms::{self, FormField, read_multipart_form};
use super::{AppState, Ctx, access, filters, flash, render_status};
use crate::auth::CurrentUser;
use crate::cases::claims::{
    ClaimCursor, ClaimDetail, ClaimFile, ClaimFilter, ClaimStepView, ClaimView, Realised,
};
use crate::cases::{CaseError, CaseService};
use crate::db;
use crate::db::cases::CaseRow;
use crate::db::reference::{Hospital, KabKota};
use crate::domain::action::FieldError;
use crate::domain::claim::CLAIM_FIELDS;
use crate::domain::{ClaimAction, ClaimStatus, Role, date, locale};
use crate::http::multipart::{MultipartForm, MultipartProblem};
use crate::http::{export, file_response};

/// Claims per list page.
const PAGE: i64 = 50;

/// The claim routes: the hospital's (submit, resubmit) and those of every claim role.
pub fn router(state: &AppState) -> Router<AppState> {
    let max = state.settings.max_upload_mb * 1024 * 1024;
    let limit = DefaultBodyLimit::max(max + 64 * 1024);
    let rsud = access::require(
        Router::new()
            .route("/klaim/baru", get(new_page).post(create).layer(limit))
            .route("/klaim/{id}/ajukan-ulang", post(resubmit).layer(limit)),
        access::RSUD,
    );
    let all = access::require(
        Router::new()
            .route("/klaim", get(list))
            .route("/klaim/unduh", get(export_list))
            .route("/klaim/realisasi", get(realised))
            .route("/klaim/{id}", get(show))
            .route("/klaim/{id}/tindakan/{action}", post(act))
            .route("/klaim/{id}/berkas", get(download)),
        access::CLAIM_ROLES,
    );
    rsud.merge(all)
}

// ---------------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------------

/// The list's filters as typed (kept to re-render the form).
#[derive(Debug, Default, Clone)]
struct FilterForm {
    status: String,
    rs: String,
    kab: String,
    dari: String,
    sampai: String,
}

impl FilterForm {
    fn from_query(q: &HashMap<String, String>) -> FilterForm {
        let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
        FilterForm {
            status: get("status"),
            rs: get("rs"),
            kab: get("kab"),
            dari: get("dari"),
            sampai: get("sampai"),
        }
    }

    /// The query string of these filters (for the next page's link).
    fn query(&self) -> String {
        let pairs = [
            ("status", &self.status),
            ("rs", &self.rs),
            ("kab", &self.kab),
            ("dari", &self.dari),
            ("sampai", &self.sampai),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencoding(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes a query value (codes, dates and ids only reach here; anything else is
/// encoded byte by byte).
fn urlencoding(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Parses the filters against the reference data; each refusal names its field.
fn parse_filters(
    f: &FilterForm,
    today: NaiveDate,
    hospitals: &[Hospital],
    kab_kota: &[KabKota],
) -> (ClaimFilter, Vec<FieldError>) {
    let mut errors = vec![];
    let mut filter = ClaimFilter {
        limit: PAGE + 1,
        ..Default::default()
    };
    if !f.status.is_empty() {
        match f.status.parse::<ClaimStatus>() {
            Ok(s) => filter.status = Some(s),
            Err(_) => errors.push(FieldError {
                field: "status",
                message: "Status: pilihan tidak dikenal.".into(),
            }),
        }
    }
    if !f.rs.is_empty() {
        match f
            .rs
            .parse::<Uuid>()
            .ok()
            .filter(|id| hospitals.iter().any(|h| h.id == *id))
        {
            Some(id) => filter.hospital_id = Some(id),
            None => errors.push(FieldError {
                field: "rs",
                message: "Rumah sakit: pilihan tidak dikenal.".into(),
            }),
        }
    }
    if !f.kab.is_empty() {
        if kab_kota.iter().any(|k| k.code == f.kab) {
            filter.kab_kota_code = Some(f.kab.clone());
        } else {
            errors.push(FieldError {
                field: "kab",
                message: "Kab/kota asal: pilihan tidak dikenal.".into(),
            });
        }
    }
    for (field, label, value, slot) in [
        ("dari", "Perawatan sejak", &f.dari, &mut filter.from),
        ("sampai", "Perawatan sampai", &f.sampai, &mut filter.to),
    ] {
        if value.is_empty() {
            continue;
        }
        match date::check(label, value, today, date::DateRange::ANY) {
            Ok(d) => *slot = Some(d),
            Err(message) => errors.push(FieldError { field, message }),
        }
    }
    (filter, errors)
}

#[derive(Template)]
#[template(path = "claims/list.html")]
struct ListPage {
    ctx: Ctx,
    form: FilterForm,
    errors: Vec<FieldError>,
    statuses: &'static [(&'static str, &'static str)],
    hospitals: Vec<Hospital>,
    kab_kota: Vec<KabKota>,
    show_hospital_filter: bool,
    show_kab_filter: bool,
    rows: Vec<ClaimView>,
    next_page: Option<String>,
    /// The query of the downloads (these filters), without `format`.
    download_query: String,
}

impl ListPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let form = FilterForm::from_query(&q);
    let hospitals = db::reference::list_hospitals(&state.pool).await?;
    let kab_kota = db::reference::list_kab_kota(&state.pool).await?;
    let (mut filter, errors) = parse_filters(&form, state.clock.today(), &hospitals, &kab_kota);
    let cursor = q.get("cursor").filter(|c| !c.is_empty());
    filter.cursor = cursor.and_then(|c| ClaimCursor::decode(c));
    let rows = if errors.is_empty() {
        state.cases.claims(&user, &filter).await?
    } else {
        vec![]
    };
    let has_more = rows.len() as i64 > PAGE;
    let rows = &rows[..rows.len().min(PAGE as usize)];
    let next_page = has_more.then(|| rows.last()).flatten().map(|c| {
        let query = form.query();
        let sep = if query.is_empty() { "" } else { "&" };
        format!(
            "/klaim?{query}{sep}cursor={}",
            ClaimCursor::after(c).encode()
        )
    });
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let download_query = match form.query() {
        q if q.is_empty() => q,
        q => format!("&{q}"),
    };
    let page = ListPage {
        ctx,
        rows: rows
            .iter()
            .map(|c| CaseService::claim_view(&user, c))
            .collect(),
        form,
        errors,
        statuses: ClaimStatus::OPTIONS,
        show_hospital_filter: user.role != Role::Rsud,
        show_kab_filter: user.role != Role::DinkesKab,
        hospitals,
        kab_kota,
        next_page,
        download_query,
    };
    render_status(status, &page)
}

/// The whole list with the page's filters, in the user's scope, NIK masked, as XLSX or CSV
/// (see [`crate::http::export`]); a refused filter is a 422 naming it, not logged.
async fn export_list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let format = super::download_format(q.get("format").map(String::as_str))?;
    let form = FilterForm::from_query(&q);
    let hospitals = db::reference::list_hospitals(&state.pool).await?;
    let kab_kota = db::reference::list_kab_kota(&state.pool).await?;
    let (filter, errors) = parse_filters(&form, state.clock.today(), &hospitals, &kab_kota);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(export::claims::respond(&state, &user, &filter, format).await?)
}

// ---------------------------------------------------------------------------------------------
// Realised financing
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "claims/realised.html")]
struct RealisedPage {
    ctx: Ctx,
    dari: String,
    sampai: String,
    error: Option<String>,
    r: Option<Realised>,
}

async fn realised(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let (dari, sampai) = (get("dari"), get("sampai"));
    let day = |label: &str, v: &str, default: NaiveDate| {
        if v.is_empty() {
            Ok(default)
        } else {
            date::check(label, v, today, date::DateRange::ANY)
        }
    };
    let period = day("Dibayar sejak", &dari, today.with_day(1).unwrap_or(today))
        .and_then(|from| Ok((from, day("Dibayar sampai", &sampai, today)?)));
    let (r, error) = match period {
        Err(message) => (None, Some(message)),
        Ok((from, to)) => match state.cases.realised(&user, from, to, None, None).await {
            Ok(r) => (Some(r), None),
            Err(CaseError::Invalid(errors)) => (None, errors.into_iter().next().map(|e| e.message)),
            Err(e) => return Err(e.into()),
        },
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (dari, sampai) = match &r {
        Some(r) => (r.from.to_string(), r.to.to_string()),
        None => (dari, sampai),
    };
    render_status(
        status,
        &RealisedPage {
            ctx,
            dari,
            sampai,
            error,
            r,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The claim form
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "claims/form.html")]
struct FormPage {
    ctx: Ctx,
    case: CaseRow,
    fields: Vec<FormField>,
    /// Errors that belong to no field (the file, a refusal).
    errors: Vec<String>,
    file_error: Option<String>,
    max_upload_mb: usize,
    existing: Vec<ClaimView>,
}

impl FormPage {
    fn guarantee_period(&self) -> String {
        let start = self
            .case
            .guarantee_start
            .map(locale::date)
            .unwrap_or_default();
        match self.case.guarantee_end {
            Some(end) => format!("{start} s.d. {}", locale::date(end)),
            None => format!("{start} s.d. terbitnya kepesertaan JKN"),
        }
    }
    fn ceiling(&self) -> Option<String> {
        self.case
            .guarantee_ceiling
            .map(crate::domain::money::format_rupiah)
    }
}

/// The case id of `/klaim/baru?kasus=<id>`.
fn case_param(q: &HashMap<String, String>) -> Result<Uuid, AppError> {
    q.get("kasus")
        .and_then(|v| v.trim().parse().ok())
        .ok_or(AppError::NotFound)
}

/// A claim form as last submitted: what was typed, the field errors, a refusal.
#[derive(Default)]
struct Attempt<'a> {
    values: Option<&'a HashMap<String, String>>,
    errors: Vec<FieldError>,
    problem: Option<String>,
}

async fn form_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    case_id: Uuid,
    status: StatusCode,
    attempt: Attempt<'_>,
) -> Result<Response, AppError> {
    let empty = HashMap::new();
    let (values, errors, problem) = (
        attempt.values.unwrap_or(&empty),
        attempt.errors.as_slice(),
        attempt.problem,
    );
    let case = state.cases.claimable_case(user, case_id).await?;
    let existing = state.cases.claims_of_case(user, case_id).await?;
    let mut other = forms::other_errors(CLAIM_FIELDS, errors);
    let file_error = errors
        .iter()
        .find(|e| e.field == "file")
        .map(|e| e.message.clone());
    other.retain(|m| Some(m) != file_error.as_ref());
    other.extend(problem);
    let page = FormPage {
        ctx,
        case,
        fields: forms::fields("claim", CLAIM_FIELDS, values, errors),
        errors: other,
        file_error,
        max_upload_mb: state.settings.max_upload_mb,
        existing,
    };
    render_status(status, &page)
}

async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let case_id = case_param(&q)?;
    form_page(
        &state,
        ctx,
        &user,
        case_id,
        StatusCode::OK,
        Attempt::default(),
    )
    .await
}

/// The claim document of a multipart form, or the field error why it cannot be read.
fn claim_file<'a>(
    state: &AppState,
    form: &'a MultipartForm,
) -> Result<Option<ClaimFile<'a>>, FieldError> {
    if form.problem == Some(MultipartProblem::TooLarge) {
        return Err(FieldError {
            field: "file",
            message: format!(
                "Berkas terlalu besar; maksimal {} MB.",
                state.settings.max_upload_mb
            ),
        });
    }
    Ok(form
        .files
        .iter()
        .find(|(n, _, _)| n == "file")
        .map(|(_, bytes, name)| ClaimFile {
            bytes,
            original_name: name.as_deref(),
        }))
}

/// The status and what to show for a refused claim form: field errors (422) or a refusal at
/// the top (409); anything else is an error page.
fn refused(e: CaseError) -> Result<(StatusCode, Vec<FieldError>, Option<String>), AppError> {
    match e {
        CaseError::Invalid(errors) => Ok((StatusCode::UNPROCESSABLE_ENTITY, errors, None)),
        e @ (CaseError::ClaimStale { .. } | CaseError::NotNow(_)) => {
            Ok((StatusCode::CONFLICT, vec![], Some(e.to_string())))
        }
        other => Err(other.into()),
    }
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let form = read_multipart_form(mp).await?;
    let case_id = case_param(&form.values)?;
    let outcome = match claim_file(&state, &form) {
        Err(e) => Err(CaseError::Invalid(vec![e])),
        Ok(file) => {
            state
                .cases
                .submit_claim(&user, case_id, &form.values, file.as_ref())
                .await
        }
    };
    match outcome {
        Ok(id) => {
            flash(&session, "Klaim tersimpan dan diajukan ke Dinkes Provinsi.").await?;
            Ok(Redirect::to(&format!("/klaim/{id}")).into_response())
        }
        Err(e) => {
            let (status, errors, problem) = refused(e)?;
            let attempt = Attempt {
                values: Some(&form.values),
                errors,
                problem,
            };
            form_page(&state, ctx, &user, case_id, status, attempt).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The claim page
// ---------------------------------------------------------------------------------------------

/// One step form on the claim page.
struct StepForm {
    action: &'static str,
    label: &'static str,
    fields: Vec<FormField>,
    errors: Vec<String>,
    danger: bool,
    /// Resubmission: a multipart form with the claim document.
    multipart: bool,
}

#[derive(Template)]
#[template(path = "claims/show.html")]
struct ClaimPage {
    ctx: Ctx,
    d: ClaimDetail,
    forms: Vec<StepForm>,
    problem: Option<String>,
    max_upload_mb: usize,
}

impl ClaimPage {
    fn v(&self) -> &ClaimView {
        &self.d.view
    }
    /// What a step recorded, as (label, value) pairs.
    fn detail(&self, s: &ClaimStepView) -> Vec<(&'static str, String)> {
        let Some(obj) = s.detail.as_object() else {
            return vec![];
        };
        let text = |key: &str| obj.get(key).filter(|v| !v.is_null());
        let date = |key: &str| {
            text(key)
                .and_then(|v| v.as_str())
                .and_then(|t| t.parse::<NaiveDate>().ok())
                .map(locale::date)
        };
        let money = |key: &str| {
            text(key)
                .and_then(|v| v.as_i64())
                .map(crate::domain::money::format_rupiah)
        };
        let mut out = vec![];
        if let (Some(a), Some(b)) = (date("care_start"), date("care_end")) {
            out.push(("Masa perawatan", format!("{a} s.d. {b}")));
        }
        if let Some(m) = money("amount_claimed") {
            out.push(("Nilai klaim", m));
        }
        if let Some(c) = text("ina_cbg_code").and_then(|v| v.as_str()) {
            out.push(("Kode INA-CBG", c.to_string()));
        }
        if text("document").is_some() {
            out.push(("Berkas klaim", "diunggah".to_string()));
        }
        if let Some(d) = date("paid_on") {
            out.push(("Tanggal bayar", d));
        }
        if let Some(m) = money("amount_paid") {
            out.push(("Nilai dibayar", m));
        }
        if let Some(r) = text("payment_reference").and_then(|v| v.as_str()) {
            out.push(("Nomor bukti bayar", r.to_string()));
        }
        out
    }
}

/// The current values of a claim, to prefill the resubmission form.
fn claim_values(v: &ClaimView) -> HashMap<String, String> {
    HashMap::from([
        ("care_start".to_string(), v.care_start.to_string()),
        ("care_end".to_string(), v.care_end.to_string()),
        (
            "amount_claimed".to_string(),
            crate::domain::money::format_rupiah(v.amount_claimed),
        ),
        (
            "ina_cbg_code".to_string(),
            v.ina_cbg_code.clone().unwrap_or_default(),
        ),
    ])
}

/// The forms of the steps the user may take, one of them (the one that failed) with what was
/// typed and its errors.
fn step_forms(
    v: &ClaimView,
    failed: Option<(ClaimAction, &HashMap<String, String>, &[FieldError])>,
) -> Vec<StepForm> {
    v.available_actions
        .iter()
        .filter_map(|code| code.parse::<ClaimAction>().ok())
        .map(|a| {
            let current = claim_values(v);
            let (values, errors): (&HashMap<String, String>, &[FieldError]) = match failed {
                Some((fa, values, errors)) if fa == a => (values, errors),
                _ if a == ClaimAction::Resubmit => (&current, &[]),
                _ => (&HashMap::new(), &[]),
            };
            let specs = a.fields();
            StepForm {
                action: a.as_str(),
                label: a.label(),
                fields: forms::fields(a.as_str(), specs, values, errors),
                errors: forms::other_errors(specs, errors),
                danger: a == ClaimAction::Return,
                multipart: a == ClaimAction::Resubmit,
            }
        })
        .collect()
}

async fn respond(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: Uuid,
    status: StatusCode,
    failed: Option<(ClaimAction, &HashMap<String, String>, &[FieldError])>,
    problem: Option<String>,
) -> Result<Response, AppError> {
    let d = state.cases.claim_detail(user, id, "web").await?;
    let page = ClaimPage {
        ctx,
        forms: step_forms(&d.view, failed),
        d,
        problem,
        max_upload_mb: state.settings.max_upload_mb,
    };
    render_status(status, &page)
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    respond(&state, ctx, &user, id, StatusCode::OK, None, None).await
}

async fn act(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Path((id, action)): Path<(Uuid, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let action = action
        .parse::<ClaimAction>()
        .map_err(|_| AppError::NotFound)?;
    let values = forms::to_map(pairs);
    let version = version_field(&values);
    match state
        .cases
        .act_on_claim(&user, id, version, action, &values)
        .await
    {
        Ok(claim) => {
            let message = format!(
                "{}: berhasil. Status klaim sekarang: {}.",
                action.label(),
                claim.status.0.label()
            );
            flash(&session, message).await?;
            Ok(Redirect::to(&format!("/klaim/{id}")).into_response())
        }
        Err(e) => {
            let (status, errors, problem) = refused(e)?;
            let problem = problem.map(|p| format!("{}: {p}", action.label()));
            respond(
                &state,
                ctx,
                &user,
                id,
                status,
                Some((action, &values, &errors)),
                problem,
            )
            .await
        }
    }
}

async fn resubmit(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let form = read_multipart_form(mp).await?;
    let version = version_field(&form.values);
    let outcome = match claim_file(&state, &form) {
        Err(e) => Err(CaseError::Invalid(vec![e])),
        Ok(file) => {
            state
                .cases
                .resubmit_claim(&user, id, version, &form.values, file.as_ref())
                .await
        }
    };
    match outcome {
        Ok(()) => {
            flash(&session, "Klaim diajukan ulang ke Dinkes Provinsi.").await?;
            Ok(Redirect::to(&format!("/klaim/{id}")).into_response())
        }
        Err(e) => {
            let (status, errors, problem) = refused(e)?;
            respond(
                &state,
                ctx,
                &user,
                id,
                status,
                Some((ClaimAction::Resubmit, &form.values, &errors)),
                problem,
            )
            .await
        }
    }
}

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (document_id, content_type, bytes) =
        state.cases.read_claim_document(&user, id, "web").await?;
    Ok(file_response(&content_type, document_id, bytes))
}
