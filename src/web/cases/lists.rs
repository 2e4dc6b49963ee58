//! The case lists: the role's queue (`/antrean`, overdue first), the hospital's own cases
//! (`/kasus-saya`, newest first) and the monitoring list of the roles that watch rather than
//! act (`/pemantauan`, every case in scope, closed ones too, newest first).
//!
//! Search and filters never travel in a URL (a NIK or a name would land in browser history,
//! proxies and logs), and going back or reloading never asks to resend a form: the filter form
//! is POSTed, kept in the session under an opaque random id ([`crate::web::kept`], per user,
//! with an expiry), and answered with a 303 to `GET <list>?cari=<id>`. Only that id (and a paging
//! cursor, which holds a due date and a case id) is ever in the address.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::access;
use crate::auth::CurrentUser;
use crate::cases::Scope;
use crate::cases::lists::{Criteria, ListEntry, ListForm, ListKind, desk_roles};
use crate::db::cases::ListRow;
use crate::db::reference::{Hospital, KabKota};
use crate::domain::Role;
use crate::domain::action::FieldError;
use crate::domain::text;
use crate::http::export::case_list;
use crate::http::{decode_cursor, encode_cursor};
use crate::web::error::AppError;
use crate::web::kept;
use crate::web::{AppState, Ctx, render_status};

/// Session key of the searches kept for the lists (see [`crate::web::kept`]).
const SESSION_SEARCHES: &str = "list_searches";

/// Keeps `form` for `user` and returns its id.
async fn keep_search(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    which: Which,
    form: ListForm,
) -> Result<String, AppError> {
    let now = state.clock.now();
    kept::keep(
        session,
        SESSION_SEARCHES,
        now,
        user.id,
        which.action(),
        form,
    )
    .await
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
    kept::find(session, SESSION_SEARCHES, now, user.id, which.action(), id).await
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    ctx: Ctx,
    title: &'static str,
    action: &'static str,
    intro: &'static str,
    form: ListForm,
    rows: Vec<ListEntry>,
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
    /// The download links of the list as shown (the kept search's id travels with them),
    /// when the role may download it.
    downloads: Option<Downloads>,
}

/// The "Unduh XLSX" / "Unduh CSV" links of a list.
struct Downloads {
    xlsx: String,
    csv: String,
}

impl Downloads {
    /// The links of `which` with the kept search `id`, if the role may open the list (the
    /// downloads sit in the list's own area of [`access::AREAS`]).
    fn of(which: Which, role: Role, id: Option<&str>) -> Option<Downloads> {
        if !access::may_open(role, which.action()) {
            return None;
        }
        let link = |format: &str| match id {
            Some(id) => format!("{}/unduh?format={format}&cari={id}", which.action()),
            None => format!("{}/unduh?format={format}", which.action()),
        };
        Some(Downloads {
            xlsx: link("xlsx"),
            csv: link("csv"),
        })
    }
}

impl ListPage {
    fn search_max(&self) -> usize {
        text::SEARCH_MAX
    }
    /// Whether the folded filter form opens: a filter is set, or the form was refused (its
    /// messages must be seen). Otherwise it stays folded so the cases come first on a phone.
    fn filters_open(&self) -> bool {
        !self.errors.is_empty() || self.filters_set() > 0
    }
    /// How many filters are set, for the folded form's summary.
    fn filters_set(&self) -> usize {
        let f = &self.form;
        [
            &f.q,
            &f.state,
            &f.desk,
            &f.kab,
            &f.hospital,
            &f.overdue,
            &f.from,
            &f.to,
        ]
        .iter()
        .filter(|v| !v.trim().is_empty())
        .count()
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
type Which = ListKind;

/// What a page says of its list.
trait ListPageText {
    fn title(self) -> &'static str;
    fn action(self) -> &'static str;
    fn intro(self) -> &'static str;
}

impl ListPageText for ListKind {
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
}

/// One page of the list and the cursor of the next, for a valid filter.
async fn fetch(
    state: &AppState,
    user: &CurrentUser,
    criteria: Criteria,
    after: Option<(NaiveDate, Uuid)>,
    which: Which,
) -> Result<(Vec<ListRow>, Option<String>), AppError> {
    let summary = criteria.summary();
    let searched = criteria.search.is_some();
    let mut filter = criteria.filter(which, state.clock.today());
    filter.limit = PAGE + 1;
    filter.after = after;
    let mut rows: Vec<ListRow> = match which {
        Which::Queue => state.cases.queue(user, filter).await?,
        Which::Mine | Which::Monitoring => state.cases.list(user, &filter).await?,
    };
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
    state
        .cases
        .log_list(user, "web", which.code(), &summary, searched, &ids)
        .await?;
    let due = |c: &ListRow| which.by_due_date().then_some(c.sla_due_date).flatten();
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
    let reference = state.cases.reference_for(user).await?;
    let (kab_kota, hospitals) = (&reference.kab_kota, &reference.hospitals);
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
        .parse(which, user.role, kab_kota, hospitals)
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
    let entries = state.cases.entries(rows, &reference);
    let next_page = next_cursor.map(|c| match &id {
        Some(id) => format!("{}?cari={id}&lanjut={c}", which.action()),
        None => format!("{}?lanjut={c}", which.action()),
    });
    let page = ListPage {
        ctx,
        title: which.title(),
        action: which.action(),
        intro: which.intro(),
        rows: entries,
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
        kab_kota: kab_kota.clone(),
        hospitals: hospitals.clone(),
        show_hospital_filter: !matches!(Scope::of(user), Scope::Hospital(_)),
        monitoring: which == Which::Monitoring,
        downloads: (errors.is_empty() && notice.is_none())
            .then(|| Downloads::of(which, user.role, id.as_deref()))
            .flatten(),
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
    let reference = state.cases.reference_for(user).await?;
    if form
        .parse(which, user.role, &reference.kab_kota, &reference.hospitals)
        .is_err()
    {
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

/// The address of a list download: the format and the kept search's id, nothing else.
#[derive(Debug, Deserialize)]
pub(super) struct DownloadQuery {
    format: Option<String>,
    cari: Option<String>,
}

/// The whole list as shown with the kept search, as XLSX or CSV (see [`crate::http::export`]):
/// the same filters, scope and NIK masking as the page. An unknown or expired search is a 404,
/// a format other than `xlsx` or `csv` a 400; neither is logged as an export.
async fn download(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    query: DownloadQuery,
    which: Which,
) -> Result<Response, AppError> {
    let format = crate::web::download_format(query.format.as_deref())?;
    let form = match query.cari.as_deref().map(str::trim) {
        None | Some("") => ListForm::default(),
        Some(id) => find_search(state, session, user, which, id)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    Ok(case_list::respond(state, user, which, &form, format).await?)
}

pub(super) async fn queue_download(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
    Query(query): Query<DownloadQuery>,
) -> Result<Response, AppError> {
    download(&state, &session, &user, query, Which::Queue).await
}

pub(super) async fn my_cases_download(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
    Query(query): Query<DownloadQuery>,
) -> Result<Response, AppError> {
    download(&state, &session, &user, query, Which::Mine).await
}

pub(super) async fn monitoring_download(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
    Query(query): Query<DownloadQuery>,
) -> Result<Response, AppError> {
    download(&state, &session, &user, query, Which::Monitoring).await
}
