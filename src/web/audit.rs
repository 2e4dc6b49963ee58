//! The data protection officer's pages (role `auditor`, UU 27/2022): the access log filtered by
//! user, role, kind, period and patient (`/audit/akses`), the per-patient access history the
//! data subject may ask for (Pasal 32: `/audit/pasien`, printable, and as CSV/XLSX), and the
//! audit events (`/audit/peristiwa`: sign-ins, user changes …). The auditor reads no case
//! content; every read of these pages is itself written to the access log.
//!
//! A patient is found by a case number or an NIK typed in a POSTed form, never in the URL: the
//! filter is kept in the session behind an opaque id ([`crate::web::kept`]).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use super::{AppState, Ctx, access, filters, kept, render_status};
use crate::auth::CurrentUser;
use crate::cases::access::Access;
use crate::cases::mask;
use crate::db;
use crate::db::access_log::{AccessFilter, AccessKind, AccessRow, AuditEventRow};
use crate::domain::action::FieldError;
use crate::domain::search::SearchTerm;
use crate::domain::{Role, date, sla};
use crate::http::export;
use crate::web::error::AppError;

/// Routes of the auditor's area.
pub fn router() -> Router<AppState> {
    access::require(
        Router::new()
            .route("/audit/akses", get(log_page).post(log_search))
            .route("/audit/pasien", get(patient_page).post(patient_search))
            .route("/audit/pasien/unduh", get(patient_download))
            .route("/audit/peristiwa", get(events_page)),
        access::AUDITORS,
    )
}

/// Session key of the kept filters.
const SESSION_KEY: &str = "audit_searches";
/// The "list" the kept filters belong to: one for both pages, so that a patient found on the
/// log page opens its printable history with the same id.
const KEPT_LIST: &str = "/audit";
/// Rows a page shows (newest first); the download has them all.
const PAGE_ROWS: i64 = 500;
/// Rows a download holds at most.
const DOWNLOAD_ROWS: i64 = 100_000;
/// Longest text a filter field takes.
const FIELD_MAX: usize = 100;

/// The filter form as typed (kept in the session, never in a URL).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuditForm {
    #[serde(default)]
    pengguna: String,
    #[serde(default)]
    peran: String,
    #[serde(default)]
    jenis: String,
    #[serde(default)]
    dari: String,
    #[serde(default)]
    sampai: String,
    /// A case number or an NIK.
    #[serde(default)]
    pasien: String,
}

/// The patient a filter found: its NIK masked and its cases.
struct Patient {
    nik: Option<String>,
    cases: Vec<(Uuid, String)>,
}

impl Patient {
    fn numbers(&self) -> String {
        self.cases
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A form that passed every check.
struct Parsed {
    filter: AccessFilter,
    patient: Option<Patient>,
    /// The filters in words, for the log of the auditor's own reads (no NIK).
    summary: String,
}

fn field_error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// A text field: trimmed, no control characters, at most [`FIELD_MAX`] characters.
fn text_field(field: &'static str, label: &str, raw: &str) -> Result<String, FieldError> {
    let t = raw.trim();
    if t.chars().any(char::is_control) {
        return Err(field_error(
            field,
            format!("{label} tidak boleh berisi karakter kontrol."),
        ));
    }
    if t.chars().count() > FIELD_MAX {
        return Err(field_error(
            field,
            format!("{label} terlalu panjang: paling banyak {FIELD_MAX} karakter."),
        ));
    }
    Ok(t.to_string())
}

/// A date field (WITA day), if filled.
fn date_field(
    field: &'static str,
    label: &str,
    raw: &str,
    today: NaiveDate,
) -> Result<Option<NaiveDate>, FieldError> {
    let raw = text_field(field, label, raw)?;
    if raw.is_empty() {
        return Ok(None);
    }
    date::check(label, &raw, today, date::DateRange::ANY)
        .map(Some)
        .map_err(|m| field_error(field, m))
}

/// The start of a WITA day.
fn day_start(d: NaiveDate) -> DateTime<Utc> {
    sla::wita_instant(d, NaiveTime::MIN)
}

/// Checks the form; `need_patient` for the per-patient history.
async fn parse(
    state: &AppState,
    form: &AuditForm,
    need_patient: bool,
) -> Result<Parsed, Vec<FieldError>> {
    let mut errors = vec![];
    let mut filter = AccessFilter {
        limit: PAGE_ROWS,
        ..AccessFilter::default()
    };
    let mut summary = vec![];
    let today = state.clock.today();
    match text_field("pengguna", "Nama pengguna", &form.pengguna) {
        Ok(u) if u.is_empty() => {}
        Ok(u) => match db::users::by_username(&state.pool, &u).await {
            Ok(Some(row)) => {
                filter.user_id = Some(row.id);
                summary.push(format!("pengguna: {}", row.username));
            }
            Ok(None) => errors.push(field_error(
                "pengguna",
                "Nama pengguna tidak ditemukan: periksa ejaannya.",
            )),
            Err(_) => errors.push(field_error("pengguna", "Pengguna tidak dapat dicari.")),
        },
        Err(e) => errors.push(e),
    }
    if !form.peran.is_empty() {
        match form.peran.parse::<Role>() {
            Ok(r) => {
                filter.role = Some(r);
                summary.push(format!("peran: {}", r.as_str()));
            }
            Err(_) => errors.push(field_error("peran", "Peran: pilih dari daftar.")),
        }
    }
    if !form.jenis.is_empty() {
        match AccessKind::parse(&form.jenis) {
            Some(k) => {
                filter.kind = Some(k);
                summary.push(format!("jenis: {}", k.as_str()));
            }
            None => errors.push(field_error("jenis", "Jenis akses: pilih dari daftar.")),
        }
    }
    let from = date_field("dari", "Tanggal dari", &form.dari, today);
    let to = date_field("sampai", "Tanggal sampai", &form.sampai, today);
    match (from, to) {
        (Ok(f), Ok(t)) => {
            if let (Some(f), Some(t)) = (f, t)
                && t < f
            {
                errors.push(field_error(
                    "sampai",
                    "Tanggal sampai tidak boleh sebelum tanggal dari.",
                ));
            }
            if let Some(f) = f {
                filter.from = Some(day_start(f));
                summary.push(format!("dari: {f}"));
            }
            if let Some(t) = t {
                filter.until = Some(day_start(t) + Duration::days(1));
                summary.push(format!("sampai: {t}"));
            }
        }
        (f, t) => errors.extend([f.err(), t.err()].into_iter().flatten()),
    }
    let patient = match find_patient(state, &form.pasien, need_patient).await {
        Ok(p) => p,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if let Some(p) = &patient {
        filter.cases = Some(p.cases.iter().map(|(id, _)| *id).collect());
        summary.push(format!("pasien: {} kasus", p.cases.len()));
    }
    if errors.is_empty() {
        Ok(Parsed {
            filter,
            patient,
            summary: summary.join("; "),
        })
    } else {
        Err(errors)
    }
}

/// The patient named by a case number or an NIK.
async fn find_patient(
    state: &AppState,
    raw: &str,
    required: bool,
) -> Result<Option<Patient>, FieldError> {
    const HOW: &str = "isi nomor kasus (mis. MS-2026-000012) atau NIK 16 digit.";
    let raw = text_field("pasien", "Pasien", raw)?;
    let term = SearchTerm::parse("pasien", &raw)?;
    let db_error = |_| field_error("pasien", "Pasien tidak dapat dicari.");
    let patient = match term {
        None if required => {
            return Err(field_error("pasien", format!("Pasien wajib diisi: {HOW}")));
        }
        None => return Ok(None),
        Some(SearchTerm::CaseNumber(n)) => db::access_log::cases_of_number(&state.pool, &n)
            .await
            .map_err(db_error)?
            .map(|(nik, cases)| Patient {
                nik: nik.as_deref().map(mask),
                cases,
            }),
        Some(SearchTerm::Nik(nik)) => {
            let cases = db::access_log::cases_with_nik(&state.pool, &nik)
                .await
                .map_err(db_error)?;
            (!cases.is_empty()).then(|| Patient {
                nik: Some(mask(&nik)),
                cases,
            })
        }
        Some(_) => return Err(field_error("pasien", format!("Pasien: {HOW}"))),
    };
    patient
        .map(Some)
        .ok_or_else(|| field_error("pasien", "Tidak ada kasus dengan nomor kasus atau NIK itu."))
}

/// The kept filter of `?cari=`.
#[derive(Debug, Deserialize)]
struct KeptQuery {
    cari: Option<String>,
    format: Option<String>,
}

/// What a page is asked to show: nothing yet, a kept filter, an unknown id, or a refused form.
enum Asked {
    Nothing,
    Kept(AuditForm),
    Expired,
}

async fn asked(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    q: &KeptQuery,
) -> Result<Asked, AppError> {
    Ok(match q.cari.as_deref().map(str::trim) {
        None | Some("") => Asked::Nothing,
        Some(id) => {
            let now = state.clock.now();
            match kept::find(session, SESSION_KEY, now, user.id, KEPT_LIST, id).await? {
                Some(form) => Asked::Kept(form),
                None => Asked::Expired,
            }
        }
    })
}

const EXPIRED: &str = "Pencarian ini sudah kedaluwarsa atau tidak dikenal; isi formulir lagi.";

/// Writes the auditor's own read to the access log.
async fn log_read(
    state: &AppState,
    user: &CurrentUser,
    kind: AccessKind,
    what: &str,
    parsed: &Parsed,
) -> Result<(), AppError> {
    let cases: Vec<Uuid> = parsed.filter.cases.clone().unwrap_or_default();
    let access = Access::list(kind, what, &cases, &parsed.summary);
    state.cases.log_access(user, "web", access).await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "audit/log.html")]
struct LogPage {
    ctx: Ctx,
    form: AuditForm,
    errors: Vec<FieldError>,
    notice: Option<&'static str>,
    roles: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    rows: Option<Vec<AccessRow>>,
    patient: Option<Patient>,
    /// The kept filter's id (for the per-patient links).
    cari: Option<String>,
    page_rows: i64,
}

/// Labels for the templates.
trait Labels {
    fn role_label(&self, code: &str) -> &'static str {
        code.parse::<Role>().map_or("—", |r| r.label())
    }
    fn agency(&self, code: &str) -> &'static str {
        code.parse::<Role>().map_or("—", |r| r.agency())
    }
    fn kind_label(&self, code: &str) -> &'static str {
        AccessKind::parse(code).map_or("—", |k| k.label())
    }
}

impl Labels for LogPage {}

impl LogPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn role_options() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect()
}

fn kind_options() -> Vec<(&'static str, &'static str)> {
    AccessKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label()))
        .collect()
}

fn log_page_of(ctx: Ctx, form: AuditForm) -> LogPage {
    LogPage {
        ctx,
        form,
        errors: vec![],
        notice: None,
        roles: role_options(),
        kinds: kind_options(),
        rows: None,
        patient: None,
        cari: None,
        page_rows: PAGE_ROWS,
    }
}

/// `GET /audit/akses[?cari=<id>]`: the form, and the rows of a kept filter.
async fn log_page(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    user: CurrentUser,
    Query(q): Query<KeptQuery>,
) -> Result<Response, AppError> {
    kept_page::<LogPage>(&state, ctx, &session, &user, &q).await
}

/// A page's notice and field errors.
type Answer<'a> = (&'a mut Option<&'static str>, &'a mut Vec<FieldError>);

/// What the two auditor pages of a kept filter share (the access log, `/audit/akses`, and the
/// per-patient history, `/audit/pasien`), so one function answers both.
trait FilterPage: Template + Sized {
    /// Its address, where a kept filter leads.
    const PATH: &'static str;
    /// The surface in the auditor's own access-log rows.
    const WHAT: &'static str;
    /// Whether the filter must name a patient (without one, the page is the bare form).
    const NEEDS_PATIENT: bool;
    /// The page with `form` and nothing found yet.
    fn blank(ctx: Ctx, form: AuditForm) -> Self;
    /// What of a kept form this page uses.
    fn narrow(form: AuditForm) -> AuditForm {
        form
    }
    /// The most rows the page shows.
    fn limit() -> i64 {
        PAGE_ROWS
    }
    /// Its notice and field errors, to set.
    fn answer(&mut self) -> Answer<'_>;
    /// What the kept filter found.
    fn show(&mut self, found: Found);
}

/// The rows a kept filter found, for its patient, under its id (`cari`), read at `now`.
struct Found {
    rows: Vec<AccessRow>,
    patient: Option<Patient>,
    cari: Option<String>,
    now: DateTime<Utc>,
}

/// A page of a kept filter: the bare form, the notice of an expired filter, or the rows the
/// filter finds (the auditor's read logged as a search).
async fn kept_page<P: FilterPage>(
    state: &AppState,
    ctx: Ctx,
    session: &Session,
    user: &CurrentUser,
    q: &KeptQuery,
) -> Result<Response, AppError> {
    let form = match asked(state, session, user, q).await? {
        Asked::Nothing if P::NEEDS_PATIENT => {
            return render_status(StatusCode::OK, &P::blank(ctx, AuditForm::default()));
        }
        Asked::Nothing => AuditForm::default(),
        Asked::Expired => {
            let mut page = P::blank(ctx, AuditForm::default());
            *page.answer().0 = Some(EXPIRED);
            return render_status(StatusCode::OK, &page);
        }
        Asked::Kept(form) => P::narrow(form),
    };
    let mut page = P::blank(ctx, form.clone());
    match parse(state, &form, P::NEEDS_PATIENT).await {
        Ok(mut parsed) => {
            log_read(state, user, AccessKind::Search, P::WHAT, &parsed).await?;
            parsed.filter.limit = P::limit();
            let rows = db::access_log::search(&state.pool, &parsed.filter).await?;
            page.show(Found {
                rows,
                patient: parsed.patient,
                cari: q.cari.clone(),
                now: state.clock.now(),
            });
        }
        // A kept filter was valid when kept; a user renamed since is reported again.
        Err(errors) => *page.answer().1 = errors,
    }
    render_status(StatusCode::OK, &page)
}

impl FilterPage for LogPage {
    const PATH: &'static str = "/audit/akses";
    const WHAT: &'static str = "audit_log";
    const NEEDS_PATIENT: bool = false;
    fn blank(ctx: Ctx, form: AuditForm) -> Self {
        log_page_of(ctx, form)
    }
    fn answer(&mut self) -> Answer<'_> {
        (&mut self.notice, &mut self.errors)
    }
    fn show(&mut self, found: Found) {
        self.rows = Some(found.rows);
        self.patient = found.patient;
        self.cari = found.cari;
        // The patient is shown masked above the rows, not echoed in full in the form.
        self.form.pasien.clear();
    }
}

impl FilterPage for PatientPage {
    const PATH: &'static str = "/audit/pasien";
    const WHAT: &'static str = "audit_patient";
    const NEEDS_PATIENT: bool = true;
    fn blank(ctx: Ctx, form: AuditForm) -> Self {
        patient_page_of(ctx, form)
    }
    fn narrow(form: AuditForm) -> AuditForm {
        patient_only(&form)
    }
    fn limit() -> i64 {
        DOWNLOAD_ROWS
    }
    fn answer(&mut self) -> Answer<'_> {
        (&mut self.notice, &mut self.errors)
    }
    fn show(&mut self, found: Found) {
        self.printed_at = found.now;
        self.rows = found.rows;
        self.patient = found.patient;
        self.cari = found.cari;
        self.form.pasien.clear();
    }
}

/// `POST /audit/akses`: keeps a valid filter and answers with its page; a refused form is
/// shown again with what was typed.
async fn log_search(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    user: CurrentUser,
    Form(form): Form<AuditForm>,
) -> Result<Response, AppError> {
    keep_or_refuse::<LogPage>(&state, ctx, &session, &user, form).await
}

/// Keeps a valid filter and sends the browser to its page; a refused form is the page again
/// with what was typed and each field's message.
async fn keep_or_refuse<P: FilterPage>(
    state: &AppState,
    ctx: Ctx,
    session: &Session,
    user: &CurrentUser,
    form: AuditForm,
) -> Result<Response, AppError> {
    let form = P::narrow(form);
    if let Err(errors) = parse(state, &form, P::NEEDS_PATIENT).await {
        let mut page = P::blank(ctx, form);
        *page.answer().1 = errors;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let now = state.clock.now();
    let id = kept::keep(session, SESSION_KEY, now, user.id, KEPT_LIST, form).await?;
    Ok(Redirect::to(&format!("{}?cari={id}", P::PATH)).into_response())
}

#[derive(Template)]
#[template(path = "audit/patient.html")]
struct PatientPage {
    ctx: Ctx,
    form: AuditForm,
    errors: Vec<FieldError>,
    notice: Option<&'static str>,
    patient: Option<Patient>,
    rows: Vec<AccessRow>,
    cari: Option<String>,
    printed_at: DateTime<Utc>,
}

impl Labels for PatientPage {}

impl PatientPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn patient_page_of(ctx: Ctx, form: AuditForm) -> PatientPage {
    PatientPage {
        ctx,
        form,
        errors: vec![],
        notice: None,
        patient: None,
        rows: vec![],
        cari: None,
        printed_at: DateTime::<Utc>::MIN_UTC,
    }
}

/// The per-patient filter of a kept form: only the patient counts (the history is whole).
fn patient_only(form: &AuditForm) -> AuditForm {
    AuditForm {
        pasien: form.pasien.clone(),
        ..AuditForm::default()
    }
}

/// `GET /audit/pasien[?cari=<id>]`: the patient form, or the printable access history of the
/// patient of a kept filter (every access to its cases, newest first).
async fn patient_page(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    user: CurrentUser,
    Query(q): Query<KeptQuery>,
) -> Result<Response, AppError> {
    kept_page::<PatientPage>(&state, ctx, &session, &user, &q).await
}

/// `POST /audit/pasien`: keeps the patient filter and answers with its history.
async fn patient_search(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    user: CurrentUser,
    Form(form): Form<AuditForm>,
) -> Result<Response, AppError> {
    keep_or_refuse::<PatientPage>(&state, ctx, &session, &user, form).await
}

/// `GET /audit/pasien/unduh?format=csv|xlsx&cari=<id>`: the history as a file, through the
/// export layer (recorded in the export log and the access log).
async fn patient_download(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
    Query(q): Query<KeptQuery>,
) -> Result<Response, AppError> {
    let format = crate::web::download_format(q.format.as_deref())?;
    let Asked::Kept(form) = asked(&state, &session, &user, &q).await? else {
        // No patient chosen (or the kept search has expired): choose one first.
        return Ok(Redirect::to("/audit/pasien").into_response());
    };
    let mut parsed = parse(&state, &patient_only(&form), true)
        .await
        .map_err(|_| AppError::NotFound)?;
    parsed.filter.limit = DOWNLOAD_ROWS;
    let rows = db::access_log::search(&state.pool, &parsed.filter).await?;
    let detail =
        serde_json::json!({"patient_cases": parsed.filter.cases.as_ref().map_or(0, Vec::len)});
    Ok(export::respond_read(
        &state,
        &user,
        export::access_log::export(),
        format,
        detail,
        rows,
    )
    .await?)
}

/// The period of the events page (dates only: no personal data in the address).
#[derive(Debug, Deserialize)]
struct EventsQuery {
    dari: Option<String>,
    sampai: Option<String>,
}

#[derive(Template)]
#[template(path = "audit/events.html")]
struct EventsPage {
    ctx: Ctx,
    dari: String,
    sampai: String,
    error: Option<String>,
    rows: Vec<AuditEventRow>,
    page_rows: i64,
}

impl Labels for EventsPage {}

/// `GET /audit/peristiwa[?dari=&sampai=]`: the audit events of a period (default: the last
/// 30 days), newest first.
async fn events_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Query(q): Query<EventsQuery>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let form = AuditForm {
        dari: q
            .dari
            .clone()
            .unwrap_or_else(|| (today - Duration::days(30)).to_string()),
        sampai: q.sampai.clone().unwrap_or_else(|| today.to_string()),
        ..AuditForm::default()
    };
    let mut page = EventsPage {
        ctx,
        dari: form.dari.clone(),
        sampai: form.sampai.clone(),
        error: None,
        rows: vec![],
        page_rows: PAGE_ROWS,
    };
    match parse(&state, &form, false).await {
        Ok(parsed) => {
            log_read(&state, &user, AccessKind::List, "audit_events", &parsed).await?;
            let f = &parsed.filter;
            page.rows =
                db::access_log::audit_events(&state.pool, None, f.from, f.until, PAGE_ROWS).await?;
        }
        Err(errors) => {
            page.error = Some(
                errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    }
    render_status(StatusCode::OK, &page)
}
