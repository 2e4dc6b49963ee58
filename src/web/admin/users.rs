//! Users: the list, creating a user, changing a user's e-mail address, deactivating, activating
//! and resetting an account. Creating and resetting make a one-time activation code that goes
//! to the user (by e-mail, or from the operator's command line), never to the administrator:
//! an administrator never learns a secret that lets them act as another user.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

use super::{FieldErrors, kab_kota_code_shape};
use crate::auth::{self, CurrentUser};
use crate::db::reference::{Hospital, KabKota};
use crate::db::users::{CreateUserError, NewUser, UserRow};

use crate::db::{self, audit};
use crate::domain::text::required_text_problem;
use crate::domain::{Email, Role, ScopeKind};
use crate::web::error::AppError;
use crate::web::{AppState, Ctx, flash, render, render_status};

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<UserRow>,
    me: CurrentUser,
}

pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
) -> Result<Response, AppError> {
    let users = db::users::list(&state.pool).await?;
    render(&UsersPage { ctx, users, me })
}

/// The new-user form as typed.
#[derive(Default, Deserialize)]
pub(super) struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    hospital_id: String,
    #[serde(default)]
    kab_kota_code: String,
    #[serde(default)]
    email: String,
}

/// The scope a role works in, as the form chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    Province,
    Hospital(Uuid),
    KabKota(String),
}

/// A new user the form asks for, checked.
#[derive(Debug)]
struct NewUserInput {
    username: String,
    display_name: String,
    role: Role,
    scope: Scope,
    email: Option<Email>,
}

/// The hospitals and kab/kota to choose from: shown by the form and checked against.
struct Choices {
    hospitals: Vec<Hospital>,
    kab_kota: Vec<KabKota>,
}

impl Choices {
    async fn load(pool: &PgPool) -> Result<Choices, AppError> {
        Ok(Choices {
            hospitals: db::reference::list_hospitals(pool).await?,
            kab_kota: db::reference::list_kab_kota(pool).await?,
        })
    }
}

impl UserForm {
    /// The checked input, or a message for every field at fault.
    fn parse(&self, choices: &Choices) -> Result<NewUserInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let username = self.username.trim().to_lowercase();
        if !auth::valid_username(&username) {
            errors.push(
                "username",
                "Nama pengguna wajib diisi: 3–64 karakter, huruf kecil, angka, titik, garis \
                 bawah atau tanda hubung.",
            );
        }
        let display_name = self.display_name.trim().to_string();
        errors.check(
            "display_name",
            required_text_problem("Nama lengkap", &display_name, auth::MAX_DISPLAY_NAME_LEN),
        );
        let email = Email::parse_optional(&self.email)
            .map_err(|message| errors.push("email", message))
            .ok()
            .flatten();
        let role = self.role.parse::<Role>().ok();
        let scope = match role {
            None => {
                errors.push("role", "Peran wajib dipilih.");
                None
            }
            Some(role) => self.scope(role, choices, &mut errors),
        };
        match (role, scope) {
            (Some(role), Some(scope)) if errors.is_empty() => Ok(NewUserInput {
                username,
                display_name,
                role,
                scope,
                email,
            }),
            _ => Err(errors),
        }
    }

    /// The hospital or kab/kota `role` needs, chosen among `choices`.
    fn scope(&self, role: Role, choices: &Choices, errors: &mut FieldErrors) -> Option<Scope> {
        match role.scope_kind() {
            ScopeKind::None => Some(Scope::Province),
            ScopeKind::Hospital => {
                let id = self.hospital_id.parse::<Uuid>().ok();
                let known = id.filter(|id| choices.hospitals.iter().any(|h| h.id == *id));
                if known.is_none() {
                    errors.push(
                        "hospital_id",
                        "Rumah sakit wajib dipilih untuk peran PIC RSUD.",
                    );
                }
                known.map(Scope::Hospital)
            }
            ScopeKind::KabKota => {
                let code = &self.kab_kota_code;
                let known =
                    kab_kota_code_shape(code) && choices.kab_kota.iter().any(|k| k.code == *code);
                if !known {
                    errors.push(
                        "kab_kota_code",
                        "Kabupaten/kota wajib dipilih untuk peran tingkat kab/kota.",
                    );
                }
                known.then(|| Scope::KabKota(code.clone()))
            }
        }
    }
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewUserPage {
    ctx: Ctx,
    form: UserForm,
    errors: FieldErrors,
    roles: &'static [Role],
    hospitals: Vec<Hospital>,
    kab_kota: Vec<KabKota>,
    display_name_max: usize,
    email_max: usize,
}

/// The new-user form: empty, or as typed with its errors (422).
fn user_form(
    ctx: Ctx,
    form: UserForm,
    errors: FieldErrors,
    choices: Choices,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &NewUserPage {
            ctx,
            form,
            errors,
            roles: Role::ALL,
            hospitals: choices.hospitals,
            kab_kota: choices.kab_kota,
            display_name_max: auth::MAX_DISPLAY_NAME_LEN,
            email_max: crate::domain::email::MAX_LEN,
        },
    )
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    let choices = Choices::load(&state.pool).await?;
    user_form(ctx, UserForm::default(), FieldErrors::default(), choices)
}

/// How an activation code reaches its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Delivery {
    /// An e-mail job is written; the address as the administrator may see it (`m***@dinkes…`).
    Email(String),
    /// No e-mail can be sent (the reason): the operator issues the code with the command line.
    Operator(&'static str),
}

impl Delivery {
    fn code(&self) -> &'static str {
        match self {
            Delivery::Email(_) => "email",
            Delivery::Operator(_) => "operator",
        }
    }
}

#[derive(Template)]
#[template(path = "admin/activation_issued.html")]
struct ActivationIssuedPage {
    ctx: Ctx,
    username: String,
    delivery: Delivery,
    hours: u32,
    created: bool,
}

/// An address as the administrator sees it once a code went there: the first character of the
/// mailbox and the first part of the domain (`maria@dinkes.nttprov.go.id` → `m***@dinkes…`).
pub(super) fn masked_email(address: &str) -> String {
    let (local, domain) = address.split_once('@').unwrap_or((address, ""));
    let first: String = local.chars().take(1).collect();
    let host = domain.split('.').next().unwrap_or("");
    format!("{first}***@{host}…")
}

/// Arranges the activation code of a new or reset account (in the caller's transaction): an
/// e-mail job when e-mail is configured and the user has an address that the user has seen
/// (an address an administrator changed is not used until its owner signed in since);
/// otherwise the instruction for the operator. The code itself is made by whoever delivers
/// it (the worker when it sends the e-mail, or the command line), so it is never stored in
/// clear text and never shown on an administrator's page.
async fn arrange_activation(
    state: &AppState,
    tx: &mut sqlx::PgConnection,
    user_id: Uuid,
    email: Option<&str>,
) -> Result<Delivery, AppError> {
    if !state.settings.email_enabled() {
        return Ok(Delivery::Operator("email belum dikonfigurasi di server"));
    }
    let Some(address) = email else {
        return Ok(Delivery::Operator("pengguna belum punya alamat email"));
    };
    if db::two_factor::email_changed_unseen(&mut *tx, user_id).await? {
        return Ok(Delivery::Operator(
            "alamat email pengguna baru diubah oleh administrator dan belum dilihat pemiliknya",
        ));
    }
    let job = crate::cases::notify::EmailJob::Activation {
        user_id,
        hours: state.settings.activation_hours,
    };
    let now = state.clock.now();
    let new_job = db::jobs::NewJob {
        kind: db::jobs::JobKind::Email,
        dedupe_key: format!("activation:{user_id}:{}", Uuid::new_v4()),
        payload: serde_json::to_value(&job).map_err(anyhow::Error::from)?,
        run_after: now,
    };
    db::jobs::enqueue(&mut *tx, &new_job, now).await?;
    Ok(Delivery::Email(masked_email(address)))
}

pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
    Form(form): Form<UserForm>,
) -> Result<Response, AppError> {
    let choices = Choices::load(&state.pool).await?;
    let input = match form.parse(&choices) {
        Ok(input) => input,
        Err(errors) => return user_form(ctx, form, errors, choices),
    };
    match store_user(&state, me.id, &input).await {
        Ok(delivery) => render(&ActivationIssuedPage {
            ctx,
            username: input.username,
            delivery,
            hours: state.settings.activation_hours,
            created: true,
        }),
        Err(StoreError::UsernameTaken(name)) => {
            let taken = format!("Nama pengguna \"{name}\" sudah dipakai.");
            user_form(ctx, form, FieldErrors::one("username", taken), choices)
        }
        Err(StoreError::Other(e)) => Err(e),
    }
}

/// Why [`store_user`] stored nothing.
enum StoreError {
    UsernameTaken(String),
    Other(AppError),
}

impl From<AppError> for StoreError {
    fn from(e: AppError) -> Self {
        StoreError::Other(e)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Other(e.into())
    }
}

/// A password hash nobody knows: the account cannot be signed in to until its user sets a
/// password with the activation code.
async fn unusable_password_hash() -> Result<String, AppError> {
    let (_discarded, hash) = auth::one_time_password().await?;
    Ok(hash)
}

/// Stores the user without a usable password, its activation code's delivery and the audit
/// events, in one transaction.
async fn store_user(
    state: &AppState,
    actor: Uuid,
    input: &NewUserInput,
) -> Result<Delivery, StoreError> {
    let (hospital_id, kab_kota_code) = match &input.scope {
        Scope::Province => (None, None),
        Scope::Hospital(id) => (Some(*id), None),
        Scope::KabKota(code) => (None, Some(code.as_str())),
    };
    let password_hash = unusable_password_hash().await?;
    let mut tx = state.pool.begin().await?;
    let created = db::users::create(
        &mut *tx,
        &NewUser {
            username: &input.username,
            display_name: &input.display_name,
            role: input.role,
            hospital_id,
            kab_kota_code,
            password_hash: &password_hash,
            must_change_password: false,
        },
    )
    .await;
    let id = match created {
        Ok(id) => id,
        Err(CreateUserError::UsernameTaken(name)) => return Err(StoreError::UsernameTaken(name)),
        Err(CreateUserError::Database(e)) => return Err(e.into()),
    };
    if input.email.is_some() {
        db::users::set_email(&mut *tx, id, input.email.as_ref()).await?;
    }
    let email = input.email.as_ref().map(|e| e.as_str());
    let delivery = arrange_activation(state, &mut tx, id, email).await?;
    audit::record(
        &mut *tx,
        Some(actor),
        "user.create",
        Some(&id.to_string()),
        serde_json::json!({"role": input.role.as_str(), "activation": delivery.code()}),
    )
    .await?;
    tx.commit().await?;
    Ok(delivery)
}

#[derive(Template)]
#[template(path = "admin/user_edit.html")]
struct EditUserPage {
    ctx: Ctx,
    user: UserRow,
    /// As stored, or as typed after a refusal.
    email: String,
    error: Option<String>,
    email_max: usize,
}

fn edit_form(
    ctx: Ctx,
    user: UserRow,
    email: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &EditUserPage {
            ctx,
            user,
            email,
            error,
            email_max: crate::domain::email::MAX_LEN,
        },
    )
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let user = db::users::by_id(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let email = user.email.clone().unwrap_or_default();
    edit_form(ctx, user, email, None)
}

/// The edit form as typed.
#[derive(Deserialize)]
pub(super) struct EditForm {
    #[serde(default)]
    email: String,
}

/// Sets or clears a user's e-mail address; a refused one is shown again as typed.
pub(super) async fn update(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<EditForm>,
) -> Result<Response, AppError> {
    let user = db::users::by_id(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let email = match Email::parse_optional(&form.email) {
        Ok(email) => email,
        Err(message) => return edit_form(ctx, user, form.email, Some(message)),
    };
    let changed = user.email.as_deref() != email.as_ref().map(|e| e.as_str());
    let mut tx = state.pool.begin().await?;
    db::users::set_email(&mut *tx, id, email.as_ref()).await?;
    // Whether an address is set, never the address itself (personal data).
    audit::record(
        &mut *tx,
        Some(me.id),
        "user.set_email",
        Some(&id.to_string()),
        serde_json::json!({"email_set": email.is_some(), "by_admin": id != me.id}),
    )
    .await?;
    // The user is told at the next sign-in; until then the new address receives no
    // activation code ([`arrange_activation`]).
    if changed && id != me.id {
        let now = state.clock.now();
        db::two_factor::add_notice(&mut *tx, id, "email_changed", me.role.as_str(), now).await?;
    }
    tx.commit().await?;
    flash(&session, format!("Pengguna {} disimpan.", user.username)).await?;
    Ok(Redirect::to("/admin/pengguna").into_response())
}

/// Deactivates or activates a user (never oneself) and says so on the list.
async fn set_active(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    id: Uuid,
    active: bool,
) -> Result<Response, AppError> {
    if id == me.id && !active {
        flash(session, "Anda tidak dapat menonaktifkan akun Anda sendiri.").await?;
        return Ok(Redirect::to("/admin/pengguna").into_response());
    }
    let user = db::users::by_id(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (event, verb) = if active {
        ("user.activate", "diaktifkan")
    } else {
        ("user.deactivate", "dinonaktifkan")
    };
    let mut tx = state.pool.begin().await?;
    db::users::set_active(&mut *tx, id, active).await?;
    // A deactivated user's sessions end and its API tokens are revoked at once.
    let mut details = serde_json::json!({});
    if !active {
        let now = state.clock.now();
        let (_, revoked) = db::users::end_sessions_and_tokens(&mut tx, id, now).await?;
        details = serde_json::json!({"tokens_revoked": revoked});
    }
    let target = id.to_string();
    audit::record(&mut *tx, Some(me.id), event, Some(&target), details).await?;
    tx.commit().await?;
    flash(session, format!("Pengguna {} {verb}.", user.username)).await?;
    Ok(Redirect::to("/admin/pengguna").into_response())
}

pub(super) async fn deactivate(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    set_active(&state, &session, &me, id, false).await
}

pub(super) async fn activate(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    set_active(&state, &session, &me, id, true).await
}

/// "Keluar dari semua perangkat" for a user: every session of the user ends (API tokens stay).
pub(super) async fn sign_out_everywhere(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let user = db::users::by_id(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = state.pool.begin().await?;
    db::users::end_sessions(&mut *tx, id).await?;
    let target = id.to_string();
    let event = "user.sign_out_everywhere";
    audit::record(
        &mut *tx,
        Some(me.id),
        event,
        Some(&target),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    let message = format!("Semua sesi {} diakhiri.", user.username);
    flash(&session, message).await?;
    if id == me.id {
        return Ok(Redirect::to("/masuk").into_response());
    }
    Ok(Redirect::to(&format!("/admin/pengguna/{id}")).into_response())
}

/// Resets an account: the password and the second factor stop working, the user gets an
/// activation code (never shown here) and is told at the next sign-in.
pub(super) async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let user = db::users::by_id(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let hash = unusable_password_hash().await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    db::users::set_password(&mut *tx, id, &hash, false).await?;
    // Every session of the user ends and every API token is revoked with the password.
    let (_, revoked) = db::users::end_sessions_and_tokens(&mut tx, id, now).await?;
    // A lost phone is a reason for a reset too: the second factor goes with the password, and
    // the roles that need one enrol again at the first sign-in.
    db::two_factor::disable(&mut tx, id).await?;
    db::two_factor::add_notice(&mut *tx, id, "reset", me.role.as_str(), now).await?;
    let delivery = arrange_activation(&state, &mut tx, id, user.email.as_deref()).await?;
    let target = id.to_string();
    let event = "user.reset_password";
    audit::record(
        &mut *tx,
        Some(me.id),
        event,
        Some(&target),
        serde_json::json!({"activation": delivery.code(), "tokens_revoked": revoked}),
    )
    .await?;
    tx.commit().await?;
    render(&ActivationIssuedPage {
        ctx,
        username: user.username,
        delivery,
        hours: state.settings.activation_hours,
        created: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices() -> Choices {
        Choices {
            hospitals: vec![Hospital {
                id: Uuid::nil(),
                code: "RSUD-X".into(),
                name: "RSUD X".into(),
                kab_kota_code: "53.71".into(),
                kab_kota_name: "Kota Kupang".into(),
                active: true,
            }],
            kab_kota: vec![KabKota {
                code: "53.71".into(),
                name: "Kota Kupang".into(),
            }],
        }
    }

    fn form(role: &str) -> UserForm {
        UserForm {
            username: " Maria.PIC ".into(),
            display_name: " Maria Bria ".into(),
            role: role.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_form_becomes_a_new_user_with_its_scope() {
        let input = UserForm {
            hospital_id: Uuid::nil().to_string(),
            ..form("rsud")
        }
        .parse(&choices())
        .expect("valid");
        assert_eq!(input.username, "maria.pic");
        assert_eq!(input.display_name, "Maria Bria");
        assert_eq!(input.scope, Scope::Hospital(Uuid::nil()));
        let input = UserForm {
            kab_kota_code: "53.71".into(),
            ..form("dinsos_kab")
        }
        .parse(&choices())
        .expect("valid");
        assert_eq!(input.scope, Scope::KabKota("53.71".into()));
        let input = form("tim").parse(&choices()).expect("valid");
        assert_eq!(input.scope, Scope::Province);
    }

    #[test]
    fn an_address_is_masked_for_the_administrator() {
        assert_eq!(masked_email("maria@dinkes.nttprov.go.id"), "m***@dinkes…");
        assert_eq!(masked_email("x"), "x***@…");
    }

    #[test]
    fn every_field_at_fault_gets_its_message() {
        let errors = UserForm {
            username: "a\0".into(),
            display_name: "x".repeat(auth::MAX_DISPLAY_NAME_LEN + 1),
            ..Default::default()
        }
        .parse(&choices())
        .expect_err("invalid");
        assert!(errors.get("username").is_some());
        assert!(
            errors
                .get("display_name")
                .is_some_and(|m| m.contains("maksimal 100"))
        );
        assert!(errors.get("role").is_some());
        let errors = UserForm {
            email: "ana bria@rsud.go.id".into(),
            ..form("tim")
        }
        .parse(&choices())
        .expect_err("bad address");
        assert!(
            errors
                .get("email")
                .is_some_and(|m| m.starts_with("Alamat email"))
        );
        let errors = UserForm {
            kab_kota_code: "53.01".into(),
            ..form("dukcapil_kab")
        }
        .parse(&choices())
        .expect_err("unknown kab/kota");
        assert!(errors.get("kab_kota_code").is_some());
    }
}
