//! Administration (role `admin`): users, hospitals, kab/kota. No patient data here.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::{AppState, Ctx, access, flash, render, render_status};
use crate::auth::{self, CurrentUser};
use crate::db::reference::{Hospital, HospitalFields, KabKota};
use crate::db::users::UserRow;
use crate::db::{self, audit};
use crate::domain::{Role, ScopeKind};
use crate::web::error::AppError;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    access::require(
        Router::new()
            .route("/admin/pengguna", get(users))
            .route("/admin/pengguna/baru", get(new_user_page).post(create_user))
            .route("/admin/pengguna/{id}/nonaktifkan", post(deactivate_user))
            .route("/admin/pengguna/{id}/aktifkan", post(activate_user))
            .route("/admin/pengguna/{id}/reset-sandi", post(reset_password))
            .route("/admin/rumah-sakit", get(hospitals))
            .route(
                "/admin/rumah-sakit/baru",
                get(new_hospital_page).post(create_hospital),
            )
            .route(
                "/admin/rumah-sakit/{id}",
                get(edit_hospital_page).post(update_hospital),
            )
            .route("/admin/kabkota", get(kab_kota))
            .route("/admin/hari-libur", get(holidays).post(add_holiday))
            .route("/admin/hari-libur/hapus", post(delete_holiday))
            .route("/admin/sla", get(sla_page).post(save_sla)),
        access::ADMIN,
    )
}

/// Field errors of a form: (field, message).
type Errors = Vec<(&'static str, String)>;

fn error_for<'a>(errors: &'a Errors, field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, m)| m.as_str())
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<UserRow>,
    me: CurrentUser,
}

async fn users(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
) -> Result<Response, AppError> {
    let users = db::users::list(&state.pool).await?;
    render(&UsersPage { ctx, users, me })
}

#[derive(Default, Deserialize)]
struct UserForm {
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
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewUserPage {
    ctx: Ctx,
    form: UserForm,
    errors: Errors,
    roles: &'static [Role],
    hospitals: Vec<Hospital>,
    kab_kota: Vec<KabKota>,
}

impl NewUserPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

async fn new_user_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render(&NewUserPage {
        ctx,
        form: UserForm::default(),
        errors: vec![],
        roles: Role::ALL,
        hospitals: db::reference::list_hospitals(&state.pool).await?,
        kab_kota: db::reference::list_kab_kota(&state.pool).await?,
    })
}

#[derive(Template)]
#[template(path = "admin/password_issued.html")]
struct PasswordIssuedPage {
    ctx: Ctx,
    username: String,
    password: String,
    created: bool,
}

async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
    Form(form): Form<UserForm>,
) -> Result<Response, AppError> {
    let mut errors: Errors = vec![];
    let username = form.username.trim().to_lowercase();
    let display_name = form.display_name.trim().to_string();
    if !valid_username(&username) {
        errors.push((
            "username",
            "Nama pengguna wajib diisi: 3–64 karakter, huruf kecil, angka, titik, garis bawah atau \
             tanda hubung."
                .into(),
        ));
    }
    if display_name.is_empty() {
        errors.push(("display_name", "Nama lengkap wajib diisi.".into()));
    }
    let role = form.role.parse::<Role>().ok();
    let mut hospital_id = None;
    let mut kab_kota_code = None;
    match role.map(|r| r.scope_kind()) {
        None => errors.push(("role", "Peran wajib dipilih.".into())),
        Some(ScopeKind::Hospital) => match form.hospital_id.parse::<Uuid>() {
            Ok(id) if db::reference::hospital(&state.pool, id).await?.is_some() => {
                hospital_id = Some(id)
            }
            _ => errors.push((
                "hospital_id",
                "Rumah sakit wajib dipilih untuk peran PIC RSUD.".into(),
            )),
        },
        Some(ScopeKind::KabKota) => {
            match db::reference::kab_kota(&state.pool, &form.kab_kota_code).await? {
                Some(k) => kab_kota_code = Some(k.code),
                None => errors.push((
                    "kab_kota_code",
                    "Kabupaten/kota wajib dipilih untuk peran tingkat kab/kota.".into(),
                )),
            }
        }
        Some(ScopeKind::None) => {}
    }
    if errors.is_empty()
        && db::users::by_username(&state.pool, &username)
            .await?
            .is_some()
    {
        errors.push((
            "username",
            format!("Nama pengguna \"{username}\" sudah dipakai."),
        ));
    }
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewUserPage {
                ctx,
                form,
                errors,
                roles: Role::ALL,
                hospitals: db::reference::list_hospitals(&state.pool).await?,
                kab_kota: db::reference::list_kab_kota(&state.pool).await?,
            },
        );
    };
    let password = auth::generate_password();
    let hash = auth::hash_password_async(password.clone()).await?;
    let mut tx = state.pool.begin().await?;
    let inserted = db::users::insert(
        &mut *tx,
        &db::users::NewUser {
            username: &username,
            display_name: &display_name,
            role,
            hospital_id,
            kab_kota_code: kab_kota_code.as_deref(),
            password_hash: &hash,
            must_change_password: true,
        },
    )
    .await;
    let id = match inserted {
        Ok(id) => id,
        // Someone took the name between the check above and this insert.
        Err(e) if db::is_constraint(&e, "users_username_key") => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewUserPage {
                    ctx,
                    errors: vec![(
                        "username",
                        format!("Nama pengguna \"{username}\" sudah dipakai."),
                    )],
                    form,
                    roles: Role::ALL,
                    hospitals: db::reference::list_hospitals(&state.pool).await?,
                    kab_kota: db::reference::list_kab_kota(&state.pool).await?,
                },
            );
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &mut *tx,
        Some(me.id),
        "user.create",
        Some(&id.to_string()),
        serde_json::json!({"role": role.as_str()}),
    )
    .await?;
    tx.commit().await?;
    render(&PasswordIssuedPage {
        ctx,
        username,
        password,
        created: true,
    })
}

fn valid_username(u: &str) -> bool {
    let len = u.chars().count();
    (3..=64).contains(&len)
        && u.chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
}

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
    let mut tx = state.pool.begin().await?;
    db::users::set_active(&mut *tx, id, active).await?;
    let event = if active {
        "user.activate"
    } else {
        "user.deactivate"
    };
    audit::record(
        &mut *tx,
        Some(me.id),
        event,
        Some(&id.to_string()),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    let verb = if active {
        "diaktifkan"
    } else {
        "dinonaktifkan"
    };
    flash(session, format!("Pengguna {} {verb}.", user.username)).await?;
    Ok(Redirect::to("/admin/pengguna").into_response())
}

async fn deactivate_user(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    set_active(&state, &session, &me, id, false).await
}

async fn activate_user(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    set_active(&state, &session, &me, id, true).await
}

async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let user = db::users::by_id(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let password = auth::generate_password();
    let hash = auth::hash_password_async(password.clone()).await?;
    let mut tx = state.pool.begin().await?;
    db::users::set_password(&mut *tx, id, &hash, true).await?;
    audit::record(
        &mut *tx,
        Some(me.id),
        "user.reset_password",
        Some(&id.to_string()),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    render(&PasswordIssuedPage {
        ctx,
        username: user.username,
        password,
        created: false,
    })
}

#[derive(Template)]
#[template(path = "admin/hospitals.html")]
struct HospitalsPage {
    ctx: Ctx,
    hospitals: Vec<Hospital>,
}

async fn hospitals(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let hospitals = db::reference::list_hospitals(&state.pool).await?;
    render(&HospitalsPage { ctx, hospitals })
}

#[derive(Default, Deserialize)]
struct HospitalForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kab_kota_code: String,
    #[serde(default)]
    active: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/hospital_edit.html")]
struct HospitalEditPage {
    ctx: Ctx,
    id: Option<Uuid>,
    form: HospitalForm,
    errors: Errors,
    kab_kota: Vec<KabKota>,
}

impl HospitalEditPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

async fn new_hospital_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render(&HospitalEditPage {
        ctx,
        id: None,
        form: HospitalForm {
            active: Some("on".into()),
            ..Default::default()
        },
        errors: vec![],
        kab_kota: db::reference::list_kab_kota(&state.pool).await?,
    })
}

async fn edit_hospital_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let h = db::reference::hospital(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    render(&HospitalEditPage {
        ctx,
        id: Some(id),
        form: HospitalForm {
            code: h.code,
            name: h.name,
            kab_kota_code: h.kab_kota_code,
            active: h.active.then(|| "on".into()),
        },
        errors: vec![],
        kab_kota: db::reference::list_kab_kota(&state.pool).await?,
    })
}

async fn validate_hospital(
    state: &AppState,
    form: &HospitalForm,
) -> Result<(HospitalFields, Errors), AppError> {
    let mut errors: Errors = vec![];
    let code = form.code.trim().to_uppercase();
    if code.len() < 2
        || code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
    {
        errors.push((
            "code",
            "Kode rumah sakit wajib diisi: 2–32 huruf besar, angka atau tanda hubung (mis. RSUD-WZJ)."
                .into(),
        ));
    }
    let name = form.name.trim().to_string();
    if name.is_empty() {
        errors.push(("name", "Nama rumah sakit wajib diisi.".into()));
    }
    if db::reference::kab_kota(&state.pool, &form.kab_kota_code)
        .await?
        .is_none()
    {
        errors.push(("kab_kota_code", "Kabupaten/kota wajib dipilih.".into()));
    }
    Ok((
        HospitalFields {
            code,
            name,
            kab_kota_code: form.kab_kota_code.clone(),
            active: form.active.is_some(),
        },
        errors,
    ))
}

async fn save_hospital(
    state: AppState,
    session: Session,
    ctx: Ctx,
    me: CurrentUser,
    id: Option<Uuid>,
    form: HospitalForm,
) -> Result<Response, AppError> {
    let (fields, mut errors) = validate_hospital(&state, &form).await?;
    if errors.is_empty() {
        let result = match id {
            Some(id) => db::reference::update_hospital(&state.pool, id, &fields)
                .await
                .map(|_| id),
            None => db::reference::insert_hospital(&state.pool, &fields).await,
        };
        match result {
            Ok(saved) => {
                audit::record(
                    &state.pool,
                    Some(me.id),
                    "hospital.save",
                    Some(&saved.to_string()),
                    serde_json::json!({"code": fields.code}),
                )
                .await?;
                flash(&session, format!("Rumah sakit {} disimpan.", fields.name)).await?;
                return Ok(Redirect::to("/admin/rumah-sakit").into_response());
            }
            Err(e) if db::is_constraint(&e, "hospitals_code_key") => {
                errors.push((
                    "code",
                    format!("Kode {} sudah dipakai rumah sakit lain.", fields.code),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &HospitalEditPage {
            ctx,
            id,
            form,
            errors,
            kab_kota: db::reference::list_kab_kota(&state.pool).await?,
        },
    )
}

async fn create_hospital(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    me: CurrentUser,
    Form(form): Form<HospitalForm>,
) -> Result<Response, AppError> {
    save_hospital(state, session, ctx, me, None, form).await
}

async fn update_hospital(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<HospitalForm>,
) -> Result<Response, AppError> {
    db::reference::hospital(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    save_hospital(state, session, ctx, me, Some(id), form).await
}

#[derive(Template)]
#[template(path = "admin/kabkota.html")]
struct KabKotaPage {
    ctx: Ctx,
    kab_kota: Vec<KabKota>,
}

async fn kab_kota(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let kab_kota = db::reference::list_kab_kota(&state.pool).await?;
    render(&KabKotaPage { ctx, kab_kota })
}

#[derive(Template)]
#[template(path = "admin/holidays.html")]
struct HolidaysPage {
    ctx: Ctx,
    holidays: Vec<db::reference::Holiday>,
    day: String,
    name: String,
    errors: Errors,
}

impl HolidaysPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

async fn holidays_page(
    state: &AppState,
    ctx: Ctx,
    day: String,
    name: String,
    errors: Errors,
) -> Result<Response, AppError> {
    let from = state.clock.today() - chrono::Duration::days(366);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &HolidaysPage {
            ctx,
            holidays: db::reference::list_holidays(&state.pool, from).await?,
            day,
            name,
            errors,
        },
    )
}

async fn holidays(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    holidays_page(&state, ctx, String::new(), String::new(), vec![]).await
}

#[derive(Deserialize)]
struct HolidayForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    name: String,
}

async fn add_holiday(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    me: CurrentUser,
    Form(form): Form<HolidayForm>,
) -> Result<Response, AppError> {
    let mut errors: Errors = vec![];
    let day = chrono::NaiveDate::parse_from_str(form.day.trim(), "%Y-%m-%d").ok();
    if day.is_none() {
        errors.push((
            "day",
            "Tanggal wajib diisi dengan format TTTT-BB-HH.".into(),
        ));
    }
    let name = form.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push((
            "name",
            "Nama hari libur wajib diisi (maksimal 100 karakter).".into(),
        ));
    }
    let Some(day) = day.filter(|_| errors.is_empty()) else {
        return holidays_page(&state, ctx, form.day, form.name, errors).await;
    };
    db::reference::upsert_holiday(&state.pool, day, &name).await?;
    audit::record(
        &state.pool,
        Some(me.id),
        "holiday.save",
        Some(&day.to_string()),
        serde_json::json!({"name": name}),
    )
    .await?;
    flash(
        &session,
        format!("Hari libur {} disimpan.", day.format("%d-%m-%Y")),
    )
    .await?;
    Ok(Redirect::to("/admin/hari-libur").into_response())
}

async fn delete_holiday(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Form(form): Form<HolidayForm>,
) -> Result<Response, AppError> {
    let day = chrono::NaiveDate::parse_from_str(form.day.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::BadRequest("Tanggal tidak valid.".into()))?;
    if !db::reference::delete_holiday(&state.pool, day).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &state.pool,
        Some(me.id),
        "holiday.delete",
        Some(&day.to_string()),
        serde_json::json!({}),
    )
    .await?;
    flash(
        &session,
        format!("Hari libur {} dihapus.", day.format("%d-%m-%Y")),
    )
    .await?;
    Ok(Redirect::to("/admin/hari-libur").into_response())
}

/// One desk's SLA row on the settings page.
struct SlaRow {
    state: &'static str,
    label: &'static str,
    days: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/sla.html")]
struct SlaPage {
    ctx: Ctx,
    rows: Vec<SlaRow>,
}

async fn sla_rows(state: &AppState) -> Result<Vec<SlaRow>, AppError> {
    let days = db::cases::sla_days(&state.pool).await?;
    Ok(crate::domain::CaseState::ALL
        .iter()
        .filter_map(|s| {
            days.get(s).map(|d| SlaRow {
                state: s.as_str(),
                label: s.label(),
                days: d.to_string(),
                error: None,
            })
        })
        .collect())
}

async fn sla_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let rows = sla_rows(&state).await?;
    render(&SlaPage { ctx, rows })
}

async fn save_sla(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    me: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let values: std::collections::HashMap<String, String> = pairs.into_iter().collect();
    let mut rows = sla_rows(&state).await?;
    let mut ok = true;
    for row in &mut rows {
        if let Some(v) = values.get(row.state) {
            row.days = v.trim().to_string();
            match row.days.parse::<i32>() {
                Ok(d) if (1..=365).contains(&d) => {}
                _ => {
                    ok = false;
                    row.error = Some(format!("{}: isi jumlah hari kerja 1–365.", row.label));
                }
            }
        }
    }
    if !ok {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &SlaPage { ctx, rows });
    }
    let mut tx = state.pool.begin().await?;
    for row in &rows {
        if let Ok(d) = row.days.parse::<i32>() {
            db::reference::set_sla_days(&mut *tx, row.state, d).await?;
        }
    }
    audit::record(
        &mut *tx,
        Some(me.id),
        "sla.save",
        None,
        serde_json::json!(
            values
                .iter()
                .filter(|(k, _)| k.as_str() != "csrf_token")
                .collect::<std::collections::BTreeMap<_, _>>()
        ),
    )
    .await?;
    tx.commit().await?;
    flash(
        &session,
        "Batas waktu layanan disimpan. Berlaku untuk kasus yang tiba di meja setelah ini.",
    )
    .await?;
    Ok(Redirect::to("/admin/sla").into_response())
}
