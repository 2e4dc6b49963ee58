//! Personal API tokens: create (shown once), list, revoke.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::{AppState, Ctx, access, filters, flash, render, render_status};
use crate::auth::{self, CurrentUser};
use crate::db::{self, tokens::TokenRow};
use crate::domain::text::{control_char_problem, length_problem};
use crate::web::error::AppError;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    access::require(
        Router::new()
            .route("/token-api", get(list).post(create))
            .route("/token-api/{id}/cabut", post(revoke)),
        access::CASE_ROLES,
    )
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    ctx: Ctx,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    name: String,
    error: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let tokens = db::tokens::list_for_user(&state.pool, user.id).await?;
    render(&TokensPage {
        ctx,
        tokens,
        new_token: None,
        name: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
}

impl CreateForm {
    /// The token's name, or why it cannot be one.
    fn parse(&self) -> Result<String, String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(format!(
                "Nama token wajib diisi (maksimal {} karakter), mis. \"SIMRS\".",
                auth::MAX_TOKEN_NAME_LEN
            ));
        }
        match length_problem("Nama token", name, auth::MAX_TOKEN_NAME_LEN)
            .or_else(|| control_char_problem("Nama token", name))
        {
            Some(problem) => Err(problem),
            None => Ok(name.to_string()),
        }
    }
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<CreateForm>,
) -> Result<Response, AppError> {
    let (status, page) = match form.parse() {
        Ok(name) => {
            let (token, hash) = auth::generate_token();
            db::tokens::insert(&state.pool, user.id, &name, &hash).await?;
            let tokens = db::tokens::list_for_user(&state.pool, user.id).await?;
            let page = TokensPage {
                ctx,
                tokens,
                new_token: Some(token),
                name: String::new(),
                error: None,
            };
            (StatusCode::OK, page)
        }
        Err(error) => {
            let tokens = db::tokens::list_for_user(&state.pool, user.id).await?;
            let page = TokensPage {
                ctx,
                tokens,
                new_token: None,
                name: form.name,
                error: Some(error),
            };
            (StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    };
    render_status(status, &page)
}

async fn revoke(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    if !db::tokens::revoke(&state.pool, user.id, id).await? {
        return Err(AppError::NotFound);
    }
    flash(
        &session,
        "Token dicabut; token itu tidak dapat dipakai lagi.",
    )
    .await?;
    Ok(Redirect::to("/token-api").into_response())
}
