//! `/notifikasi`: the signed-in user's in-app notifications (a case arrived at their desk, a
//! case returned to their hospital), newest first; opening one marks it read, and one button
//! marks them all read. Every query names the user, so nobody reaches another's notifications.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use uuid::Uuid;

use super::{AppState, Ctx, access, filters, render};
use crate::auth::CurrentUser;
use crate::db::notifications::{self as db_notifications, NotificationRow};
use crate::domain::CaseState;
use crate::web::error::AppError;

/// How many notifications the list shows.
const LIST_LIMIT: i64 = 100;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    access::require(
        Router::new()
            .route("/notifikasi", get(list))
            .route("/notifikasi/baca-semua", post(mark_all_read))
            .route("/notifikasi/{id}/buka", post(open)),
        access::CASE_ROLES,
    )
}

/// The header's unread count: for a signed-in case role who has set their password, else
/// `None` (no link shown).
pub async fn unread_for(
    state: &AppState,
    user: Option<&CurrentUser>,
) -> Result<Option<i64>, AppError> {
    let Some(user) =
        user.filter(|u| !u.must_change_password && crate::access::CASE_ROLES.contains(&u.role))
    else {
        return Ok(None);
    };
    Ok(Some(
        db_notifications::unread_count(&state.pool, user.id)
            .await
            .map_err(anyhow::Error::from)?,
    ))
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
