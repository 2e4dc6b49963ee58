//! `/notifikasi`: the signed-in user's in-app notifications (a case arrived at their desk, a
//! case at their desk became overdue, a case returned to their hospital), newest first; opening one marks it read, and one button
//! marks them all read. Every query names the user, so nobody reaches another's notifications.
//! `/notifikasi/ringkasan`: the user's daily digest ([`crate::cases::digest`]), each figure
//! linked to the list behind it.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use uuid::Uuid;

use super::{AppState, Ctx, access, filters, render};
use crate::access::MONITORS;
use crate::auth::CurrentUser;
use crate::cases::digest::Digest;
use crate::db::notifications::{self as db_notifications, NotificationRow};
use crate::domain::{CaseState, locale};
use crate::web::error::AppError;

/// How many notifications the list shows.
const LIST_LIMIT: i64 = 100;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    access::require(
        Router::new()
            .route("/notifikasi", get(list))
            .route("/notifikasi/ringkasan", get(digest))
            .route("/notifikasi/baca-semua", post(mark_all_read))
            .route("/notifikasi/{id}/buka", post(open)),
        access::CASE_ROLES,
    )
}

/// The header's unread count ("99+" beyond [`db_notifications::UNREAD_SHOWN`]): for a
/// signed-in case role who has set their password, else `None` (no link shown). Counted in
/// the statement that read the page's user (`db::users::for_page`, `CurrentUser::page`).
pub fn unread_for(user: Option<&CurrentUser>) -> Option<String> {
    let n = user
        .filter(|u| !u.must_change_password && crate::access::CASE_ROLES.contains(&u.role))?
        .page?
        .unread;
    Some(if n > db_notifications::UNREAD_SHOWN {
        format!("{}+", db_notifications::UNREAD_SHOWN)
    } else {
        n.to_string()
    })
}

/// One line of the list.
struct Item {
    id: Uuid,
    case_number: String,
    what: String,
    row: NotificationRow,
}

impl From<NotificationRow> for Item {
    fn from(row: NotificationRow) -> Self {
        let state = row
            .state
            .parse::<CaseState>()
            .map(|s| s.label().to_string())
            .unwrap_or_else(|_| row.state.clone());
        let what = match row.kind.as_str() {
            "returned" => "Kasus dikembalikan ke rumah sakit Anda untuk dilengkapi".to_string(),
            "overdue" => format!("Kasus melewati batas waktu di meja Anda: {state}"),
            _ => format!("Kasus masuk ke meja Anda: {state}"),
        };
        Item {
            id: row.id,
            case_number: row.case_number.clone(),
            what,
            row,
        }
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct ListPage {
    ctx: Ctx,
    items: Vec<Item>,
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let rows = db_notifications::list(&state.pool, user.id, LIST_LIMIT)
        .await
        .map_err(anyhow::Error::from)?;
    render(&ListPage {
        ctx,
        items: rows.into_iter().map(Item::from).collect(),
    })
}

async fn mark_all_read(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    db_notifications::mark_all_read(&state.pool, user.id, state.clock.now())
        .await
        .map_err(anyhow::Error::from)?;
    Ok(Redirect::to("/notifikasi").into_response())
}

/// Marks the notification read and goes to its case; another user's id is a 404.
async fn open(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let case_id = db_notifications::open(&state.pool, user.id, id, state.clock.now())
        .await
        .map_err(anyhow::Error::from)?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/kasus/{case_id}")).into_response())
}

#[derive(Template)]
#[template(path = "digest.html")]
struct DigestPage {
    ctx: Ctx,
    digest: Digest,
    /// The monitoring list (`/pemantauan`) is the viewer's list: its figures post a filter
    /// there; other overseers (Dinkes provinsi) are sent to the bottleneck page.
    monitoring: bool,
}

impl DigestPage {
    fn date(&self, d: &chrono::NaiveDate) -> String {
        locale::date(*d)
    }
    /// The last day of the overseers' period (the day before today).
    fn until(&self) -> String {
        locale::date(self.digest.today.pred_opt().unwrap_or(self.digest.today))
    }
    /// The same, as the monitoring list's date filter wants it.
    fn until_iso(&self) -> String {
        let day = self.digest.today.pred_opt().unwrap_or(self.digest.today);
        day.to_string()
    }
}

async fn digest(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let digest = state.cases.digest(&user).await?;
    render(&DigestPage {
        ctx,
        digest,
        monitoring: MONITORS.contains(&user.role),
    })
}
