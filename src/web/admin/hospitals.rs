//! Hospitals taking part in the program: the list, adding one, changing one.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::{FieldErrors, kab_kota_code_shape};
use crate::auth::CurrentUser;
use crate::db::reference::{Hospital, HospitalFields, KabKota};
use crate::db::{self, audit};
use crate::domain::text::required_text_problem;
use crate::web::error::AppError;
use crate::web::{AppState, Ctx, flash, render, render_status};

/// Longest hospital name.
const NAME_MAX: usize = 150;

#[derive(Template)]
#[template(path = "admin/hospitals.html")]
struct HospitalsPage {
    ctx: Ctx,
    hospitals: Vec<Hospital>,
}

pub(super) async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let hospitals = db::reference::list_hospitals(&state.pool).await?;
    render(&HospitalsPage { ctx, hospitals })
}

/// The hospital form as typed.
#[derive(Default, Deserialize)]
pub(super) struct HospitalForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kab_kota_code: String,
    #[serde(default)]
    active: Option<String>,
}

impl HospitalForm {
    /// The form of a stored hospital.
    fn of(h: Hospital) -> HospitalForm {
        HospitalForm {
            code: h.code,
            name: h.name,
            kab_kota_code: h.kab_kota_code,
            active: h.active.then(|| "on".into()),
        }
    }

    /// The checked fields, or a message for every field at fault.
    fn parse(&self, kab_kota: &[KabKota]) -> Result<HospitalFields, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = self.code.trim().to_uppercase();
        // The table's rule: a letter or digit first (a leading hyphen was a 500 before).
        let code_ok = (2..=32).contains(&code.len())
            && !code.starts_with('-')
            && code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if !code_ok {
            errors.push(
                "code",
                "Kode rumah sakit wajib diisi: 2–32 huruf besar, angka atau tanda hubung, diawali \
                 huruf atau angka (mis. RSUD-WZJ).",
            );
        }
        let name = self.name.trim().to_string();
        errors.check(
            "name",
            required_text_problem("Nama rumah sakit", &name, NAME_MAX),
        );
        let kab_kota_code = self.kab_kota_code.clone();
        if !kab_kota_code_shape(&kab_kota_code) || !kab_kota.iter().any(|k| k.code == kab_kota_code)
        {
            errors.push("kab_kota_code", "Kabupaten/kota wajib dipilih.");
        }
        errors.or_value(|| HospitalFields {
            code,
            name,
            kab_kota_code,
            active: self.active.is_some(),
        })
    }
}

#[derive(Template)]
#[template(path = "admin/hospital_edit.html")]
struct HospitalEditPage {
    ctx: Ctx,
    id: Option<Uuid>,
    form: HospitalForm,
    errors: FieldErrors,
    kab_kota: Vec<KabKota>,
    name_max: usize,
}

/// The hospital form: as stored, or as typed with its errors (422).
fn hospital_form(
    ctx: Ctx,
    id: Option<Uuid>,
    form: HospitalForm,
    errors: FieldErrors,
    kab_kota: Vec<KabKota>,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = HospitalEditPage {
        ctx,
        id,
        form,
        errors,
        kab_kota,
        name_max: NAME_MAX,
    };
    render_status(status, &page)
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    let form = HospitalForm {
        active: Some("on".into()),
        ..Default::default()
    };
    let kab_kota = db::reference::list_kab_kota(&state.pool).await?;
    hospital_form(ctx, None, form, FieldErrors::default(), kab_kota)
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let hospital = db::reference::hospital(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let kab_kota = db::reference::list_kab_kota(&state.pool).await?;
    let form = HospitalForm::of(hospital);
    hospital_form(ctx, Some(id), form, FieldErrors::default(), kab_kota)
}

pub(super) async fn create(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    me: CurrentUser,
    Form(form): Form<HospitalForm>,
) -> Result<Response, AppError> {
    save(state, session, ctx, me, None, form).await
}

pub(super) async fn update(
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
    save(state, session, ctx, me, Some(id), form).await
}

/// Adds (`id` None) or changes a hospital, then back to the list; a taken code is a field
/// error.
async fn save(
    state: AppState,
    session: Session,
    ctx: Ctx,
    me: CurrentUser,
    id: Option<Uuid>,
    form: HospitalForm,
) -> Result<Response, AppError> {
    let kab_kota = db::reference::list_kab_kota(&state.pool).await?;
    let fields = match form.parse(&kab_kota) {
        Ok(fields) => fields,
        Err(errors) => return hospital_form(ctx, id, form, errors, kab_kota),
    };
    let saved = match id {
        Some(id) => db::reference::update_hospital(&state.pool, id, &fields)
            .await
            .map(|_| id),
        None => db::reference::insert_hospital(&state.pool, &fields).await,
    };
    let saved = match saved {
        Ok(saved) => saved,
        Err(e) if db::is_constraint(&e, "hospitals_code_key") => {
            let taken = format!("Kode {} sudah dipakai rumah sakit lain.", fields.code);
            return hospital_form(ctx, id, form, FieldErrors::one("code", taken), kab_kota);
        }
        Err(e) => return Err(e.into()),
    };
    let detail = serde_json::json!({"code": fields.code});
    let target = saved.to_string();
    audit::record(
        &state.pool,
        Some(me.id),
        "hospital.save",
        Some(&target),
        detail,
    )
    .await?;
    flash(&session, format!("Rumah sakit {} disimpan.", fields.name)).await?;
    Ok(Redirect::to("/admin/rumah-sakit").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kab_kota() -> Vec<KabKota> {
        vec![KabKota {
            code: "53.71".into(),
            name: "Kota Kupang".into(),
        }]
    }

    #[test]
    fn a_valid_form_becomes_the_hospital_fields() {
        let fields = HospitalForm {
            code: " rsud-abc ".into(),
            name: " RSUD Flores 🌋 ".into(),
            kab_kota_code: "53.71".into(),
            active: None,
        }
        .parse(&kab_kota())
        .expect("valid");
        assert_eq!(fields.code, "RSUD-ABC");
        assert_eq!(fields.name, "RSUD Flores 🌋");
        assert!(!fields.active);
    }

    #[test]
    fn names_too_long_or_with_control_characters_are_refused() {
        for name in ["x".repeat(NAME_MAX + 1), "RSUD\0".into(), "  ".into()] {
            let errors = HospitalForm {
                code: "RSUD-X".into(),
                name,
                kab_kota_code: "53.71\0".into(),
                active: None,
            }
            .parse(&kab_kota())
            .expect_err("invalid");
            assert!(
                errors
                    .get("name")
                    .is_some_and(|m| m.contains("Nama rumah sakit"))
            );
            assert!(errors.get("kab_kota_code").is_some());
            assert!(errors.get("code").is_none());
        }
    }

    #[test]
    fn a_code_the_table_would_refuse_is_a_field_error() {
        for code in ["-1", "-9999-01-01", "X", "RSUD_X", "RSUD X"] {
            let errors = HospitalForm {
                code: code.into(),
                name: "RSUD Uji".into(),
                kab_kota_code: "53.71".into(),
                active: None,
            }
            .parse(&kab_kota())
            .expect_err(code);
            assert!(errors.get("code").is_some(), "{code}");
        }
    }
}
