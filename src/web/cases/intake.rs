//! Registering a patient (`/kasus/baru`, with KTP/KK photos) and editing a case's patient data
//! (`/kasus/{id}/ubah`). Both forms use the intake field specs of [`crate::cases::intake`].

use crate::cases::access::Access;
use crate::db::access_log::AccessKind;
use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;
use uuid::Uuid;

use super::version_field;
use crate::auth::CurrentUser;
use crate::cases::documents::KeptFile;
use crate::cases::service::OpenedDraft;
use crate::cases::{CaseError, CheckedUpload, Upload, intake};
use crate::db;
use crate::domain::action::FieldError;
use crate::domain::{Action, DocumentKind};
use crate::http::multipart::{MultipartForm, MultipartProblem};
use crate::web::error::AppError;
use crate::web::forms::{self, FormField};
use crate::web::{AppState, Ctx, filters, flash, render_status};

#[derive(Template)]
#[template(path = "cases/intake.html")]
struct IntakePage {
    ctx: Ctx,
    /// `None` for a new case; the case being edited otherwise (id, number, version).
    editing: Option<(Uuid, String, i32)>,
    fields: Vec<FormField>,
    file_errors: HashMap<&'static str, String>,
    /// Every error of a refused submit, for the summary at the top of the form.
    summary: Vec<forms::SummaryItem>,
    /// The files kept from this form's refused submits (see [`crate::cases::documents`]).
    kept: Vec<KeptFile>,
    intake_key: Uuid,
    max_upload_mb: usize,
}

impl IntakePage {
    fn file_error(&self, name: &str) -> Option<&str> {
        self.file_errors.get(name).map(String::as_str)
    }
    /// The file inputs of the form: name and label.
    fn file_inputs(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("ktp_file", "Foto KTP"),
            ("kk_file", "Foto KK"),
            ("other_file", "Dokumen lain (surat rujukan, dll.)"),
        ]
    }
    /// The file kept for the input `name` (`ktp_file` …), if any.
    fn kept(&self, name: &str) -> Option<&KeptFile> {
        let kind = input_kind(name)?;
        self.kept.iter().find(|k| k.kind == kind)
    }
    /// The fields of one fieldset of the form.
    fn group(&self, group: &str) -> Vec<&FormField> {
        let names: &[&str] = match group {
            "identity" => &[
                "full_name",
                "sex",
                "birth_place",
                "birth_date",
                "has_identity_document",
                "nik",
                "kk_number",
            ],
            "address" => &[
                "address",
                "desa",
                "kecamatan",
                "domicile_kab_kota_code",
                "family_phone",
            ],
            _ => &[
                "admission_date",
                "service_type",
                "ward_class",
                "clinical_reason",
                "jkn_status",
            ],
        };
        self.fields
            .iter()
            .filter(|f| names.contains(&f.name))
            .collect()
    }
}

/// What the intake page shows besides the fields.
struct Shown {
    editing: Option<(Uuid, String, i32)>,
    errors: Vec<FieldError>,
    file_errors: HashMap<&'static str, String>,
    kept: Vec<KeptFile>,
    intake_key: Uuid,
}

/// The summary lines after the fields' own: the file inputs' errors (in form order), then the
/// errors of no field (a missing KTP photo leads to its input).
fn more_summary(shown: &Shown, others: &[String]) -> Vec<forms::SummaryItem> {
    let files = INTAKE_FILES.iter().filter_map(|(input, _)| {
        Some(forms::SummaryItem {
            target: Some((*input).to_string()),
            message: shown.file_errors.get(input)?.clone(),
        })
    });
    let rest = others.iter().map(|message| {
        let documents = shown
            .errors
            .iter()
            .any(|e| e.field == "documents" && &e.message == message);
        forms::SummaryItem {
            target: documents.then(|| "ktp_file".to_string()),
            message: message.clone(),
        }
    });
    files.chain(rest).collect()
}

/// The document kind of an intake file input.
fn input_kind(input: &str) -> Option<DocumentKind> {
    INTAKE_FILES
        .iter()
        .find(|(name, _)| *name == input)
        .map(|(_, kind)| *kind)
}

/// Renders the intake/edit page with `values` and the errors in `shown`.
async fn page(
    state: &AppState,
    ctx: Ctx,
    status: StatusCode,
    values: &HashMap<String, String>,
    shown: Shown,
) -> Result<Response, AppError> {
    let kab = db::reference::list_kab_kota(&state.pool).await?;
    let mut fields = forms::fields("intake", intake::FIELDS, values, &shown.errors);
    if let Some(f) = fields
        .iter_mut()
        .find(|f| f.name == "domicile_kab_kota_code")
    {
        f.input = "select";
        f.options = kab
            .into_iter()
            .map(|k| forms::SelectOption {
                selected: f.value == k.code,
                label: format!("{} — {}", k.name, k.code),
                code: k.code,
            })
            .collect();
    }
    let errors = forms::other_errors(intake::FIELDS, &shown.errors);
    let summary = forms::error_summary(&fields, more_summary(&shown, &errors));
    let page = IntakePage {
        ctx,
        editing: shown.editing,
        fields,
        file_errors: shown.file_errors,
        summary,
        kept: shown.kept,
        intake_key: shown.intake_key,
        max_upload_mb: state.settings.max_upload_mb,
    };
    render_status(status, &page)
}

/// Upload inputs of the intake form and the document kind each stores.
const INTAKE_FILES: &[(&str, DocumentKind)] = &[
    ("ktp_file", DocumentKind::Ktp),
    ("kk_file", DocumentKind::Kk),
    ("other_file", DocumentKind::Lainnya),
];

/// The intake form's photos as uploads.
fn uploads(form: &MultipartForm) -> Vec<(&'static str, Upload<'_>)> {
    INTAKE_FILES
        .iter()
        .filter_map(|(input, kind)| {
            let (_, bytes, name) = form.files.iter().find(|(n, _, _)| n == input)?;
            let upload = Upload {
                kind: kind.as_str(),
                bytes,
                original_name: name.as_deref(),
            };
            Some((*input, upload))
        })
        .collect()
}

/// The chosen photos checked ([`CaseService::check_upload`]): the problems per input, and
/// the uploads as they will be stored.
async fn check_files(
    state: &AppState,
    form: &MultipartForm,
) -> (HashMap<&'static str, String>, Vec<CheckedUpload>) {
    let mut problems = HashMap::new();
    if form.problem == Some(MultipartProblem::TooLarge) {
        let max = state.settings.max_upload_mb;
        let message = format!("Berkas terlalu besar; maksimal {max} MB per berkas.");
        problems.insert("ktp_file", message);
    }
    let mut checked = vec![];
    for (input, upload) in uploads(form) {
        match state.cases.check_upload(&upload).await {
            Ok(upload) => checked.push(upload),
            Err(p) => {
                problems.insert(input, p.message);
            }
        }
    }
    (problems, checked)
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    let values = HashMap::from([
        ("has_identity_document".to_string(), "ya".to_string()),
        ("ward_class".into(), "kelas_3".into()),
        ("admission_date".into(), state.clock.today().to_string()),
    ]);
    let shown = Shown {
        editing: None,
        errors: vec![],
        file_errors: HashMap::new(),
        kept: vec![],
        intake_key: Uuid::new_v4(),
    };
    page(&state, ctx, StatusCode::OK, &values, shown).await
}

/// The field errors a refused registration shows on the form; other refusals are errors.
fn form_errors(e: CaseError) -> Result<Vec<FieldError>, AppError> {
    match e {
        CaseError::Invalid(errors) => Ok(errors),
        e @ CaseError::DuplicateOpenCase { .. } => Ok(vec![FieldError {
            field: "nik",
            message: e.to_string(),
        }]),
        e @ (CaseError::Stale { .. } | CaseError::NotNow(_) | CaseError::IntakeKeyReused) => {
            Ok(vec![FieldError {
                field: "form",
                message: e.to_string(),
            }])
        }
        other => Err(other.into()),
    }
}

/// Opens the draft with its photos, or the field errors to show on the form.
async fn open_draft(
    state: &AppState,
    user: &CurrentUser,
    form: &MultipartForm,
    intake_key: Uuid,
    (file_errors, uploads): &(HashMap<&'static str, String>, Vec<CheckedUpload>),
) -> Result<Result<OpenedDraft, Vec<FieldError>>, AppError> {
    let fields = match state.cases.parse_patient(&form.values).await {
        Ok(_) if !file_errors.is_empty() => return Ok(Err(vec![])),
        Ok(fields) => fields,
        Err(e) => return Ok(Err(form_errors(e)?)),
    };
    let opened = state
        .cases
        .create_draft_with_documents(user, &fields, Some(intake_key), uploads)
        .await;
    match opened {
        Ok(opened) => Ok(Ok(opened)),
        Err(e) => Ok(Err(form_errors(e)?)),
    }
}

pub(super) async fn create(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let form = forms::read_multipart_form(mp).await?;
    let intake_key = form
        .values
        .get("intake_key")
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(Uuid::new_v4);
    let files = check_files(&state, &form).await;
    let opened = match open_draft(&state, &user, &form, intake_key, &files).await? {
        Ok(opened) => opened,
        Err(errors) => {
            // The photos that passed their check are kept for the next submit of this form,
            // so the PIC does not take them again.
            let (file_errors, checked) = files;
            state
                .cases
                .keep_intake_files(&user, intake_key, &checked)
                .await?;
            let shown = Shown {
                editing: None,
                errors,
                file_errors,
                kept: state.cases.kept_intake_files(&user, intake_key).await?,
                intake_key,
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&state, ctx, status, &form.values, shown).await;
        }
    };
    after_open(&state, &session, &user, &form, opened).await
}

/// Where a registration goes once its case exists: submitted right away ("Simpan dan
/// kirim"), or to the draft's page.
async fn after_open(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    form: &MultipartForm,
    opened: OpenedDraft,
) -> Result<Response, AppError> {
    let id = opened.id;
    let message = if !opened.created {
        // The same form arrived again (a double click, a retry): its case and documents are
        // already there, and nothing was stored twice.
        "Pendaftaran ini sudah tersimpan sebelumnya; tidak ada data ganda."
    } else if form.values.get("intent").map(String::as_str) == Some("submit") {
        return submit_after_save(state, session, user, id).await;
    } else {
        "Draf tersimpan. Lengkapi lalu kirim untuk verifikasi NIK."
    };
    flash(session, message).await?;
    Ok(Redirect::to(&format!("/kasus/{id}")).into_response())
}

/// "Simpan dan kirim": submits the draft just saved, or says why it stays a draft.
async fn submit_after_save(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    id: Uuid,
) -> Result<Response, AppError> {
    let case = state.cases.visible_case(user, id).await?;
    let submitted = state
        .cases
        .perform(user, id, case.version, Action::Submit, &HashMap::new())
        .await;
    let message = match submitted {
        Ok(_) => "Kasus terkirim ke Disdukcapil untuk verifikasi NIK.".to_string(),
        Err(e @ (CaseError::Invalid(_) | CaseError::Refused(_) | CaseError::Stale { .. })) => {
            format!("Draf tersimpan, tetapi belum dapat dikirim: {e}")
        }
        Err(e) => return Err(e.into()),
    };
    flash(session, message).await?;
    Ok(Redirect::to(&format!("/kasus/{id}")).into_response())
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let case = state.cases.visible_case(&user, id).await?;
    // The form holds the full data (the hospital corrects what it typed): logged as an edit.
    let access = Access::case(AccessKind::Edit, "edit", id);
    state.cases.log_access(&user, "web", access).await?;
    let values = intake::to_input(&case.patient);
    let shown = Shown {
        editing: Some((id, case.number.clone(), case.version)),
        errors: vec![],
        file_errors: HashMap::new(),
        kept: vec![],
        intake_key: Uuid::new_v4(),
    };
    page(&state, ctx, StatusCode::OK, &values, shown).await
}

pub(super) async fn update(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let values = forms::to_map(pairs);
    let version = version_field(&values);
    let case = state.cases.visible_case(&user, id).await?;
    let saved = match state.cases.parse_patient(&values).await {
        Ok(fields) => {
            state
                .cases
                .update_patient(&user, id, version, &fields)
                .await
        }
        Err(e) => Err(e),
    };
    let errors = match saved {
        Ok(()) => {
            flash(&session, "Data pasien disimpan.").await?;
            return Ok(Redirect::to(&format!("/kasus/{id}")).into_response());
        }
        Err(e) => form_errors(e)?,
    };
    let shown = Shown {
        editing: Some((id, case.number.clone(), version)),
        errors,
        file_errors: HashMap::new(),
        kept: vec![],
        intake_key: Uuid::new_v4(),
    };
    page(
        &state,
        ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        &values,
        shown,
    )
    .await
}
