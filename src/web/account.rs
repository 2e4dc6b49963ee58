//! Signing in and out, and one's own account: the profile with the e-mail address
//! notifications go to (`/akun`), the password (`/akun/kata-sandi`) and the choice of
//! notifications per kind and channel (`/akun/notifikasi`).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use super::middleware::{SESSION_SIGNED_IN, SESSION_USER, SignedIn};
use super::{AppState, Ctx, access, flash, render, render_status};
use crate::auth::throttle::Attempt;
use crate::auth::{self, CurrentUser};
use crate::db;
use crate::db::preferences::{self, Preference};
use crate::db::users::UserRow;
use crate::domain::text::control_char_problem;
use crate::domain::{Email, NotificationKind};
use crate::http::client::ClientIp;
use crate::web::error::AppError;

/// Routes of this area.
pub fn router(state: &AppState) -> Router<AppState> {
    let sign_in = super::throttle::per_address(post(login), state).get(login_page);
    let open = Router::new()
        .route("/masuk", sign_in)
        .route("/keluar", axum::routing::post(logout));
    let signed_in = access::require(
        Router::new()
            .route("/akun", get(profile_page).post(save_email))
            .route(
                "/akun/keluar-semua",
                axum::routing::post(sign_out_everywhere),
            )
            .route("/akun/kata-sandi", get(password_page).post(change_password)),
        access::EVERYONE,
    );
    let case_roles = access::require(
        Router::new().route(
            "/akun/notifikasi",
            get(preferences_page).post(save_preferences),
        ),
        access::CASE_ROLES,
    );
    open.merge(signed_in).merge(case_roles)
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

/// The active user whose password this is, or `None`; [`AppError::TooManyRequests`] while the
/// name typed is throttled ([`auth::throttle`]). The same work and the same answer whether the
/// user is unknown, inactive or the password is wrong. Failed and throttled attempts are
/// audited (with the client address, never the password; the target is the account when the
/// name exists); a hash made with older Argon2 parameters is replaced after a right password.
async fn authenticate(
    state: &AppState,
    client: ClientIp,
    form: LoginForm,
) -> Result<Option<UserRow>, AppError> {
    let username = form.username.trim();
    // Nothing that cannot be a username reaches the database (a NUL byte would make it fail).
    let plausible = !username.is_empty()
        && username.chars().count() <= auth::MAX_USERNAME_LEN
        && control_char_problem("", username).is_none();
    let user = if plausible {
        db::users::by_username(&state.pool, username).await?
    } else {
        None
    };
    let target = user.as_ref().map(|u| u.id.to_string());
    let now = state.clock.now();
    if let Attempt::Throttled { retry_after_secs } =
        auth::throttle::attempt(&state.pool, username, now).await?
    {
        let details = serde_json::json!({"client": client.to_string(), "per": "account"});
        let event = "session.sign_in_throttled";
        db::audit::record(&state.pool, None, event, target.as_deref(), details).await?;
        tracing::info!("sign-in throttled (account name)");
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let hash = user
        .as_ref()
        .filter(|_| !form.password.is_empty())
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let password_ok = auth::verify_password_async(form.password.clone(), hash).await;
    let Some(user) = user.filter(|u| password_ok && u.active && !form.password.is_empty()) else {
        let details = serde_json::json!({"client": client.to_string()});
        let event = "session.sign_in_failed";
        db::audit::record(&state.pool, None, event, target.as_deref(), details).await?;
        return Ok(None);
    };
    auth::throttle::succeeded(&state.pool, username).await?;
    if auth::needs_rehash(&user.password_hash) {
        let new_hash = auth::hash_password_async(form.password).await?;
        if db::users::replace_password_hash(&state.pool, user.id, &user.password_hash, &new_hash)
            .await?
        {
            tracing::info!(user_id = %user.id, "password hash upgraded");
        }
    }
    Ok(Some(user))
}

/// Starts the signed-in session: a fresh session id (nothing of an earlier session kept), the
/// user, and the user's current session generation with the start time (app clock), from which
/// `load_session_user` keeps the idle and absolute limits.
pub(super) async fn start_session(
    state: &AppState,
    session: &Session,
    user: &UserRow,
    client: ClientIp,
) -> Result<(), AppError> {
    session.clear().await;
    session.cycle_id().await.map_err(anyhow::Error::from)?;
    let epoch = db::users::session_epoch(&state.pool, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    session
        .insert(SESSION_USER, user.id)
        .await
        .map_err(anyhow::Error::from)?;
    let signed_in = SignedIn::new(epoch, state.clock.now());
    session
        .insert(SESSION_SIGNED_IN, signed_in)
        .await
        .map_err(anyhow::Error::from)?;
    db::users::touch_login(&state.pool, user.id).await?;
    let details = serde_json::json!({"client": client.to_string()});
    db::audit::record(&state.pool, Some(user.id), "session.sign_in", None, details).await?;
    tracing::info!(user_id = %user.id, "signed in");
    Ok(())
}

/// Keeps the current session after its user's sessions were ended (own password change): a new
/// id, and the new generation `epoch` so that this session alone lives on.
async fn keep_session(state: &AppState, session: &Session, epoch: i64) -> Result<(), AppError> {
    session.cycle_id().await.map_err(anyhow::Error::from)?;
    session
        .insert(SESSION_SIGNED_IN, SignedIn::new(epoch, state.clock.now()))
        .await
        .map_err(anyhow::Error::from)?;
    Ok(())
}

async fn login(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    client: ClientIp,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let username = form.username.trim().to_string();
    let Some(user) = authenticate(&state, client, form).await? else {
        tracing::info!("sign-in failed");
        let page = LoginPage {
            ctx,
            username,
            error: Some(LOGIN_FAILED.into()),
        };
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    // A second factor first, when the user has one (`/masuk/kode`).
    if let Some(next) = super::two_factor::second_step(&state, &session, &user).await? {
        return Ok(next);
    }
    start_session(&state, &session, &user, client).await?;
    super::two_factor::after_sign_in(&state, &session, user.id).await?;
    Ok(Redirect::to(landing(&user)).into_response())
}

/// Where a user goes once signed in: the forced password change, the forced enrolment of a
/// second factor, or home.
pub(super) fn landing(user: &UserRow) -> &'static str {
    if user.must_change_password {
        "/akun/kata-sandi"
    } else if crate::auth::totp::is_mandatory(user.role.0) && !user.totp_enabled {
        "/akun/dua-langkah"
    } else {
        "/"
    }
}

/// Signs out: the session is deleted from the store, so its cookie opens nothing any more.
async fn logout(
    State(state): State<AppState>,
    session: Session,
    user: Option<Extension<CurrentUser>>,
) -> Result<Response, AppError> {
    session.flush().await.map_err(anyhow::Error::from)?;
    if let Some(Extension(user)) = user {
        // Signing out ends every session of the user, not only this browser's: a PIC who
        // signs out at the ward desk is signed out on the phone left in a drawer too.
        let generation = db::users::end_sessions(&state.pool, user.id).await?;
        let details = serde_json::json!({"session_generation": generation});
        db::audit::record(
            &state.pool,
            Some(user.id),
            "session.sign_out",
            None,
            details,
        )
        .await?;
        tracing::info!(user_id = %user.id, "signed out");
    }
    Ok(([super::offline::CLEAR_SITE_DATA], Redirect::to("/masuk")).into_response())
}

/// "Keluar dari semua perangkat": ends every session of the user, this one included.
async fn sign_out_everywhere(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let mut tx = state.pool.begin().await?;
    db::users::end_sessions(&mut *tx, user.id).await?;
    let target = user.id.to_string();
    let details = serde_json::json!({});
    let event = "session.sign_out_everywhere";
    db::audit::record(&mut *tx, Some(user.id), event, Some(&target), details).await?;
    tx.commit().await?;
    session.flush().await.map_err(anyhow::Error::from)?;
    tracing::info!(user_id = %user.id, "signed out everywhere");
    Ok(([super::offline::CLEAR_SITE_DATA], Redirect::to("/masuk")).into_response())
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
    async fn problems(&self, username: &str, current_hash: &str) -> Vec<(&'static str, String)> {
        let mut errors = vec![];
        let current = self.current_password.clone();
        if !auth::verify_password_async(current, current_hash.to_string()).await {
            errors.push(("current_password", "Kata sandi saat ini salah.".to_string()));
        }
        if let Some(problem) = auth::password_problem(&self.new_password, username) {
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
    // The current password is a password check like sign-in: throttled on the same counter.
    let now = state.clock.now();
    if let Attempt::Throttled { retry_after_secs } =
        auth::throttle::attempt(&state.pool, &row.username, now).await?
    {
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let errors = form.problems(&row.username, &row.password_hash).await;
    if !errors.iter().any(|(field, _)| *field == "current_password") {
        auth::throttle::succeeded(&state.pool, &row.username).await?;
    }
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
    let mut tx = state.pool.begin().await?;
    db::users::set_password(&mut *tx, user.id, &hash, false).await?;
    // Every other session ends and every API token is revoked; this session lives on.
    let now = state.clock.now();
    let (epoch, revoked) = db::users::end_sessions_and_tokens(&mut tx, user.id, now).await?;
    let target = user.id.to_string();
    let event = "user.change_password";
    let details = serde_json::json!({"tokens_revoked": revoked});
    db::audit::record(&mut *tx, Some(user.id), event, Some(&target), details).await?;
    tx.commit().await?;
    keep_session(&state, &session, epoch).await?;
    flash(&session, "Kata sandi berhasil diganti.").await?;
    Ok(Redirect::to("/").into_response())
}

#[derive(Template)]
#[template(path = "account/profile.html")]
struct ProfilePage {
    ctx: Ctx,
    user: CurrentUser,
    /// The address as shown in the field: stored, or as typed after a refusal.
    email: String,
    error: Option<String>,
    /// The preferences page exists for the role.
    has_preferences: bool,
    /// The role may make API tokens (`/token-api`, linked from here, not from the menu).
    has_tokens: bool,
    email_max: usize,
}

fn profile(ctx: Ctx, user: CurrentUser, email: String, error: Option<String>) -> ProfilePage {
    ProfilePage {
        ctx,
        has_preferences: crate::access::CASE_ROLES.contains(&user.role),
        has_tokens: crate::access::may_open(user.role, "/token-api"),
        user,
        email,
        error,
        email_max: crate::domain::email::MAX_LEN,
    }
}

async fn profile_page(ctx: Ctx, user: CurrentUser) -> Result<Response, AppError> {
    let email = user.email.clone().unwrap_or_default();
    render(&profile(ctx, user, email, None))
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
}

/// Saves one's own e-mail address (empty: none); a refused one is shown again as typed.
async fn save_email(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<EmailForm>,
) -> Result<Response, AppError> {
    let email = match Email::parse_optional(&form.email) {
        Ok(email) => email,
        Err(message) => {
            let page = profile(ctx, user, form.email, Some(message));
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.pool.begin().await?;
    db::users::set_email(&mut *tx, user.id, email.as_ref()).await?;
    // The audit row says that the address changed, not what it is (personal data).
    let details = serde_json::json!({"email_set": email.is_some()});
    let target = user.id.to_string();
    db::audit::record(
        &mut *tx,
        Some(user.id),
        "user.set_email",
        Some(&target),
        details,
    )
    .await?;
    tx.commit().await?;
    let message = if email.is_some() {
        "Alamat email disimpan."
    } else {
        "Alamat email dihapus; tidak ada notifikasi yang dikirim lewat email."
    };
    flash(&session, message).await?;
    Ok(Redirect::to("/akun").into_response())
}

/// One line of the preferences form.
struct PreferenceLine {
    kind: NotificationKind,
    in_app: bool,
    email: bool,
}

#[derive(Template)]
#[template(path = "account/notifications.html")]
struct PreferencesPage {
    ctx: Ctx,
    lines: Vec<PreferenceLine>,
    has_email: bool,
}

/// The choices in force for the kinds `role` can receive.
async fn preference_lines(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<PreferenceLine>, AppError> {
    let effective = preferences::effective(&state.pool, user.id).await?;
    Ok(NotificationKind::for_role(user.role)
        .into_iter()
        .map(|kind| {
            let p = effective.iter().find(|p| p.kind == kind);
            PreferenceLine {
                kind,
                in_app: p.is_some_and(|p| p.in_app),
                email: p.is_some_and(|p| p.email),
            }
        })
        .collect())
}

async fn preferences_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let lines = preference_lines(&state, &user).await?;
    render(&PreferencesPage {
        ctx,
        lines,
        has_email: user.email.is_some(),
    })
}

/// The choices a posted preferences form makes for the kinds of `role`: a ticked box is sent
/// (`<kind>_in_app`, `<kind>_email`), an unticked one is not. Other names are ignored, as any
/// form ignores fields it does not have.
fn choices_from_form(role: crate::domain::Role, form: &[(String, String)]) -> Vec<Preference> {
    let ticked = |name: String| form.iter().any(|(k, _)| *k == name);
    NotificationKind::for_role(role)
        .into_iter()
        .map(|kind| Preference {
            kind,
            in_app: kind.has_in_app() && ticked(format!("{}_in_app", kind.as_str())),
            email: ticked(format!("{}_email", kind.as_str())),
        })
        .collect()
}

/// Saves every kind's choice in one transaction, then shows the page again (303).
async fn save_preferences(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let choices = choices_from_form(user.role, &form);
    let mut tx = state.pool.begin().await?;
    preferences::save(&mut tx, user.id, &choices).await?;
    tx.commit().await?;
    flash(&session, "Pengaturan notifikasi disimpan").await?;
    Ok(Redirect::to("/akun/notifikasi").into_response())
}
