//! The agencies' pages: intake (RSUD), queue (every case role), case page with the actions the
//! user may take now, documents, guarantee letter, and the hospital's own case list.

use std::collections::HashMap;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use tower_sessions::Session;
use uuid::Uuid;

use super::forms::{self, FormField, MultipartProblem};
use super::middleware::{CSRF_FIELD, csrf_matches};
use super::{AppState, Ctx, access, filters, flash, render, render_status};
use crate::api::{decode_cursor, encode_cursor, file_response};
use crate::auth::CurrentUser;
use crate::cases::files::FileStore;
use crate::cases::service::{self, CaseDetail, STALE, Upload};
use crate::cases::view::CaseView;
use crate::cases::{Scope, Visibility, intake, mask};
use crate::db;
use crate::db::cases::{CaseRow, ListFilter};
use crate::db::reference::{Hospital, KabKota};
use crate::domain::action::FieldError;
use crate::domain::text::{self, Lines};
use crate::domain::{Action, CaseState, DocumentKind, Role};
use crate::web::error::AppError;

/// Routes of this area.
pub fn router(state: &AppState) -> Router<AppState> {
    let max = state.settings.max_upload_mb * 1024 * 1024;
    let rsud = access::require(
        Router::new()
            .route(
                "/kasus/baru",
                get(intake_page)
                    .post(intake_submit)
                    .layer(DefaultBodyLimit::max(4 * max + 256 * 1024)),
            )
            .route("/kasus/{id}/ubah", get(edit_page).post(edit_submit))
            .route(
                "/kasus/{id}/dokumen",
                post(upload).layer(DefaultBodyLimit::max(2 * max + 64 * 1024)),
            )
            .route("/kasus-saya", get(my_cases).post(my_cases_search)),
        access::RSUD,
    );
    let all = access::require(
        Router::new()
            .route("/antrean", get(queue).post(queue_search))
            .route("/kasus/{id}", get(case_page))
            .route("/kasus/{id}/tindakan/{action}", post(act))
            .route("/kasus/{id}/dokumen/{document_id}", get(download))
            .route("/kasus/{id}/surat-jaminan", get(letter)),
        access::CASE_ROLES,
    );
    rsud.merge(all)
}

// ---------------------------------------------------------------- intake

#[derive(Template)]
#[template(path = "cases/intake.html")]
struct IntakePage {
    ctx: Ctx,
    /// `None` for a new case; the case being edited otherwise.
    editing: Option<(Uuid, String, i32)>,
    fields: Vec<FormField>,
    errors: Vec<String>,
    file_errors: HashMap<&'static str, String>,
    intake_key: Uuid,
    max_upload_mb: usize,
}

impl IntakePage {
    fn file_error(&self, name: &str) -> Option<&str> {
        self.file_errors.get(name).map(String::as_str)
    }
    fn has_errors(&self) -> bool {
        !self.file_errors.is_empty() || self.fields.iter().any(|f| f.error.is_some())
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

/// Upload inputs of the intake form and the document kind each stores.
const INTAKE_FILES: &[(&str, DocumentKind)] = &[
    ("ktp_file", DocumentKind::Ktp),
    ("kk_file", DocumentKind::Kk),
    ("other_file", DocumentKind::Lainnya),
];

async fn intake_fields(
    state: &AppState,
    values: &HashMap<String, String>,
    errors: &[FieldError],
) -> Result<Vec<FormField>, AppError> {
    let kab: Vec<KabKota> = db::reference::list_kab_kota(&state.pool).await?;
    let mut fields = forms::fields("intake", intake::FIELDS, values, errors);
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
    Ok(fields)
}

async fn intake_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let mut values = HashMap::new();
    values.insert("has_identity_document".into(), "ya".into());
    values.insert("ward_class".into(), "kelas_3".into());
    values.insert("admission_date".into(), service::today().to_string());
    render(&IntakePage {
        ctx,
        editing: None,
        fields: intake_fields(&state, &values, &[]).await?,
        errors: vec![],
        file_errors: HashMap::new(),
        intake_key: Uuid::new_v4(),
        max_upload_mb: state.settings.max_upload_mb,
    })
}

async fn intake_submit(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let form = forms::read_multipart_form(mp).await?;
    if !csrf_matches(
        &session,
        form.values.get(CSRF_FIELD).map_or("", |s| s.as_str()),
    )
    .await
    {
        return Err(AppError::Conflict(
            "Formulir ini sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi.".into(),
        ));
    }
    let max = state.settings.max_upload_mb * 1024 * 1024;
    let intake_key = form
        .values
        .get("intake_key")
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(Uuid::new_v4);
    let mut file_errors = HashMap::new();
    if form.problem == Some(MultipartProblem::TooLarge) {
        file_errors.insert(
            "ktp_file",
            format!(
                "Berkas terlalu besar; maksimal {} MB per berkas.",
                state.settings.max_upload_mb
            ),
        );
    }
    let uploads: Vec<(&str, Upload<'_>)> = INTAKE_FILES
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
        .collect();
    for (input, upload) in &uploads {
        if let Some(p) = service::upload_problem(upload, max) {
            file_errors.insert(*input, p.message);
        }
    }
    let kab: Vec<String> = db::reference::list_kab_kota(&state.pool)
        .await?
        .into_iter()
        .map(|k| k.code)
        .collect();
    let parsed = intake::parse(&form.values, service::today(), &kab);
    let mut errors: Vec<FieldError> = parsed.err().unwrap_or_default();
    let mut opened = None;
    let files = FileStore::new(state.settings.files_dir());
    if errors.is_empty() && file_errors.is_empty() {
        let uploads: Vec<Upload<'_>> = uploads.into_iter().map(|(_, u)| u).collect();
        let submission = service::Intake {
            input: &form.values,
            intake_key: Some(intake_key),
            uploads: &uploads,
            max_bytes: max,
        };
        match service::create_draft_with_documents(&state.pool, &files, &user, &submission).await {
            Ok(d) => opened = Some(d),
            Err(AppError::Validation(e)) => errors = e,
            Err(AppError::Conflict(m)) => errors.push(FieldError {
                field: "nik",
                message: m,
            }),
            Err(e) => return Err(e),
        }
    }
    let Some(opened) = opened else {
        if !form.files.is_empty() {
            file_errors.entry("ktp_file").or_insert_with(|| {
                "Berkas belum tersimpan: pilih ulang berkas sebelum menyimpan.".into()
            });
        }
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &IntakePage {
                ctx,
                editing: None,
                errors: forms::other_errors(intake::FIELDS, &errors),
                fields: intake_fields(&state, &form.values, &errors).await?,
                file_errors,
                intake_key,
                max_upload_mb: state.settings.max_upload_mb,
            },
        );
    };
    let id = opened.id;
    if !opened.created {
        // The same form arrived again (a double click, a retry): its case and documents are
        // already there, and nothing was stored twice.
        flash(
            &session,
            "Pendaftaran ini sudah tersimpan sebelumnya; tidak ada data ganda.",
        )
        .await?;
        return Ok(Redirect::to(&format!("/kasus/{id}")).into_response());
    }
    if form.values.get("intent").map(String::as_str) == Some("submit") {
        return submit_after_save(&state, &session, &user, id).await;
    }
    flash(
        &session,
        "Draf tersimpan. Lengkapi lalu kirim untuk verifikasi NIK.",
    )
    .await?;
    Ok(Redirect::to(&format!("/kasus/{id}")).into_response())
}

async fn submit_after_save(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    id: Uuid,
) -> Result<Response, AppError> {
    let case = service::visible_case(&state.pool, user, id).await?;
    let message = match service::perform(
        &state.pool,
        user,
        id,
        case.version,
        Action::Submit,
        &HashMap::new(),
    )
    .await
    {
        Ok(_) => "Kasus terkirim ke Disdukcapil untuk verifikasi NIK.".to_string(),
        Err(AppError::Validation(errs)) => format!(
            "Draf tersimpan, tetapi belum dapat dikirim: {}",
            errs.iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Err(AppError::Conflict(m)) => format!("Draf tersimpan, tetapi belum dapat dikirim: {m}"),
        Err(e) => return Err(e),
    };
    flash(session, message).await?;
    Ok(Redirect::to(&format!("/kasus/{id}")).into_response())
}

async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let case = service::visible_case(&state.pool, &user, id).await?;
    let values = intake::to_input(&case.patient);
    render(&IntakePage {
        ctx,
        editing: Some((id, case.number.clone(), case.version)),
        fields: intake_fields(&state, &values, &[]).await?,
        errors: vec![],
        file_errors: HashMap::new(),
        intake_key: Uuid::new_v4(),
        max_upload_mb: state.settings.max_upload_mb,
    })
}

async fn edit_submit(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let values = forms::to_map(pairs);
    let version: i32 = values
        .get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let case = service::visible_case(&state.pool, &user, id).await?;
    let errors = match service::update_patient(&state.pool, &user, id, version, &values).await {
        Ok(()) => {
            flash(&session, "Data pasien disimpan.").await?;
            return Ok(Redirect::to(&format!("/kasus/{id}")).into_response());
        }
        Err(AppError::Validation(e)) => e,
        Err(AppError::Conflict(m)) => vec![FieldError {
            field: "form",
            message: m,
        }],
        Err(e) => return Err(e),
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &IntakePage {
            ctx,
            editing: Some((id, case.number.clone(), version)),
            errors: forms::other_errors(intake::FIELDS, &errors),
            fields: intake_fields(&state, &values, &errors).await?,
            file_errors: HashMap::new(),
            intake_key: Uuid::new_v4(),
            max_upload_mb: state.settings.max_upload_mb,
        },
    )
}

// ---------------------------------------------------------------- case page

/// One action the user may take, as a small form.
struct ActionForm {
    action: &'static str,
    label: &'static str,
    fields: Vec<FormField>,
    errors: Vec<String>,
    danger: bool,
}

#[derive(Template)]
#[template(path = "cases/show.html")]
struct CasePage {
    ctx: Ctx,
    d: CaseDetail,
    vis: Visibility,
    actions: Vec<ActionForm>,
    /// A refusal to show at the top (stale version, illegal transition).
    problem: Option<String>,
    upload_error: Option<String>,
    can_upload: bool,
    can_edit: bool,
    document_kinds: &'static [(&'static str, &'static str)],
    max_upload_mb: usize,
}

impl CasePage {
    fn v(&self) -> &CaseView {
        &self.d.view
    }
    fn desil_label(&self, code: &Option<String>) -> String {
        code.as_deref()
            .and_then(|c| crate::domain::Desil::parse(c).ok())
            .map(|d| d.label())
            .unwrap_or_else(|| "—".into())
    }
    fn label_of(&self, options: &[(&str, &str)], code: &str) -> String {
        options
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, l)| l.to_string())
            .unwrap_or_else(|| code.to_string())
    }
    fn sex_label(&self) -> String {
        self.label_of(crate::domain::Sex::OPTIONS, &self.v().patient.sex)
    }
    fn service_label(&self) -> String {
        self.label_of(
            crate::domain::ServiceType::OPTIONS,
            &self.v().episode.service_type,
        )
    }
    fn ward_label(&self) -> String {
        self.label_of(
            crate::domain::WardClass::OPTIONS,
            &self.v().episode.ward_class,
        )
    }
    fn jkn_label(&self) -> String {
        self.label_of(
            crate::domain::JknStatus::OPTIONS,
            &self.v().episode.jkn_status,
        )
    }
    fn payer_label(&self, code: &Option<String>) -> String {
        code.as_deref()
            .map(|c| self.label_of(crate::domain::Payer::OPTIONS, c))
            .unwrap_or_else(|| "—".into())
    }
    fn role_label(&self, code: &str) -> &'static str {
        code.parse::<Role>().map(|r| r.label()).unwrap_or("—")
    }
    fn state_label(&self, code: &str) -> &'static str {
        code.parse::<CaseState>().map(|s| s.label()).unwrap_or("—")
    }
    /// Evidence fields of a step, as (label, value) pairs.
    fn evidence(&self, step: &crate::cases::view::StepView) -> Vec<(String, String)> {
        let Some(obj) = step.evidence.as_object() else {
            return vec![];
        };
        let specs = step
            .action
            .parse::<Action>()
            .map(|a| a.fields())
            .unwrap_or(&[]);
        specs
            .iter()
            .filter_map(|s| {
                let v = obj.get(s.name)?;
                let text = match v {
                    serde_json::Value::Null => return None,
                    serde_json::Value::String(t) => match s.kind {
                        crate::domain::action::FieldKind::Select(opts) => self.label_of(opts, t),
                        crate::domain::action::FieldKind::Desil => crate::domain::Desil::parse(t)
                            .map(|d| d.label())
                            .unwrap_or_else(|_| t.clone()),
                        crate::domain::action::FieldKind::Nik if !self.vis.identity => mask(t),
                        _ => t.clone(),
                    },
                    serde_json::Value::Bool(b) => if *b { "ya" } else { "tidak" }.into(),
                    other => other.to_string(),
                };
                Some((s.label.to_string(), text))
            })
            .collect()
    }
    /// Who returned the case and why (the latest return), while it is returned.
    fn return_note(&self) -> Option<String> {
        if self.d.case.state.0 != CaseState::Returned {
            return None;
        }
        let step = self
            .d
            .timeline
            .iter()
            .rev()
            .find(|s| s.action == "return_to_rsud")?;
        let code = step
            .evidence
            .get("reason_code")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        let code_label = self.label_of(crate::domain::ReturnReason::OPTIONS, code);
        Some(format!(
            "Dikembalikan oleh {} ({}): {} — {}",
            step.actor_name,
            step.agency,
            code_label,
            step.reason.clone().unwrap_or_default()
        ))
    }
}

fn action_forms(
    actions: &[&'static str],
    failed: Option<(Action, &HashMap<String, String>, &[FieldError])>,
) -> Vec<ActionForm> {
    actions
        .iter()
        .filter_map(|code| code.parse::<Action>().ok())
        .map(|a| {
            let (values, errors): (HashMap<String, String>, &[FieldError]) = match failed {
                Some((fa, v, e)) if fa == a => (v.clone(), e),
                _ => (HashMap::new(), &[]),
            };
            ActionForm {
                action: a.as_str(),
                label: a.label(),
                fields: forms::fields(a.as_str(), a.fields(), &values, errors),
                errors: forms::other_errors(a.fields(), errors),
                danger: matches!(
                    a,
                    Action::Withdraw | Action::RejectGuarantee | Action::ReturnToRsud
                ),
            }
        })
        .collect()
}

/// How the last submit on a case page went, for re-rendering it.
#[derive(Default)]
struct Outcome<'a> {
    /// The action whose form failed, with the values typed and the errors.
    failed: Option<(Action, &'a HashMap<String, String>, &'a [FieldError])>,
    /// A refusal to show at the top.
    problem: Option<String>,
    upload_error: Option<String>,
}

async fn case_page_response(
    state: &AppState,
    ctx: Ctx,
    user: CurrentUser,
    id: Uuid,
    status: StatusCode,
    outcome: Outcome<'_>,
) -> Result<Response, AppError> {
    let Outcome {
        failed,
        problem,
        upload_error,
    } = outcome;
    let d = service::detail(&state.pool, &user, id, "web").await?;
    let open = !d.case.state.0.is_terminal();
    let can_upload = user.role == Role::Rsud && open;
    let can_edit = user.role == Role::Rsud
        && matches!(
            d.case.state.0,
            CaseState::Draft | CaseState::Returned | CaseState::SktmRequired
        );
    let actions = action_forms(&d.view.available_actions, failed);
    render_status(
        status,
        &CasePage {
            ctx,
            vis: Visibility::of(user.role),
            d,
            actions,
            problem,
            upload_error,
            can_upload,
            can_edit,
            document_kinds: DocumentKind::OPTIONS,
            max_upload_mb: state.settings.max_upload_mb,
        },
    )
}

async fn case_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    case_page_response(&state, ctx, user, id, StatusCode::OK, Outcome::default()).await
}

async fn act(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Path((id, action)): Path<(Uuid, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let action: Action = action.parse().map_err(|_| AppError::NotFound)?;
    let values = forms::to_map(pairs);
    let version: i32 = values
        .get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    match service::perform(&state.pool, &user, id, version, action, &values).await {
        Ok(case) => {
            flash(
                &session,
                format!(
                    "{}: berhasil. Status sekarang: {}.",
                    action.label(),
                    case.state.0.label()
                ),
            )
            .await?;
            // Stay on the case while there is more to do here; otherwise back to the queue.
            let to = if user.role == Role::Rsud
                || !service::available_actions(&user, &case).is_empty()
            {
                format!("/kasus/{id}")
            } else {
                "/antrean".to_string()
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(AppError::Validation(errors)) => {
            case_page_response(
                &state,
                ctx,
                user,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome {
                    failed: Some((action, &values, &errors)),
                    ..Default::default()
                },
            )
            .await
        }
        Err(AppError::Conflict(message)) => {
            let problem = if message == STALE {
                message
            } else {
                format!("{}: {message}", action.label())
            };
            case_page_response(
                &state,
                ctx,
                user,
                id,
                StatusCode::CONFLICT,
                Outcome {
                    failed: Some((action, &values, &[])),
                    problem: Some(problem),
                    upload_error: None,
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn upload(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let form = forms::read_multipart_form(mp).await?;
    if !csrf_matches(
        &session,
        form.values.get(CSRF_FIELD).map_or("", |s| s.as_str()),
    )
    .await
    {
        return Err(AppError::Conflict(
            "Formulir ini sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi.".into(),
        ));
    }
    let max = state.settings.max_upload_mb * 1024 * 1024;
    let kind = form.values.get("kind").cloned().unwrap_or_default();
    let problem = if form.problem == Some(MultipartProblem::TooLarge) {
        Some(format!(
            "Berkas terlalu besar; maksimal {} MB.",
            state.settings.max_upload_mb
        ))
    } else if let Some((_, bytes, name)) = form.files.iter().find(|(n, _, _)| n == "file") {
        let files = FileStore::new(state.settings.files_dir());
        let upload = Upload {
            kind: &kind,
            bytes,
            original_name: name.as_deref(),
        };
        match service::add_document(&state.pool, &files, &user, id, &upload, max).await {
            Ok(_) => None,
            Err(AppError::Validation(e)) => Some(
                e.into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Err(AppError::Conflict(m)) => Some(m),
            Err(e) => return Err(e),
        }
    } else {
        Some("Berkas wajib dipilih.".into())
    };
    match problem {
        None => {
            flash(&session, "Dokumen tersimpan.").await?;
            Ok(Redirect::to(&format!("/kasus/{id}")).into_response())
        }
        Some(p) => {
            case_page_response(
                &state,
                ctx,
                user,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome {
                    upload_error: Some(p),
                    ..Default::default()
                },
            )
            .await
        }
    }
}

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, document_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    let files = FileStore::new(state.settings.files_dir());
    let (doc, bytes) =
        service::read_document(&state.pool, &files, &user, id, document_id, "web").await?;
    Ok(file_response(&doc.content_type, bytes))
}

#[derive(Template)]
#[template(path = "cases/letter.html")]
struct LetterPage {
    d: CaseDetail,
    today: NaiveDate,
    payer: String,
    nik: String,
}

async fn letter(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let d = service::detail(&state.pool, &user, id, "web").await?;
    let Some(g) = &d.view.guarantee else {
        return Err(AppError::Conflict(
            "Surat jaminan hanya tersedia untuk kasus yang jaminannya sudah disetujui.".into(),
        ));
    };
    let payer = match g.payer.as_deref() {
        // Kab/kota names are stored bare ("Sikka") except the city ("Kota Kupang").
        Some("pemkab_asal") => {
            let name = &d.view.patient.domicile_kab_kota_name;
            if name.starts_with("Kota ") {
                format!("Pemerintah {name}")
            } else {
                format!("Pemerintah Kabupaten {name}")
            }
        }
        _ => "Pemerintah Provinsi Nusa Tenggara Timur (APBD)".to_string(),
    };
    let nik = d.view.patient.nik.clone().unwrap_or_else(|| "—".into());
    render(&LetterPage {
        today: service::today(),
        payer,
        nik,
        d,
    })
}

// ---------------------------------------------------------------- lists

/// A row of a case list (NIK masked).
struct ListRow {
    id: Uuid,
    number: String,
    name: String,
    nik: String,
    kab: String,
    hospital: String,
    state: &'static str,
    desk: &'static str,
    days: i64,
    overdue: bool,
}

fn list_rows(views: Vec<CaseView>) -> Vec<ListRow> {
    views
        .into_iter()
        .map(|v| ListRow {
            id: v.id,
            number: v.number,
            name: v.patient.full_name,
            nik: v.patient.nik.unwrap_or_else(|| "tanpa NIK".into()),
            kab: v.patient.domicile_kab_kota_name,
            hospital: v.hospital_name,
            state: v.state_label,
            desk: v
                .desk
                .role
                .and_then(|r| r.parse::<Role>().ok())
                .map_or("—", |r| r.agency()),
            days: v.desk.working_days,
            overdue: v.desk.overdue,
        })
        .collect()
}

#[derive(Debug, Default, serde::Deserialize)]
struct ListForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    kab: String,
    #[serde(default)]
    hospital: String,
    #[serde(default)]
    cursor: String,
}

impl ListForm {
    /// What is wrong with the search box and the kab/kota filter (the other filters are
    /// choices parsed leniently: an unknown state or hospital is no filter).
    fn problems(&self, kab_kota: &[KabKota]) -> Vec<FieldError> {
        let mut errors = vec![];
        if let Err(e) = text::check(
            "q",
            "Pencarian",
            self.q.trim(),
            text::SEARCH_MAX,
            Lines::One,
        ) {
            errors.push(e);
        }
        if !self.kab.is_empty() && !kab_kota.iter().any(|k| k.code == self.kab) {
            errors.push(FieldError {
                field: "kab",
                message: "Kab/Kota tidak dikenal; pilih dari daftar.".into(),
            });
        }
        errors
    }
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    ctx: Ctx,
    title: &'static str,
    action: &'static str,
    intro: &'static str,
    form: ListForm,
    rows: Vec<ListRow>,
    next_cursor: Option<String>,
    states: Vec<(&'static str, &'static str)>,
    kab_kota: Vec<KabKota>,
    hospitals: Vec<Hospital>,
    show_hospital_filter: bool,
    /// Problems of the search form, by field (`q`, `kab`).
    errors: Vec<FieldError>,
}

impl ListPage {
    fn search_max(&self) -> usize {
        text::SEARCH_MAX
    }
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

const PAGE: i64 = 50;

async fn list_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: ListForm,
    mine: bool,
) -> Result<Response, AppError> {
    let kab_kota = db::reference::list_kab_kota(&state.pool).await?;
    let errors = form.problems(&kab_kota);
    let selected_state = form.state.parse::<CaseState>().ok();
    let mut filter = ListFilter {
        limit: PAGE + 1,
        search: Some(form.q.trim().to_string()).filter(|s| !s.is_empty()),
        kab_kota_code: Some(form.kab.clone()).filter(|s| !s.is_empty()),
        hospital_id: form.hospital.parse().ok(),
        after: decode_cursor(&form.cursor),
        ..Default::default()
    };
    let (rows, states): (Vec<CaseRow>, Vec<CaseState>) = if !errors.is_empty() {
        let states = if mine {
            CaseState::ALL.to_vec()
        } else {
            service::queue_filter(user.role).states
        };
        (vec![], states)
    } else if mine {
        filter.states = selected_state.map_or_else(|| CaseState::ALL.to_vec(), |s| vec![s]);
        let scope = Scope::of(user);
        (
            db::cases::list(&state.pool, &scope.filter(), &filter).await?,
            CaseState::ALL.to_vec(),
        )
    } else {
        let queue_states = service::queue_filter(user.role).states;
        filter.states = selected_state.into_iter().collect();
        (
            service::queue(&state.pool, user, filter).await?,
            queue_states,
        )
    };
    let more = rows.len() as i64 > PAGE;
    let rows = &rows[..rows.len().min(PAGE as usize)];
    let next_cursor = if more {
        rows.last()
            .map(|c| encode_cursor(if mine { None } else { c.sla_due_date }, c.id))
    } else {
        None
    };
    let views = service::views(&state.pool, user, rows).await?;
    let refused = !errors.is_empty();
    let mut page = render(&ListPage {
        ctx,
        title: if mine {
            "Kasus rumah sakit"
        } else {
            "Antrean saya"
        },
        action: if mine { "/kasus-saya" } else { "/antrean" },
        intro: if mine {
            "Semua kasus rumah sakit Anda, termasuk yang sudah selesai; terbaru di atas."
        } else {
            "Kasus yang menunggu tindakan Anda di cakupan Anda; yang melewati batas waktu di atas."
        },
        rows: list_rows(views),
        next_cursor,
        states: states.iter().map(|s| (s.as_str(), s.label())).collect(),
        kab_kota,
        hospitals: db::reference::list_hospitals(&state.pool).await?,
        show_hospital_filter: !matches!(Scope::of(user), Scope::Hospital(_)),
        form,
        errors,
    })?;
    if refused {
        *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(page)
}

async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    list_page(&state, ctx, &user, ListForm::default(), false).await
}

async fn queue_search(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<ListForm>,
) -> Result<Response, AppError> {
    list_page(&state, ctx, &user, form, false).await
}

async fn my_cases(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    list_page(&state, ctx, &user, ListForm::default(), true).await
}

async fn my_cases_search(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(form): Form<ListForm>,
) -> Result<Response, AppError> {
    list_page(&state, ctx, &user, form, true).await
}
