//! Two-factor sign-in and account activation.
//!
//! - `/masuk/kode`: after the password proved right, a user with a second factor types the
//!   6-digit code of their authenticator app (or a recovery code). Until then the session holds
//!   only a *pending* sign-in (user id, deadline, wrong codes so far), never the signed-in key.
//! - `/akun/dua-langkah`: enrolment (QR code and the secret in text, confirmed with a code),
//!   new recovery codes, and switching it off for the roles that may.
//! - `/aktivasi`: a user chooses a password with the one-time activation code that reached them
//!   (by e-mail, or from the operator's command line) after an administrator created or reset
//!   their account. The administrator never sees the code.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use super::{AppState, Ctx, access, account, flash, render, render_status};
use crate::auth::{self, CurrentUser, totp};
use crate::db;
use crate::db::users::UserRow;
use crate::domain::locale;
use crate::web::error::AppError;

/// Session key of a pending sign-in (password right, code not yet given).
const PENDING: &str = "sign_in_pending";
/// Minutes a pending sign-in waits for its code.
const PENDING_MINUTES: i64 = 5;
/// Wrong codes after which a pending sign-in ends (the password must be given again).
pub const MAX_CODE_FAILURES: u32 = 5;
/// Longest code input read (a recovery code with spaces fits easily).
const MAX_CODE_LEN: usize = 64;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    let open = Router::new()
        .route("/masuk/kode", get(code_page).post(code_submit))
        .route("/aktivasi", get(activation_page).post(activate));
    let signed_in = access::require(
        Router::new()
            .route("/akun/dua-langkah", get(enrol_page).post(confirm_enrolment))
            .route("/akun/dua-langkah/kode-pemulihan", post(new_recovery_codes))
            .route("/akun/dua-langkah/nonaktifkan", post(disable)),
        access::EVERYONE,
    );
    open.merge(signed_in)
}

/// A sign-in waiting for its second factor.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    user_id: Uuid,
    until: DateTime<Utc>,
    failures: u32,
}

/// Called by the sign-in once the password is right: when the user has a second factor, the
/// session gets a pending sign-in and the answer is the way to the code page; `None` when the
/// sign-in may complete at once.
pub async fn second_step(
    state: &AppState,
    session: &Session,
    user: &UserRow,
) -> Result<Option<Response>, AppError> {
    if !user.totp_enabled {
        return Ok(None);
    }
    let pending = Pending {
        user_id: user.id,
        until: state.clock.now() + Duration::minutes(PENDING_MINUTES),
        failures: 0,
    };
    session
        .insert(PENDING, pending)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(Some(Redirect::to("/masuk/kode").into_response()))
}

/// Called once the session is signed in: tells the user what happened to the account since
/// the last sign-in (an administrator reset it or changed its e-mail address).
pub async fn after_sign_in(
    state: &AppState,
    session: &Session,
    user_id: Uuid,
) -> Result<(), AppError> {
    let notices = db::two_factor::take_notices(&state.pool, user_id, state.clock.now()).await?;
    if notices.is_empty() {
        return Ok(());
    }
    let text = notices
        .iter()
        .map(notice_text)
        .collect::<Vec<_>>()
        .join(" ");
    flash(session, text).await
}

fn notice_text(notice: &db::two_factor::Notice) -> String {
    let who = match notice.actor_role.as_str() {
        "admin" => "seorang administrator",
        _ => "operator server (baris perintah)",
    };
    let when = locale::time(notice.created_at);
    match notice.kind.as_str() {
        "email_changed" => format!(
            "Perhatian: alamat email akun Anda diubah oleh {who} pada {when}. Periksa alamatnya \
             di halaman Akun saya."
        ),
        _ => format!(
            "Perhatian: akun Anda direset oleh {who} pada {when}. Jika Anda tidak memintanya, \
             segera hubungi Dinkes Provinsi."
        ),
    }
}

#[derive(Template)]
#[template(path = "account/sign_in_code.html")]
struct CodePage {
    ctx: Ctx,
    error: Option<String>,
}

async fn pending(session: &Session) -> Result<Option<Pending>, AppError> {
    Ok(session
        .get::<Pending>(PENDING)
        .await
        .map_err(anyhow::Error::from)?)
}

async fn end_pending(session: &Session, message: &str) -> Result<Response, AppError> {
    session
        .remove::<Pending>(PENDING)
        .await
        .map_err(anyhow::Error::from)?;
    flash(session, message).await?;
    Ok(Redirect::to("/masuk").into_response())
}

async fn code_page(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
) -> Result<Response, AppError> {
    match pending(&session).await? {
        Some(p) if p.until > state.clock.now() => render(&CodePage { ctx, error: None }),
        _ => Ok(Redirect::to("/masuk").into_response()),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Checks a second-factor answer of `user` at `now`: a TOTP code of an unused time step, or an
/// unused recovery code (which is then used up).
async fn second_factor_ok(
    state: &AppState,
    user_id: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let code = code.trim();
    if code.is_empty() || code.chars().count() > MAX_CODE_LEN {
        return Ok(false);
    }
    if totp::looks_like_one_time_code(code) {
        let hash = totp::one_time_code_hash(code);
        let used = db::two_factor::use_recovery_code(&state.pool, user_id, &hash, now).await?;
        if used {
            let target = user_id.to_string();
            let detail = serde_json::json!({});
            db::audit::record(
                &state.pool,
                Some(user_id),
                "user.recovery_code_used",
                Some(&target),
                detail,
            )
            .await?;
        }
        return Ok(used);
    }
    let Some(secret) = db::two_factor::totp_of(&state.pool, user_id)
        .await?
        .filter(|t| t.confirmed)
    else {
        return Ok(false);
    };
    match totp::check(&secret.secret, code, now) {
        Some(step) => Ok(db::two_factor::use_step(&state.pool, user_id, step).await?),
        None => Ok(false),
    }
}

const CODE_REFUSED: &str = "Kode salah, sudah kedaluwarsa, atau sudah pernah dipakai. \
                            Masukkan kode 6 angka yang sedang tampil di aplikasi autentikator, \
                            atau satu kode pemulihan.";

async fn code_submit(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    client: crate::http::client::ClientIp,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let Some(mut p) = pending(&session).await? else {
        return Ok(Redirect::to("/masuk").into_response());
    };
    if p.until <= now {
        return end_pending(&session, "Waktu memasukkan kode habis. Silakan masuk lagi.").await;
    }
    let user = db::users::by_id(&state.pool, p.user_id)
        .await?
        .filter(|u| u.active);
    let Some(user) = user else {
        return end_pending(&session, "Silakan masuk lagi.").await;
    };
    if second_factor_ok(&state, user.id, &form.code, now).await? {
        session
            .remove::<Pending>(PENDING)
            .await
            .map_err(anyhow::Error::from)?;
        account::start_session(&state, &session, &user, client).await?;
        after_sign_in(&state, &session, user.id).await?;
        return Ok(Redirect::to(account::landing(&user)).into_response());
    }
    p.failures += 1;
    tracing::info!(user_id = %user.id, failures = p.failures, "second factor refused");
    if p.failures >= MAX_CODE_FAILURES {
        let target = user.id.to_string();
        let detail = serde_json::json!({"failures": p.failures});
        db::audit::record(
            &state.pool,
            None,
            "session.second_factor_refused",
            Some(&target),
            detail,
        )
        .await?;
        return end_pending(
            &session,
            "Terlalu banyak kode salah. Silakan masuk lagi dengan kata sandi.",
        )
        .await;
    }
    session
        .insert(PENDING, p)
        .await
        .map_err(anyhow::Error::from)?;
    let page = CodePage {
        ctx,
        error: Some(CODE_REFUSED.into()),
    };
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Template)]
#[template(path = "account/two_factor.html")]
struct EnrolPage {
    ctx: Ctx,
    user: CurrentUser,
    /// Enrolment not confirmed yet: the QR code (inline SVG markup generated from the QR
    /// matrix, see [`super::verification::qr_svg`]) and the secret in text.
    qr_svg: String,
    secret_text: String,
    /// Unused recovery codes, when enrolled.
    codes_left: i64,
    /// The role may switch the second factor off.
    optional: bool,
    error: Option<String>,
}

async fn enrol_view(
    state: &AppState,
    ctx: Ctx,
    user: CurrentUser,
    error: Option<String>,
) -> Result<Response, AppError> {
    let optional = !totp::is_mandatory(user.role);
    let (qr_svg, secret_text, codes_left) = if user.totp_enabled {
        let left = db::two_factor::recovery_codes_left(&state.pool, user.id).await?;
        (String::new(), String::new(), left)
    } else {
        let mut conn = state.pool.acquire().await?;
        let row = db::two_factor::begin_enrolment(
            &mut conn,
            user.id,
            &totp::new_secret(),
            state.clock.now(),
        )
        .await?;
        let url = totp::otpauth_url(&row.secret, &user.username);
        let svg = super::verification::qr_svg_labelled(
            &url,
            "enrol-qr",
            "Kode QR untuk aplikasi autentikator",
        )
        .unwrap_or_default();
        (svg, totp::base32_grouped(&row.secret), 0)
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &EnrolPage {
            ctx,
            user,
            qr_svg,
            secret_text,
            codes_left,
            optional,
            error,
        },
    )
}

async fn enrol_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    enrol_view(&state, ctx, user, None).await
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
struct RecoveryCodesPage {
    ctx: Ctx,
    codes: Vec<String>,
}

/// New recovery codes for the user, stored hashed, shown once on the page returned.
async fn issue_recovery_codes(
    state: &AppState,
    ctx: Ctx,
    user_id: Uuid,
    event: &str,
) -> Result<Response, AppError> {
    let codes: Vec<String> = (0..totp::RECOVERY_CODES)
        .map(|_| totp::new_one_time_code())
        .collect();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| totp::one_time_code_hash(c)).collect();
    let mut tx = state.pool.begin().await?;
    db::two_factor::replace_recovery_codes(&mut tx, user_id, &hashes).await?;
    let target = user_id.to_string();
    let detail = serde_json::json!({});
    db::audit::record(&mut *tx, Some(user_id), event, Some(&target), detail).await?;
    tx.commit().await?;
    render(&RecoveryCodesPage { ctx, codes })
}

/// Confirms the enrolment with a code from the app, then shows the recovery codes once.
async fn confirm_enrolment(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    if user.totp_enabled {
        return Ok(Redirect::to("/akun/dua-langkah").into_response());
    }
    let now = state.clock.now();
    let secret = db::two_factor::totp_of(&state.pool, user.id).await?;
    let step = secret.and_then(|s| totp::check(&s.secret, form.code.trim(), now));
    let confirmed = match step {
        Some(step) => db::two_factor::confirm(&state.pool, user.id, step, now).await?,
        None => false,
    };
    if !confirmed {
        let error = "Kode: salah atau sudah kedaluwarsa. Pastikan jam ponsel tepat, lalu \
                     masukkan kode 6 angka yang sedang tampil di aplikasi.";
        return enrol_view(&state, ctx, user, Some(error.into())).await;
    }
    tracing::info!(user_id = %user.id, "second factor enrolled");
    issue_recovery_codes(&state, ctx, user.id, "user.totp_enable").await
}

/// New recovery codes (the old ones stop working), on a current code.
async fn new_recovery_codes(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    if !user.totp_enabled {
        return Ok(Redirect::to("/akun/dua-langkah").into_response());
    }
    let now = state.clock.now();
    let code_ok = !totp::looks_like_one_time_code(&form.code)
        && second_factor_ok(&state, user.id, &form.code, now).await?;
    if !code_ok {
        let error = format!("Kode untuk membuat kode pemulihan baru: {CODE_REFUSED}");
        return enrol_view(&state, ctx, user, Some(error)).await;
    }
    issue_recovery_codes(&state, ctx, user.id, "user.recovery_codes_new").await
}

/// Switches the second factor off, on a current code; only for the roles that may.
async fn disable(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    if totp::is_mandatory(user.role) {
        let error = "Verifikasi dua langkah wajib untuk peran Anda dan tidak dapat dimatikan.";
        return enrol_view(&state, ctx, user, Some(error.into())).await;
    }
    if !user.totp_enabled {
        return Ok(Redirect::to("/akun/dua-langkah").into_response());
    }
    let now = state.clock.now();
    if !second_factor_ok(&state, user.id, &form.code, now).await? {
        let error = format!("Kode untuk mematikan verifikasi dua langkah: {CODE_REFUSED}");
        return enrol_view(&state, ctx, user, Some(error)).await;
    }
    let mut tx = state.pool.begin().await?;
    db::two_factor::disable(&mut tx, user.id).await?;
    let target = user.id.to_string();
    let detail = serde_json::json!({});
    db::audit::record(
        &mut *tx,
        Some(user.id),
        "user.totp_disable",
        Some(&target),
        detail,
    )
    .await?;
    tx.commit().await?;
    flash(&session, "Verifikasi dua langkah dimatikan.").await?;
    Ok(Redirect::to("/akun").into_response())
}

#[derive(Template)]
#[template(path = "account/activation.html")]
struct ActivationPage {
    ctx: Ctx,
    username: String,
    errors: Vec<(&'static str, String)>,
}

impl ActivationPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

async fn activation_page(ctx: Ctx) -> Result<Response, AppError> {
    render(&ActivationPage {
        ctx,
        username: String::new(),
        errors: vec![],
    })
}

#[derive(Deserialize)]
struct ActivationForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

const ACTIVATION_REFUSED: &str = "Kode aktivasi: nama pengguna atau kode salah, kode sudah \
                                  dipakai, atau sudah kedaluwarsa. Minta kode baru kepada \
                                  administrator.";

/// Sets the password with an activation code (once, before it expires); then the user signs
/// in as usual.
async fn activate(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    Form(form): Form<ActivationForm>,
) -> Result<Response, AppError> {
    let username = form.username.trim().to_string();
    let mut errors = vec![];
    let plausible_name = !username.is_empty()
        && username.chars().count() <= auth::MAX_USERNAME_LEN
        && crate::domain::text::control_char_problem("", &username).is_none();
    if !plausible_name {
        errors.push(("username", "Nama pengguna wajib diisi.".to_string()));
    }
    let code = form.code.trim();
    if !totp::looks_like_one_time_code(code) {
        errors.push((
            "code",
            "Kode aktivasi wajib diisi: 16 huruf dan angka seperti di email atau yang diberikan \
             operator (contoh k7pq-x3mz-9tcw-h4rf)."
                .to_string(),
        ));
    }
    if let Some(problem) = auth::password_problem(&form.new_password, &username) {
        errors.push(("new_password", format!("Kata sandi baru: {problem}")));
    }
    if form.new_password != form.confirm_password {
        errors.push((
            "confirm_password",
            "Ulangi kata sandi baru: isinya tidak sama dengan kata sandi baru.".to_string(),
        ));
    }
    if errors.is_empty() {
        let now = state.clock.now();
        let hash = auth::hash_password_async(form.new_password.clone()).await?;
        let code_hash = totp::one_time_code_hash(code);
        let mut tx = state.pool.begin().await?;
        if let Some(user_id) =
            db::two_factor::use_activation(&mut *tx, &username, &code_hash, now).await?
        {
            db::users::set_password(&mut *tx, user_id, &hash, false).await?;
            let target = user_id.to_string();
            let detail = serde_json::json!({});
            db::audit::record(
                &mut *tx,
                Some(user_id),
                "user.activation_code_used",
                Some(&target),
                detail,
            )
            .await?;
            tx.commit().await?;
            flash(
                &session,
                "Kata sandi tersimpan. Silakan masuk dengan kata sandi baru Anda.",
            )
            .await?;
            return Ok(Redirect::to("/masuk").into_response());
        }
        errors.push(("code", ACTIVATION_REFUSED.to_string()));
    }
    let page = ActivationPage {
        ctx,
        username: username.chars().take(auth::MAX_USERNAME_LEN).collect(),
        errors,
    };
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
