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
use crate::web::{AppState, Ctx, render};

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

async fn list_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: ListForm,
    mine: bool,
) -> Result<Response, AppError> {
    let kab_kota = db::reference::list_kab_kota(&state.pool).await?;
    let errors = form.problems(&kab_kota);
    let selected_state = form.state.parse::<CaseState>().ok();
    let mut filter = ListFilter {
        limit: PAGE + 1,
        search: Some(form.q.trim().to_string()).filter(|s| !s.is_empty()),
        kab_kota_code: Some(form.kab.clone()).filter(|s| !s.is_empty()),
        hospital_id: form.hospital.parse().ok(),
        after: decode_cursor(&form.cursor),
        ..Default::default()
    };
    let (rows, states): (Vec<CaseRow>, Vec<CaseState>) = if !errors.is_empty() {
        let states = if mine {
            CaseState::ALL.to_vec()
        } else {
            service::queue_filter(user.role).states
        };
        (vec![], states)
    } else if mine {
        filter.states = selected_state.map_or_else(|| CaseState::ALL.to_vec(), |s| vec![s]);
        (
            state.cases.list(user, &filter).await?,
            CaseState::ALL.to_vec(),
        )
    } else {
        filter.states = selected_state.into_iter().collect();
        (
            state.cases.queue(user, filter).await?,
            service::queue_filter(user.role).states,
        )
    };
    let more = rows.len() as i64 > PAGE;
    let rows = &rows[..rows.len().min(PAGE as usize)];
    let next_cursor = if more {
        rows.last()
            .map(|c| encode_cursor(if mine { None } else { c.sla_due_date }, c.id))
    } else {
        None
    };
    let views = state.cases.views(user, rows).await?;
    let refused = !errors.is_empty();
    let mut page = render(&ListPage {
        ctx,
        title: if mine {
            "Kasus rumah sakit"
        } else {
            "Antrean saya"
        },
        action: if mine { "/kasus-saya" } else { "/antrean" },
        intro: if mine {
            "Semua kasus rumah sakit Anda, termasuk yang sudah selesai; terbaru di atas."
        } else {
            "Kasus yang menunggu tindakan Anda di cakupan Anda; yang melewati batas waktu di atas."
        },
        rows: list_rows(views),
        next_cursor,
        states: states.iter().map(|s| (s.as_str(), s.label())).collect(),
        kab_kota,
        hospitals: db::reference::list_hospitals(&state.pool).await?,
        show_hospital_filter: !matches!(Scope::of(user), Scope::Hospital(_)),
        form,
        errors,
    })?;
    if refused {
        *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(page)
}

pub(super) async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    list_page(&state, ctx, &user, ListForm::default(), false).await
}

pub(super) async fn queue_search(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<ListForm>,
) -> Result<Response, AppError> {
    list_page(&state, ctx, &user, form, false).await
}

pub(super) async fn my_cases(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    list_page(&state, ctx, &user, ListForm::default(), true).await
}

pub(super) async fn my_cases_search(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<ListForm>,
) -> Result<Response, AppError> {
    list_page(&state, ctx, &user, form, true).await
}
