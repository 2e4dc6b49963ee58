//! Signing in and out, and changing one's own password.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use super::middleware::{SESSION_USER, csrf_token};
use super::{AppState, Ctx, access, flash, render, render_status};
use crate::auth::{self, CurrentUser};
use crate::db;
use crate::db::users::UserRow;
use crate::domain::text::control_char_problem;
use crate::web::error::AppError;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    let open = Router::new()
        .route("/masuk", get(login_page).post(login))
        .route("/keluar", axum::routing::post(logout));
    let signed_in = access::require(
        Router::new().route("/akun/kata-sandi", get(password_page).post(change_password)),
        access::EVERYONE,
    );
    open.merge(signed_in)
}

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginPage {
    ctx: Ctx,
    username: String,
    error: Option<String>,
}

async fn login_page(ctx: Ctx) -> Result<Response, AppError> {
    if ctx.user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    render(&LoginPage {
        ctx,
        username: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

const LOGIN_FAILED: &str = "Nama pengguna atau kata sandi salah.";

/// The active user whose password this is, or `None`. The same work and the same answer whether
/// the user is unknown, inactive or the password is wrong.
async fn authenticate(state: &AppState, form: LoginForm) -> Result<Option<UserRow>, AppError> {
    let username = form.username.trim();
    // Nothing that cannot be a username reaches the database (a NUL byte would make it fail).
    let plausible = !username.is_empty()
        && username.chars().count() <= auth::MAX_USERNAME_LEN
        && control_char_problem("", username).is_none();
    let user = if !plausible || form.password.is_empty() {
        None
    } else {
        db::users::by_username(&state.pool, username).await?
    };
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let password_ok = auth::verify_password_async(form.password, hash).await;
    Ok(user.filter(|u| password_ok && u.active))
}

/// Starts the signed-in session: a fresh session id and a fresh CSRF token with it.
async fn start_session(
    state: &AppState,
    session: &Session,
    user: &UserRow,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(anyhow::Error::from)?;
    session
        .remove::<String>(super::middleware::SESSION_CSRF)
        .await
        .map_err(anyhow::Error::from)?;
    session
        .insert(SESSION_USER, user.id)
        .await
        .map_err(anyhow::Error::from)?;
    csrf_token(session).await?;
    db::users::touch_login(&state.pool, user.id).await?;
    let details = serde_json::json!({});
    db::audit::record(&state.pool, Some(user.id), "session.sign_in", None, details).await?;
    tracing::info!(user_id = %user.id, "signed in");
    Ok(())
}

async fn login(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let username = form.username.trim().to_string();
    let Some(user) = authenticate(&state, form).await? else {
        tracing::info!("sign-in failed");
        let page = LoginPage {
            ctx,
            username,
            error: Some(LOGIN_FAILED.into()),
        };
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    start_session(&state, &session, &user).await?;
    let to = if user.must_change_password {
        "/akun/kata-sandi"
    } else {
        "/"
    };
    Ok(Redirect::to(to).into_response())
}

async fn logout(session: Session) -> Result<Response, AppError> {
    session.flush().await.map_err(anyhow::Error::from)?;
    Ok(Redirect::to("/masuk").into_response())
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    ctx: Ctx,
    forced: bool,
    errors: Vec<(&'static str, String)>,
}

impl PasswordPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

async fn password_page(ctx: Ctx, user: CurrentUser) -> Result<Response, AppError> {
    render(&PasswordPage {
        ctx,
        forced: user.must_change_password,
        errors: vec![],
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

impl PasswordForm {
    /// A message for every field at fault: the current password must be right, the new one
    /// acceptable, confirmed and different.
    async fn problems(&self, current_hash: &str) -> Vec<(&'static str, String)> {
        let mut errors = vec![];
        let current = self.current_password.clone();
        if !auth::verify_password_async(current, current_hash.to_string()).await {
            errors.push(("current_password", "Kata sandi saat ini salah.".to_string()));
        }
        if let Some(problem) = auth::password_problem(&self.new_password) {
            errors.push(("new_password", format!("Kata sandi baru: {problem}")));
        }
        if self.new_password != self.confirm_password {
            errors.push((
                "confirm_password",
                "Ulangi kata sandi baru: isinya tidak sama dengan kata sandi baru.".to_string(),
            ));
        }
        let new = self.new_password.clone();
        if errors.is_empty() && auth::verify_password_async(new, current_hash.to_string()).await {
            errors.push((
                "new_password",
                "Kata sandi baru harus berbeda dari kata sandi saat ini.".to_string(),
            ));
        }
        errors
    }
}

async fn change_password(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let row = db::users::by_id(&state.pool, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let errors = form.problems(&row.password_hash).await;
    if !errors.is_empty() {
        let forced = user.must_change_password;
        let page = PasswordPage {
            ctx,
            forced,
            errors,
        };
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let hash = auth::hash_password_async(form.new_password).await?;
    db::users::set_password(&state.pool, user.id, &hash, false).await?;
    let target = user.id.to_string();
    let event = "user.change_password";
    db::audit::record(
        &state.pool,
        Some(user.id),
        event,
        Some(&target),
        serde_json::json!({}),
    )
    .await?;
    // Keep this session but give it a new id.
    session.cycle_id().await.map_err(anyhow::Error::from)?;
    flash(&session, "Kata sandi berhasil diganti.").await?;
    Ok(Redirect::to("/").into_response())
}
