//! Where patients wait (`/hambatan`): per desk × kab/kota or per desk × hospital (`kelompok`)
//! of the caller's scope, cases at the desk now, overdue cases, median and 90th-percentile
//! working days at the desk over a period, and the working days from registration to the
//! guarantee and to the handover. Every count opens the cases behind it on the same page
//! (`meja` + `kab`/`rs` [+ `hanya`], or `tahap` [+ `kab`/`rs`]). Only the period, the
//! grouping, a desk, a milestone and a kab/kota or hospital code are ever in the address: no
//! personal data.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, Duration, NaiveDate};

use super::{AppState, Ctx, access, render_status};
use crate::auth::CurrentUser;
use crate::cases::CaseError;
use crate::cases::bottleneck::{
    Bottlenecks, CaseLine, DeskRow, Drill, Grouping, Milestone, Only, Place, Subject,
};
use crate::domain::action::FieldError;
use crate::domain::{CaseState, date, locale};
use crate::http::export::{self, bottleneck};
use crate::web::error::AppError;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    access::require(
        Router::new()
            .route("/hambatan", get(page))
            .route("/hambatan/unduh", get(download)),
        access::CASE_ROLES,
    )
}

/// Default period: the last 90 days.
const DEFAULT_DAYS: i64 = 90;

/// The cases opened from a figure.
struct Opened {
    title: String,
    cases: Vec<CaseLine>,
}

#[derive(Template)]
#[template(path = "bottleneck.html")]
struct BottleneckPage {
    ctx: Ctx,
    from: String,
    to: String,
    grouping: Grouping,
    /// The desk the table is narrowed to (its code), or empty for every desk.
    desk: String,
    /// Every desk, as (code, label), for the form.
    desks: Vec<(&'static str, String)>,
    /// The field refused and why.
    error: Option<(&'static str, String)>,
    figures: Option<Bottlenecks>,
    opened: Option<Opened>,
}

impl BottleneckPage {
    fn days(&self, value: &f64) -> String {
        locale::decimal(*value)
    }

    fn date(&self, d: &NaiveDate) -> String {
        locale::date(*d)
    }

    /// Whether the error is about `field` (for `aria-invalid`).
    fn invalid(&self, field: &str) -> bool {
        self.error.as_ref().is_some_and(|(f, _)| *f == field)
    }

    /// The address of this page with the period and grouping, and `extra` parameters.
    fn link(&self, extra: &[(&str, &str)]) -> String {
        let mut params = vec![
            ("dari", self.from.as_str()),
            ("sampai", self.to.as_str()),
            ("kelompok", self.grouping.code()),
        ];
        // The desk the table is narrowed to stays, unless the link names one.
        if !self.desk.is_empty() && !extra.iter().any(|(k, _)| *k == "meja") {
            params.push(("meja", self.desk.as_str()));
        }
        params.extend_from_slice(extra);
        let query = serde_urlencoded::to_string(&params).unwrap_or_default();
        format!("/hambatan?{query}#kasus")
    }

    /// The cases behind a desk row: all stays counted, those at the desk now (`meja`), or the
    /// overdue ones (`terlambat`).
    fn desk_link(&self, row: &DeskRow, only: &str) -> String {
        let mut extra = vec![
            ("meja", row.state),
            (self.grouping.code(), row.place.code()),
        ];
        if !only.is_empty() {
            extra.push(("hanya", only));
        }
        self.link(&extra)
    }

    /// The cases reaching a milestone (`jaminan`, `serah`), in one group or the whole scope.
    fn lead_link(&self, tahap: &str, place: Option<&Place>) -> String {
        let mut extra = vec![("tahap", tahap)];
        if let Some(p) = place {
            extra.push((self.grouping.code(), p.code()));
        }
        self.link(&extra)
    }

    /// The address of the table's download as `format`: the period, grouping and desk shown.
    fn download(&self, format: &str) -> String {
        let mut params = vec![
            ("format", format),
            ("dari", self.from.as_str()),
            ("sampai", self.to.as_str()),
            ("kelompok", self.grouping.code()),
        ];
        if !self.desk.is_empty() {
            params.push(("meja", self.desk.as_str()));
        }
        let query = serde_urlencoded::to_string(&params).unwrap_or_default();
        format!("/hambatan/unduh?{query}")
    }

    /// The rows shown: every desk's, or the chosen desk's.
    fn shown_rows(&self) -> Vec<&DeskRow> {
        self.figures.as_ref().map_or(vec![], |f| {
            f.rows
                .iter()
                .filter(|r| self.desk.is_empty() || r.state == self.desk)
                .collect()
        })
    }
}

/// What the address asks for, read and checked.
struct Request {
    from: NaiveDate,
    to: NaiveDate,
    grouping: Grouping,
    desk: Option<CaseState>,
    drill: Option<Drill>,
}

/// A refused parameter: its name and the message.
type Refusal = (&'static str, String);

/// Reads the address; a value that is not understood is refused with a message naming it.
fn read(q: &HashMap<String, String>, today: NaiveDate) -> Result<Request, Refusal> {
    let get = |name: &str| q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty());
    let date = |name: &'static str, default: NaiveDate| {
        match get(name) {
        None => Ok(default),
        Some(s) => s
            .parse::<NaiveDate>()
            .ok()
            .filter(|d| (date::MIN_YEAR..=date::MAX_YEAR).contains(&d.year()))
            .ok_or_else(|| {
                (
                    name,
                    format!(
                        "Tanggal \"{name}\" tidak dikenali; gunakan format TTTT-BB-HH, tahun {}–{}.",
                        date::MIN_YEAR,
                        date::MAX_YEAR
                    ),
                )
            }),
    }
    };
    let from = date("dari", today - Duration::days(DEFAULT_DAYS))?;
    let to = date("sampai", today)?;
    // An address written by hand with `rs=` only still means the hospitals.
    let grouping = match get("kelompok") {
        Some(code) => Grouping::parse(code).ok_or((
            "kelompok",
            "Pengelompokan \"kelompok\" tidak dikenali; pilih kabupaten/kota atau rumah sakit."
                .to_string(),
        ))?,
        None if get("rs").is_some() => Grouping::Hospital,
        None => Grouping::KabKota,
    };
    let desk = get("meja")
        .map(|code| {
            code.parse::<CaseState>()
                .ok()
                .filter(|s| !s.is_terminal())
                .ok_or((
                    "meja",
                    "Meja \"meja\" tidak dikenali; pilih salah satu meja dari daftar.".to_string(),
                ))
        })
        .transpose()?;
    let milestone = get("tahap")
        .map(|code| {
            Milestone::parse(code).ok_or((
                "tahap",
                "Tahap \"tahap\" tidak dikenali; gunakan jaminan atau serah.".to_string(),
            ))
        })
        .transpose()?;
    let only = Only::parse(get("hanya").unwrap_or_default()).ok_or((
        "hanya",
        "Pilihan \"hanya\" tidak dikenali; gunakan meja atau terlambat.".to_string(),
    ))?;
    let code = get(grouping.code()).map(str::to_string);
    let drill = match (milestone, desk, code) {
        (Some(m), _, code) => Some(Drill {
            subject: Subject::Milestone(m),
            grouping,
            code,
        }),
        (None, Some(desk), Some(code)) => Some(Drill {
            subject: Subject::Desk(desk, only),
            grouping,
            code: Some(code),
        }),
        // A desk alone narrows the table; no group, no list.
        _ => None,
    };
    Ok(Request {
        from,
        to,
        grouping,
        desk,
        drill,
    })
}

/// The heading of the opened list, naming the group from the figures (never echoing the
/// address, which may hold anything).
fn title(drill: &Drill, figures: &Bottlenecks) -> String {
    let group = drill.code.as_deref().map(|code| {
        figures
            .rows
            .iter()
            .map(|r| &r.place)
            .chain(figures.lead_times.iter().map(|r| &r.place))
            .find(|p| p.code() == code)
            .map_or_else(
                || "kelompok yang tidak ada di cakupan Anda".to_string(),
                |p| format!("{} ({})", p.name(), p.code()),
            )
    });
    let what = match drill.subject {
        Subject::Desk(state, Only::All) => format!("Kasus di meja {}", state.label()),
        Subject::Desk(state, Only::Open) => format!("Kasus di meja {} sekarang", state.label()),
        Subject::Desk(state, Only::Overdue) => {
            format!("Kasus terlambat di meja {}", state.label())
        }
        Subject::Milestone(m) => format!("Kasus sampai \"{}\"", m.label()),
    };
    match group {
        Some(g) => format!("{what}, {g}"),
        None => format!("{what}, seluruh cakupan"),
    }
}

/// Every desk, in workflow order, for the form.
fn desks() -> Vec<(&'static str, String)> {
    CaseState::ALL
        .iter()
        .filter(|s| !s.is_terminal())
        .map(|s| {
            let agency = s.desk().map_or("—", |r| r.agency());
            (s.as_str(), format!("{} ({agency})", s.label()))
        })
        .collect()
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let request = match read(&q, today) {
        Ok(r) => r,
        Err(refusal) => return refused(ctx, &q, refusal),
    };
    let (from, to) = (request.from, request.to);
    let figures = match state
        .cases
        .bottlenecks(&user, from, to, request.grouping)
        .await
    {
        Ok(f) => f,
        Err(CaseError::Invalid(e)) => {
            let field = e.first().map_or("dari", |e| e.field);
            let message = e
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" ");
            return refused(ctx, &q, (field, message));
        }
        Err(e) => return Err(e.into()),
    };
    let opened = match &request.drill {
        Some(drill) => Some(Opened {
            title: title(drill, &figures),
            cases: state.cases.bottleneck_cases(&user, from, to, drill).await?,
        }),
        None => None,
    };
    let page = BottleneckPage {
        ctx,
        from: from.to_string(),
        to: to.to_string(),
        grouping: request.grouping,
        desk: request
            .desk
            .map(|d| d.as_str().to_string())
            .unwrap_or_default(),
        desks: desks(),
        error: None,
        figures: Some(figures),
        opened,
    };
    render_status(StatusCode::OK, &page)
}

/// The desk table as shown (period, grouping, desk) as XLSX or CSV, recorded in the export
/// log. A refused parameter is the page's message, as a 422.
async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let format = crate::web::download_format(q.get("format").map(String::as_str))?;
    let request = read(&q, state.clock.today())
        .map_err(|(field, message)| AppError::Validation(vec![FieldError { field, message }]))?;
    let figures = state
        .cases
        .bottlenecks(&user, request.from, request.to, request.grouping)
        .await?;
    let rows: Vec<DeskRow> = figures
        .rows
        .into_iter()
        .filter(|r| request.desk.is_none_or(|d| r.state == d.as_str()))
        .collect();
    let detail = serde_json::json!({
        "from": request.from,
        "to": request.to,
        "grouping": request.grouping.code(),
        "desk": request.desk.map(|d| d.as_str()),
    });
    Ok(export::respond_read(&state, &user, bottleneck::export(), format, detail, rows).await?)
}

/// The page again with the form as typed and what is wrong with it.
fn refused(ctx: Ctx, q: &HashMap<String, String>, error: Refusal) -> Result<Response, AppError> {
    let typed = |name: &str| q.get(name).cloned().unwrap_or_default();
    let page = BottleneckPage {
        ctx,
        from: typed("dari"),
        to: typed("sampai"),
        grouping: Grouping::parse(&typed("kelompok")).unwrap_or_default(),
        desk: typed("meja"),
        desks: desks(),
        error: Some(error),
        figures: None,
        opened: None,
    };
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
