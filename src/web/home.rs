//! The home page after sign-in: who you are, your role and scope, and your menu.

use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::get;

use super::{AppState, Ctx, access, render};
use crate::auth::CurrentUser;
use crate::web::error::AppError;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    access::require(Router::new().route("/", get(home)), access::EVERYONE)
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    user: CurrentUser,
}

async fn home(ctx: Ctx, user: CurrentUser) -> Result<Response, AppError> {
    render(&HomePage { ctx, user })
}
