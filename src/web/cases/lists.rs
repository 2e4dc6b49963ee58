//! The case lists: the role's queue (`/antrean`, overdue first) and the hospital's own cases
//! (`/kasus-saya`, newest first), with search and filters sent by POST so that a searched NIK
//! or name never appears in a URL.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::cases::view::CaseView;
use crate::cases::{Scope, service};
use crate::db;
use crate::db::cases::{CaseRow, ListFilter};
use crate::db::reference::{Hospital, KabKota};
use crate::domain::action::FieldError;
use crate::domain::text::{self, Lines};
use crate::domain::{CaseState, Role};
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

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct ListForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    kab: String,
    #[serde(default)]
    hospital: String,
    #[serde(default)]
    cursor: String,
}

impl ListForm {
    /// What is wrong with the search box and the kab/kota filter (the other filters are
    /// choices parsed leniently: an unknown state or hospital is no filter).
    fn problems(&self, kab_kota: &[KabKota]) -> Vec<FieldError> {
        let mut errors = vec![];
        let q = self.q.trim();
        if let Err(e) = text::check("q", "Pencarian", q, text::SEARCH_MAX, Lines::One) {
            errors.push(e);
        }
        if !self.kab.is_empty() && !kab_kota.iter().any(|k| k.code == self.kab) {
            errors.push(FieldError {
                field: "kab",
                message: "Kab/Kota tidak dikenal; pilih dari daftar.".into(),
            });
        }
        errors
    }
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
    next_cursor: Option<String>,
    states: Vec<(&'static str, &'static str)>,
    kab_kota: Vec<KabKota>,
    hospitals: Vec<Hospital>,
    show_hospital_filter: bool,
    /// Problems of the search form, by field (`q`, `kab`).
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
}

const PAGE: i64 = 50;

/// Which list a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    /// The role's queue: cases waiting at its desks, overdue first.
    Queue,
    /// The hospital's own cases, closed ones too, newest first.
    Mine,
}

impl Which {
    fn title(self) -> &'static str {
        match self {
            Which::Queue => "Antrean saya",
            Which::Mine => "Kasus rumah sakit",
        }
    }
    fn action(self) -> &'static str {
        match self {
            Which::Queue => "/antrean",
            Which::Mine => "/kasus-saya",
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
        }
    }
    /// The states the state filter offers.
    fn states(self, role: Role) -> Vec<CaseState> {
        match self {
            Which::Queue => service::queue_filter(role).states,
            Which::Mine => CaseState::ALL.to_vec(),
        }
    }
}

/// One page of the list and the cursor of the next, for a valid filter form.
async fn fetch(
    state: &AppState,
    user: &CurrentUser,
    form: &ListForm,
    which: Which,
) -> Result<(Vec<CaseRow>, Option<String>), AppError> {
    let selected = form.state.parse::<CaseState>().ok();
    let mut filter = ListFilter {
        limit: PAGE + 1,
        search: Some(form.q.trim().to_string()).filter(|s| !s.is_empty()),
        kab_kota_code: Some(form.kab.clone()).filter(|s| !s.is_empty()),
        hospital_id: form.hospital.parse().ok(),
        after: decode_cursor(&form.cursor),
        ..Default::default()
    };
    let mut rows = if which == Which::Mine {
        filter.states = selected.map_or_else(|| CaseState::ALL.to_vec(), |s| vec![s]);
        state.cases.list(user, &filter).await?
    } else {
        filter.states = selected.into_iter().collect();
        state.cases.queue(user, filter).await?
    };
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let due = |c: &CaseRow| (which == Which::Queue).then_some(c.sla_due_date).flatten();
    let next = more
        .then(|| rows.last().map(|c| encode_cursor(due(c), c.id)))
        .flatten();
    Ok((rows, next))
}

async fn list_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: ListForm,
    which: Which,
) -> Result<Response, AppError> {
    let kab_kota = db::reference::list_kab_kota(&state.pool).await?;
    let errors = form.problems(&kab_kota);
    let (rows, next_cursor) = if errors.is_empty() {
        fetch(state, user, &form, which).await?
    } else {
        (vec![], None)
    };
    let views = state.cases.views(user, &rows).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ListPage {
        ctx,
        title: which.title(),
        action: which.action(),
        intro: which.intro(),
        rows: list_rows(views),
        next_cursor,
        states: which
            .states(user.role)
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        kab_kota,
        hospitals: db::reference::list_hospitals(&state.pool).await?,
        show_hospital_filter: !matches!(Scope::of(user), Scope::Hospital(_)),
        form,
        errors,
    };
    render_status(status, &page)
}

pub(super) async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    list_page(&state, ctx, &user, ListForm::default(), Which::Queue).await
}

pub(super) async fn queue_search(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<ListForm>,
) -> Result<Response, AppError> {
    list_page(&state, ctx, &user, form, Which::Queue).await
}

pub(super) async fn my_cases(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    list_page(&state, ctx, &user, ListForm::default(), Which::Mine).await
}

pub(super) async fn my_cases_search(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<ListForm>,
) -> Result<Response, AppError> {
    list_page(&state, ctx, &user, form, Which::Mine).await
}
