//! The case lists: the role's queue (`/antrean`, overdue first), the hospital's own cases
//! (`/kasus-saya`, newest first) and the monitoring list of the roles that watch rather than
//! act (`/pemantauan`, every case in scope, closed ones too, newest first).
//!
//! Search and filters never travel in a URL (a NIK or a name would land in browser history,
//! proxies and logs), and going back or reloading never asks to resend a form: the filter form
//! is POSTed, kept in the session under an opaque random id ([`StoredSearch`], per user, with an
//! expiry), and answered with a 303 to `GET <list>?cari=<id>`. Only that id (and a paging
//! cursor, which holds a due date and a case id) is ever in the address.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use crate::access;
use crate::auth::CurrentUser;
use crate::cases::view::CaseView;
use crate::cases::{Scope, service};
use crate::db;
use crate::db::cases::{CaseRow, ListFilter};
use crate::db::reference::{Hospital, KabKota};
use crate::domain::action::FieldError;
use crate::domain::search::SearchTerm;
use crate::domain::sla::wita;
use crate::domain::text::{self, Lines};
use crate::domain::{CaseState, Role, date};
use crate::http::{decode_cursor, encode_cursor};
use crate::web::error::AppError;
use crate::web::{AppState, Ctx, render_status};

/// A row of a case list (NIK masked).
struct ListRow {
    id: Uuid,
    number: String,
    name: String,
    nik: String,
    kab: String,
    hospital: String,
    state: &'static str,
    desk: &'static str,
    days: i64,
    overdue: bool,
}

fn list_rows(views: Vec<CaseView>) -> Vec<ListRow> {
    views
        .into_iter()
        .map(|v| ListRow {
            id: v.id,
            number: v.number,
            name: v.patient.full_name,
            nik: v.patient.nik.unwrap_or_else(|| "tanpa NIK".into()),
            kab: v.patient.domicile_kab_kota_name,
            hospital: v.hospital_name,
            state: v.state_label,
            desk: v
                .desk
                .role
                .and_then(|r| r.parse::<Role>().ok())
                .map_or("—", |r| r.agency()),
            days: v.desk.working_days,
            overdue: v.desk.overdue,
        })
        .collect()
}

/// The filter form of every list, as typed (kept as typed to re-render it after a refusal).
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub(super) struct ListForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    /// Monitoring list: the role whose desk the case is at.
    #[serde(default)]
    desk: String,
    #[serde(default)]
    kab: String,
    #[serde(default)]
    hospital: String,
    /// Monitoring list: `1` for overdue cases only.
    #[serde(default)]
    overdue: String,
    /// Monitoring list: registered on or after this day (WITA).
    #[serde(default)]
    from: String,
    /// Monitoring list: registered on or before this day (WITA).
    #[serde(default)]
    to: String,
}

/// A filter form that passed every check.
#[derive(Debug, Default)]
struct Criteria {
    search: Option<SearchTerm>,
    state: Option<CaseState>,
    desk: Option<Role>,
    kab: Option<String>,
    hospital: Option<Uuid>,
    overdue: bool,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// The roles that own a desk in some state (what the desk filter offers).
fn desk_roles() -> Vec<Role> {
    Role::ALL
        .iter()
        .copied()
        .filter(|r| CaseState::ALL.iter().any(|s| s.desk() == Some(*r)))
        .collect()
}

impl ListForm {
    /// Parses the form; every value that is not one the page offers is a field message (a
    /// filter silently ignored would show more than the user asked for).
    fn parse(
        &self,
        which: Which,
        role: Role,
        kab_kota: &[KabKota],
        hospitals: &[Hospital],
    ) -> Result<Criteria, Vec<FieldError>> {
        let mut errors = vec![];
        let mut out = Criteria::default();
        let fields = [
            ("q", "Pencarian", &self.q, text::SEARCH_MAX),
            ("state", "Status", &self.state, text::CODE_MAX),
            ("desk", "Meja", &self.desk, text::CODE_MAX),
            ("kab", "Kab/Kota", &self.kab, text::CODE_MAX),
            ("hospital", "Rumah sakit", &self.hospital, text::CODE_MAX),
            ("overdue", "Terlambat", &self.overdue, text::CODE_MAX),
            ("from", "Terdaftar sejak", &self.from, text::CODE_MAX),
            ("to", "Terdaftar sampai", &self.to, text::CODE_MAX),
        ];
        for (field, label, value, max) in fields {
            if let Err(e) = text::check(field, label, value.trim(), max, Lines::One) {
                errors.push(e);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut refuse = |field: &'static str, message: &str| {
            errors.push(FieldError {
                field,
                message: message.into(),
            })
        };
        match SearchTerm::parse("q", &self.q) {
            Ok(term) => out.search = term,
            Err(e) => refuse(e.field, &e.message),
        }
        let state = self.state.trim();
        if !state.is_empty() {
            match state.parse::<CaseState>() {
                Ok(s) if which.states(role).contains(&s) => out.state = Some(s),
                _ => refuse("state", "Status tidak dikenal; pilih dari daftar."),
            }
        }
        let kab = self.kab.trim();
        if !kab.is_empty() {
            if kab_kota.iter().any(|k| k.code == kab) {
                out.kab = Some(kab.to_string());
            } else {
                refuse("kab", "Kab/Kota tidak dikenal; pilih dari daftar.");
            }
        }
        let hospital = self.hospital.trim();
        if !hospital.is_empty() {
            match hospital.parse::<Uuid>() {
                Ok(id) if hospitals.iter().any(|h| h.id == id) => out.hospital = Some(id),
                _ => refuse("hospital", "Rumah sakit tidak dikenal; pilih dari daftar."),
            }
        }
        if which == Which::Monitoring {
            let desk = self.desk.trim();
            if !desk.is_empty() {
                match desk.parse::<Role>() {
                    Ok(r) if desk_roles().contains(&r) => out.desk = Some(r),
                    _ => refuse("desk", "Meja tidak dikenal; pilih dari daftar."),
                }
            }
            match self.overdue.trim() {
                "" => {}
                "1" => out.overdue = true,
                _ => refuse("overdue", "Terlambat: centang atau kosongkan."),
            }
            for (field, label, value, slot) in [
                ("from", "Terdaftar sejak", &self.from, &mut out.from),
                ("to", "Terdaftar sampai", &self.to, &mut out.to),
            ] {
                let value = value.trim();
                if value.is_empty() {
                    continue;
                }
                match date::parse(value) {
                    Some(d) if (2000..=2100).contains(&chrono::Datelike::year(&d)) => {
                        *slot = Some(d)
                    }
                    Some(_) => refuse(
                        field,
                        &format!("{label}: tahun harus antara 2000 dan 2100."),
                    ),
                    None => refuse(
                        field,
                        &format!("{label} harus berupa tanggal yang valid (TTTT-BB-HH)."),
                    ),
                }
            }
            if let (Some(from), Some(to)) = (out.from, out.to)
                && from > to
            {
                refuse(
                    "to",
                    "Terdaftar sampai tidak boleh sebelum tanggal Terdaftar sejak.",
                );
            }
        } else {
            // These filters exist on the monitoring list only; sent elsewhere they are refused
            // rather than dropped.
            for (field, label, value) in [
                ("desk", "Meja", &self.desk),
                ("overdue", "Terlambat", &self.overdue),
                ("from", "Terdaftar sejak", &self.from),
                ("to", "Terdaftar sampai", &self.to),
            ] {
                if !value.trim().is_empty() {
                    refuse(
                        field,
                        &format!("{label}: saringan ini hanya ada di halaman Pemantauan kasus."),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// The start of a WITA day, as an instant.
fn wita_midnight(day: NaiveDate) -> Option<DateTime<Utc>> {
    wita()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// Session key of the searches kept for the lists.
const SESSION_SEARCHES: &str = "list_searches";
/// How long a kept search answers: a working day.
const SEARCH_TTL_HOURS: i64 = 12;
/// How many searches a session keeps (oldest dropped first).
const SEARCHES_KEPT: usize = 20;

/// A search kept on the server: its id is all the address holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredSearch {
    /// Opaque random id (128 bits, hex).
    id: String,
    /// Who searched: another user's id finds nothing even in the same browser.
    user_id: Uuid,
    /// The list it belongs to (`/antrean`, `/kasus-saya`, `/pemantauan`).
    list: String,
    form: ListForm,
    expires_at: DateTime<Utc>,
}

async fn stored_searches(session: &Session) -> Result<Vec<StoredSearch>, AppError> {
    Ok(session
        .get::<Vec<StoredSearch>>(SESSION_SEARCHES)
        .await
        .map_err(anyhow::Error::from)?
        .unwrap_or_default())
}

/// Keeps `form` for `user` and returns its id.
async fn keep_search(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    which: Which,
    form: ListForm,
) -> Result<String, AppError> {
    let now = state.clock.now();
    let mut searches = stored_searches(session).await?;
    searches.retain(|s| s.expires_at > now && s.user_id == user.id);
    let id = Uuid::new_v4().simple().to_string();
    searches.push(StoredSearch {
        id: id.clone(),
        user_id: user.id,
        list: which.action().to_string(),
        form,
        expires_at: now + Duration::hours(SEARCH_TTL_HOURS),
    });
    let excess = searches.len().saturating_sub(SEARCHES_KEPT);
    searches.drain(..excess);
    session
        .insert(SESSION_SEARCHES, searches)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(id)
}

/// The kept search `id` of this user and list, if it has not expired.
async fn find_search(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    which: Which,
    id: &str,
) -> Result<Option<ListForm>, AppError> {
    let now = state.clock.now();
    Ok(stored_searches(session)
        .await?
        .into_iter()
        .find(|s| {
            s.id == id && s.user_id == user.id && s.list == which.action() && s.expires_at > now
        })
        .map(|s| s.form))
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    ctx: Ctx,
    title: &'static str,
    action: &'static str,
    intro: &'static str,
    form: ListForm,
    rows: Vec<ListRow>,
    /// The address of the next page, if there is one.
    next_page: Option<String>,
    states: Vec<(&'static str, &'static str)>,
    desks: Vec<(&'static str, &'static str)>,
    kab_kota: Vec<KabKota>,
    hospitals: Vec<Hospital>,
    show_hospital_filter: bool,
    /// The monitoring filters (desk, overdue, period) are shown.
    monitoring: bool,
    /// Why the list is empty when the search id is unknown or expired.
    notice: Option<&'static str>,
    /// Problems of the filter form, by field.
    errors: Vec<FieldError>,
}

impl ListPage {
    fn search_max(&self) -> usize {
        text::SEARCH_MAX
    }
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
    /// The fields that may carry a message, with the id of the message element.
    fn error_fields(&self) -> Vec<(&'static str, String)> {
        [
            "q", "state", "desk", "kab", "hospital", "overdue", "from", "to",
        ]
        .into_iter()
        .map(|f| (f, format!("{f}-error")))
        .collect()
    }
}

const PAGE: i64 = 50;

/// Which list a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    /// The role's queue: cases waiting at its desks, overdue first.
    Queue,
    /// The hospital's own cases, closed ones too, newest first.
    Mine,
    /// Every case in the monitoring role's scope, closed ones too, newest first.
    Monitoring,
}

impl Which {
    fn title(self) -> &'static str {
        match self {
            Which::Queue => "Antrean saya",
            Which::Mine => "Kasus rumah sakit",
            Which::Monitoring => "Pemantauan kasus",
        }
    }
    fn action(self) -> &'static str {
        match self {
            Which::Queue => "/antrean",
            Which::Mine => "/kasus-saya",
            Which::Monitoring => "/pemantauan",
        }
    }
    fn intro(self) -> &'static str {
        match self {
            Which::Queue => {
                "Kasus yang menunggu tindakan Anda di cakupan Anda; yang melewati batas waktu di atas."
            }
            Which::Mine => {
                "Semua kasus rumah sakit Anda, termasuk yang sudah selesai; terbaru di atas."
            }
            Which::Monitoring => {
                "Semua kasus di cakupan Anda untuk dipantau, termasuk yang sudah selesai (diserahkan, ditolak, dibatalkan); terbaru di atas. Tindakan dilakukan oleh meja masing-masing."
            }
        }
    }
    /// The states the state filter offers.
    fn states(self, role: Role) -> Vec<CaseState> {
        match self {
            Which::Queue => service::queue_filter(role).states,
            Which::Mine | Which::Monitoring => CaseState::ALL.to_vec(),
        }
    }
    /// Ordered by SLA due date (the queue) rather than newest first.
    fn by_due_date(self) -> bool {
        self == Which::Queue
    }
}

/// One page of the list and the cursor of the next, for a valid filter.
async fn fetch(
    state: &AppState,
    user: &CurrentUser,
    criteria: Criteria,
    after: Option<(NaiveDate, Uuid)>,
    which: Which,
) -> Result<(Vec<CaseRow>, Option<String>), AppError> {
    let mut filter = ListFilter {
        limit: PAGE + 1,
        search: criteria.search,
        kab_kota_code: criteria.kab,
        hospital_id: criteria.hospital,
        overdue_on: criteria.overdue.then(|| state.clock.today()),
        created_from: criteria.from.and_then(wita_midnight),
        created_before: criteria
            .to
            .and_then(|d| d.succ_opt())
            .and_then(wita_midnight),
        after,
        ..Default::default()
    };
    let mut rows = match which {
        Which::Queue => {
            filter.states = criteria.state.into_iter().collect();
            state.cases.queue(user, filter).await?
        }
        Which::Mine | Which::Monitoring => {
            filter.states = CaseState::ALL
                .iter()
                .copied()
                .filter(|s| criteria.state.is_none_or(|c| c == *s))
                .filter(|s| criteria.desk.is_none_or(|r| s.desk() == Some(r)))
                .collect();
            state.cases.list(user, &filter).await?
        }
    };
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let due = |c: &CaseRow| which.by_due_date().then_some(c.sla_due_date).flatten();
    let next = more
        .then(|| rows.last().map(|c| encode_cursor(due(c), c.id)))
        .flatten();
    Ok((rows, next))
}

/// What a list page is asked to show.
enum Request {
    /// A form (posted with errors, or kept under `id`), and the page cursor.
    Form {
        form: Box<ListForm>,
        id: Option<String>,
        cursor: Option<String>,
    },
    /// A search id that is not (or no longer) this user's.
    UnknownSearch,
}

async fn list_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    request: Request,
    which: Which,
) -> Result<Response, AppError> {
    let kab_kota = db::reference::list_kab_kota(&state.pool).await?;
    let hospitals = db::reference::list_hospitals(&state.pool).await?;
    let (form, id, cursor, notice) = match request {
        Request::Form { form, id, cursor } => (*form, id, cursor, None),
        Request::UnknownSearch => (
            ListForm::default(),
            None,
            None,
            Some("Pencarian ini tidak ditemukan atau sudah kedaluwarsa. Silakan cari lagi."),
        ),
    };
    let mut status = if notice.is_some() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    let after = match cursor.as_deref() {
        None => Ok(None),
        Some(c) => decode_cursor(c).map(Some).ok_or_else(|| FieldError {
            field: "q",
            message: "Alamat halaman berikutnya tidak valid; tampilkan daftar lagi.".into(),
        }),
    };
    let parsed = form
        .parse(which, user.role, &kab_kota, &hospitals)
        .and_then(|c| after.map(|a| (c, a)).map_err(|e| vec![e]));
    let (rows, next_cursor, errors) = match parsed {
        Ok((criteria, after)) if notice.is_none() => {
            let (rows, next) = fetch(state, user, criteria, after, which).await?;
            (rows, next, vec![])
        }
        Ok(_) => (vec![], None, vec![]),
        Err(errors) => {
            status = StatusCode::UNPROCESSABLE_ENTITY;
            (vec![], None, errors)
        }
    };
    let views = state.cases.views(user, &rows).await?;
    let next_page = next_cursor.map(|c| match &id {
        Some(id) => format!("{}?cari={id}&lanjut={c}", which.action()),
        None => format!("{}?lanjut={c}", which.action()),
    });
    let page = ListPage {
        ctx,
        title: which.title(),
        action: which.action(),
        intro: which.intro(),
        rows: list_rows(views),
        next_page,
        states: which
            .states(user.role)
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        desks: desk_roles()
            .into_iter()
            .map(|r| (r.as_str(), r.agency()))
            .collect(),
        kab_kota,
        hospitals,
        show_hospital_filter: !matches!(Scope::of(user), Scope::Hospital(_)),
        monitoring: which == Which::Monitoring,
        notice,
        form,
        errors,
    };
    render_status(status, &page)
}

/// The address of a list page: the kept search and the page cursor, nothing else.
#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    cari: Option<String>,
    lanjut: Option<String>,
}

async fn show(
    state: &AppState,
    ctx: Ctx,
    session: &Session,
    user: &CurrentUser,
    query: ListQuery,
    which: Which,
) -> Result<Response, AppError> {
    let request = match query.cari.as_deref().map(str::trim) {
        None | Some("") => Request::Form {
            form: Box::default(),
            id: None,
            cursor: query.lanjut,
        },
        Some(id) => match find_search(state, session, user, which, id).await? {
            Some(form) => Request::Form {
                form: Box::new(form),
                id: Some(id.to_string()),
                cursor: query.lanjut,
            },
            None => Request::UnknownSearch,
        },
    };
    list_page(state, ctx, user, request, which).await
}

/// A posted filter form: refused values re-render the form (422) with what was typed; a valid
/// one is kept and answered with a 303 to its id.
async fn search(
    state: &AppState,
    ctx: Ctx,
    session: &Session,
    user: &CurrentUser,
    form: ListForm,
    which: Which,
) -> Result<Response, AppError> {
    let kab_kota = db::reference::list_kab_kota(&state.pool).await?;
    let hospitals = db::reference::list_hospitals(&state.pool).await?;
    if form.parse(which, user.role, &kab_kota, &hospitals).is_err() {
        let request = Request::Form {
            form: Box::new(form),
            id: None,
            cursor: None,
        };
        return list_page(state, ctx, user, request, which).await;
    }
    let id = keep_search(state, session, user, which, form).await?;
    Ok(Redirect::to(&format!("{}?cari={id}", which.action())).into_response())
}

pub(super) async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    // The roles that watch rather than act have no queue of their own: their list is the
    // monitoring list.
    if access::MONITORS.contains(&user.role) {
        return Ok(Redirect::to(Which::Monitoring.action()).into_response());
    }
    show(&state, ctx, &session, &user, query, Which::Queue).await
}

pub(super) async fn queue_search(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    user: CurrentUser,
    Form(form): Form<ListForm>,
) -> Result<Response, AppError> {
    search(&state, ctx, &session, &user, form, Which::Queue).await
}

pub(super) async fn my_cases(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    show(&state, ctx, &session, &user, query, Which::Mine).await
}

pub(super) async fn my_cases_search(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    user: CurrentUser,
    Form(form): Form<ListForm>,
) -> Result<Response, AppError> {
    search(&state, ctx, &session, &user, form, Which::Mine).await
}

pub(super) async fn monitoring(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    show(&state, ctx, &session, &user, query, Which::Monitoring).await
}

pub(super) async fn monitoring_search(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    user: CurrentUser,
    Form(form): Form<ListForm>,
) -> Result<Response, AppError> {
    search(&state, ctx, &session, &user, form, Which::Monitoring).await
}
