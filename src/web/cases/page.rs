//! The case page (`/kasus/{id}`): the case as the role may see it, its timeline and documents,
//! and a form for each action the user may take now (`/kasus/{id}/tindakan/{action}`).

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use tower_sessions::Session;
use uuid::Uuid;

use super::version_field;
use crate::auth::CurrentUser;
use crate::cases::access::Revealed;
use crate::cases::idempotency::{Answered, MakeAnswer, Once, PageAnswer};
use crate::cases::quota::QuotaHint;
use crate::cases::service::{CONFIRM_FIELD, CasePageReads, PageExtras};
use crate::cases::view::{CaseView, DocumentView};
use crate::cases::{CaseDetail, CaseError, CheckedUpload, Upload, Visibility, mask, service};
use crate::db::cases::CaseRow;
use crate::domain::action::{FieldError, FieldSpec, OVER_QUOTA_FIELDS};
use crate::domain::quota::QuotaKind;
use crate::domain::{
    Action, CaseState, DocumentKind, Role, action_document, default_document_kind,
    may_change_documents,
};
use crate::http::multipart::MultipartProblem;
use crate::web::error::AppError;
use crate::web::forms::{self, FormField};
use crate::web::{AppState, Ctx, filters, render_status};

/// One action the user may take: a button that opens its small form (`<details>`, one open at
/// a time with JavaScript).
struct ActionForm {
    action: &'static str,
    label: &'static str,
    fields: Vec<FormField>,
    danger: bool,
    /// Whether the form is shown open: the one refused, or the only action there is.
    open: bool,
    /// For an irreversible action: what will happen, for the "Saya mengerti: …" tick.
    confirm: Option<String>,
    /// Whether the tick was given in the refused form (kept as typed).
    confirmed: bool,
    /// Why the form was refused without the tick.
    confirm_error: Option<String>,
    /// What remains of the payers' quotas, for an approval (title, one line per payer).
    quota: Option<QuotaNote>,
    /// The label of the document sent with the action in the same form (the SKTM scan).
    document: Option<&'static str>,
    /// Why that document was refused.
    document_error: Option<String>,
    /// Every error of the refused submit, for the summary at the top of the form.
    summary: Vec<forms::SummaryItem>,
    /// This render's nonce of the form: a second submit with it (a double click, a retry) gets
    /// the first's answer and does nothing ([`crate::cases::idempotency`]).
    nonce: Uuid,
}

/// What remains of the quota an approval form takes from, for both payers it offers.
struct QuotaNote {
    title: String,
    hints: Vec<QuotaHint>,
}

/// The quota notes of the approval forms among `actions`, for the year of the date typed in a
/// refused form (the guarantee's start, the PBPU decision), else this year.
async fn quota_notes(
    state: &AppState,
    case: &crate::db::cases::CaseRow,
    actions: &[&'static str],
    failed: Option<(Action, &HashMap<String, String>, &[FieldError])>,
) -> Result<HashMap<Action, QuotaNote>, AppError> {
    let mut notes = HashMap::new();
    for action in actions.iter().filter_map(|a| a.parse::<Action>().ok()) {
        let Some(kind) = QuotaKind::taken_by(action) else {
            continue;
        };
        let year = failed
            .filter(|(a, _, _)| *a == action)
            .and_then(|(_, values, _)| {
                values
                    .get(kind.year_field())?
                    .parse::<chrono::NaiveDate>()
                    .ok()
            })
            .map_or_else(|| state.clock.today().year(), |d| d.year());
        let hints = state.cases.quota_hints(case, kind, year).await?;
        let title = format!("Sisa {} tahun {year}", kind.label().to_lowercase());
        notes.insert(action, QuotaNote { title, hints });
    }
    Ok(notes)
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
    /// Whether the refusal was "someone else changed the case" (the page shows fresh data).
    stale: bool,
    upload_error: Option<String>,
    can_upload: bool,
    /// This render's nonce of the upload form ([`crate::cases::idempotency`]).
    upload_nonce: Uuid,
    /// Whether the user may replace or remove documents now (the hospital, case at its desk).
    can_change_documents: bool,
    /// A replacement refused: the document and why.
    document_error: Option<(Uuid, String)>,
    can_edit: bool,
    document_kinds: &'static [(&'static str, &'static str)],
    /// The kind the upload form offers first ([`default_document_kind`]).
    default_kind: &'static str,
    max_upload_mb: usize,
    /// The case's claims, for roles that see claims.
    claims: Vec<crate::cases::claims::ClaimView>,
    /// Whether the user may submit a claim for the case (its hospital's PIC, case guaranteed).
    can_claim: bool,
    /// The daftar nominatif (not cancelled) holding the case, and whether the reader may open
    /// it.
    nominatif: Option<crate::db::nominatif::CaseBatch>,
    nominatif_link: bool,
    /// The full NIK and KK after a reveal (this response only).
    revealed: Option<Revealed>,
    /// The reveal form refused: what was typed and why.
    reveal_refused: Option<(String, String)>,
    reveal_max: usize,
    /// The families' status code section (the case's hospital PIC only).
    status_code: Option<super::status_code::StatusCodePanel>,
}

impl CasePage {
    /// A new nonce for one form of this render (the replace and remove forms of a document,
    /// [`crate::cases::idempotency`]).
    fn fresh_nonce(&self) -> Uuid {
        Uuid::new_v4()
    }
    /// The documents in force.
    fn current_documents(&self) -> Vec<&DocumentView> {
        self.d.documents.iter().filter(|d| d.is_current()).collect()
    }
    /// The documents replaced or removed (the document history).
    fn superseded_documents(&self) -> Vec<&DocumentView> {
        self.d
            .documents
            .iter()
            .filter(|d| !d.is_current())
            .collect()
    }
    /// Why the replacement of `id` was refused, if it was.
    fn document_error(&self, id: &Uuid) -> Option<&str> {
        self.document_error
            .as_ref()
            .filter(|(d, _)| d == id)
            .map(|(_, e)| e.as_str())
    }
    /// Whether `code` is the kind the upload form offers first.
    fn is_default_kind(&self, code: &str) -> bool {
        code == self.default_kind
    }
    /// The NIK as shown: full after a reveal, masked otherwise.
    fn nik(&self) -> Option<&str> {
        match &self.revealed {
            Some(r) => r.nik.as_deref(),
            None => self.d.view.patient.nik.as_deref(),
        }
    }
    /// The KK number as shown: full after a reveal, masked otherwise.
    fn kk(&self) -> Option<&str> {
        match &self.revealed {
            Some(r) => r.kk_number.as_deref(),
            None => self.d.view.patient.kk_number.as_deref(),
        }
    }
    /// What was typed in a refused reveal form.
    fn reveal_typed(&self) -> &str {
        self.reveal_refused.as_ref().map_or("", |(t, _)| t.as_str())
    }
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
                        crate::domain::action::FieldKind::Nik => mask(t),
                        // Dates as everywhere else on the page (dd-mm-yyyy).
                        crate::domain::action::FieldKind::Date => t
                            .parse::<chrono::NaiveDate>()
                            .map(crate::domain::locale::date)
                            .unwrap_or_else(|_| t.clone()),
                        _ => t.clone(),
                    },
                    serde_json::Value::Bool(b) => if *b { "ya" } else { "tidak" }.into(),
                    other => other.to_string(),
                };
                Some((s.label.to_string(), text))
            })
            .collect()
    }
    /// Who returned the case (the latest return), while it is returned, and the timeline step
    /// (`#step-<n>`, 1-based) where its reason stands: the reason is shown once, there.
    fn return_note(&self) -> Option<(String, usize)> {
        if self.d.case.state.0 != CaseState::Returned {
            return None;
        }
        let (index, step) = self
            .d
            .timeline
            .iter()
            .enumerate()
            .rev()
            .find(|(_, s)| s.action == "return_to_rsud")?;
        Some((
            format!(
                "Dikembalikan oleh {} ({}) pada {}.",
                step.actor_name,
                step.agency,
                crate::domain::locale::time(step.at)
            ),
            index + 1,
        ))
    }
    /// The timeline step (1-based) of the decision that took from the quota of `kind`
    /// (`guarantee`: the approval, otherwise the PBPU Pemda enrolment), where its over-quota
    /// reason stands.
    fn quota_step(&self, kind: &str) -> usize {
        let action = if kind == "guarantee" {
            Action::ApproveGuarantee
        } else {
            Action::EnrolPbpuPemda
        };
        self.d
            .timeline
            .iter()
            .rposition(|s| s.action == action.as_str())
            .map_or(0, |i| i + 1)
    }
    /// The timeline step of the latest return while the case is returned (1-based), to mark it.
    fn return_step(&self) -> usize {
        self.return_note().map_or(0, |(_, n)| n)
    }
}

/// The fields of `action`'s form: all but the over-quota confirmation, which comes only when
/// a submit was refused for exceeding the quota (or already carried it).
fn shown_fields(
    action: Action,
    values: &HashMap<String, String>,
    errors: &[FieldError],
) -> Vec<FieldSpec> {
    let asked = errors.iter().any(|e| OVER_QUOTA_FIELDS.contains(&e.field))
        || OVER_QUOTA_FIELDS
            .iter()
            .any(|f| values.get(*f).is_some_and(|v| !v.trim().is_empty()));
    action
        .fields()
        .iter()
        .filter(|f| asked || !OVER_QUOTA_FIELDS.contains(&f.name))
        .copied()
        .collect()
}

/// What an irreversible action will do to this case, in the words of the "Saya mengerti: …"
/// tick (`None` for the routine steps, see [`Action::needs_confirmation`]).
fn consequence(action: Action, view: &CaseView) -> Option<String> {
    if !action.needs_confirmation() {
        return None;
    }
    let text = match action {
        Action::ReturnToRsud => format!(
            "Kasus akan dikembalikan ke {} dan baru kembali ke meja ini setelah rumah sakit \
             memperbaiki dan mengirimnya ulang.",
            view.hospital_name
        ),
        Action::Withdraw => "Kasus akan dibatalkan dan ditutup; sesudahnya tidak ada tindakan \
             lain yang dapat dilakukan pada kasus ini."
            .into(),
        Action::RejectGuarantee => "Jaminan sementara pasien ini akan ditolak dan kasus \
             ditutup; keputusan ini tidak dapat dibatalkan."
            .into(),
        Action::ApproveGuarantee => "Surat Jaminan Sementara akan terbit dengan nomor baru dan \
             dibebankan pada pagu pembayar yang dipilih; persetujuan tidak dapat ditarik kembali."
            .into(),
        Action::EnrolPbpuPemda => "Pasien akan didaftarkan sebagai PBPU Pemda atas beban kuota \
             pembayar yang dipilih dan masuk daftar nominatif; keputusan ini tidak dapat ditarik \
             kembali."
            .into(),
        Action::RecordPbiRefused => "Usulan PBI JKN akan dicatat ditolak dan kasus beralih ke \
             jalur PBPU Pemda di Dinkes Provinsi; kasus tidak dapat kembali ke jalur PBI JKN."
            .into(),
        Action::RecordPbiActive | Action::RecordPbpuActive => "Kasus akan diserahkan ke BPJS \
             Kesehatan dan ditutup; jaminan sementara berakhir sehari sebelum tanggal berlaku \
             kepesertaan."
            .into(),
        _ => format!("{} tidak dapat dibatalkan.", action.label()),
    };
    Some(text)
}

fn action_forms(
    view: &CaseView,
    failed: Option<(Action, &HashMap<String, String>, &[FieldError])>,
    mut notes: HashMap<Action, QuotaNote>,
) -> Vec<ActionForm> {
    let only_one = view.available_actions.len() == 1;
    view.available_actions
        .iter()
        .filter_map(|code| code.parse::<Action>().ok())
        .map(|a| {
            let (values, errors): (HashMap<String, String>, &[FieldError]) = match failed {
                Some((fa, v, e)) if fa == a => (v.clone(), e),
                _ => (HashMap::new(), &[]),
            };
            let specs = shown_fields(a, &values, errors);
            let (confirm_errors, errors): (Vec<FieldError>, Vec<FieldError>) = errors
                .iter()
                .cloned()
                .partition(|e| e.field == CONFIRM_FIELD);
            let document = action_document(a).map(|k| k.label());
            // The document's errors ("file" from its check, "documents" when it is missing)
            // go under its input when the form has one.
            let (document_errors, errors): (Vec<FieldError>, Vec<FieldError>) = errors
                .iter()
                .cloned()
                .partition(|e| document.is_some() && DOCUMENT_FIELDS.contains(&e.field));
            let document_error = document_errors
                .into_iter()
                .map(|e| e.message)
                .reduce(|a, b| format!("{a} {b}"));
            let fields = forms::fields(a.as_str(), &specs, &values, &errors);
            let others = forms::other_errors(a.fields(), &errors);
            let more = document_error
                .iter()
                .map(|message| forms::SummaryItem {
                    target: Some(format!("{}-document_file", a.as_str())),
                    message: message.clone(),
                })
                .chain(others.iter().map(|message| forms::SummaryItem {
                    target: None,
                    message: message.clone(),
                }))
                .collect();
            ActionForm {
                action: a.as_str(),
                label: a.label(),
                quota: notes.remove(&a),
                summary: forms::error_summary(&fields, more),
                fields,
                danger: a.needs_confirmation(),
                open: only_one || failed.is_some_and(|(fa, _, _)| fa == a),
                confirm: consequence(a, view),
                confirmed: values.get(CONFIRM_FIELD).is_some_and(|v| v == "ya"),
                confirm_error: confirm_errors.into_iter().next().map(|e| e.message),
                document,
                document_error,
                nonce: Uuid::new_v4(),
            }
        })
        .collect()
}

/// The error fields of an action's document: its check (`file`), or its absence
/// (`documents`).
const DOCUMENT_FIELDS: &[&str] = &["file", "documents"];

/// How the last submit on a case page went, for re-rendering it.
#[derive(Default)]
pub(super) struct Outcome<'a> {
    /// The action whose form failed, with the values typed and the errors.
    pub failed: Option<(Action, &'a HashMap<String, String>, &'a [FieldError])>,
    /// A refusal to show at the top.
    pub problem: Option<String>,
    /// Whether that refusal is a stale version.
    pub stale: bool,
    pub upload_error: Option<String>,
    /// A replacement refused: the document and why.
    pub document_error: Option<(Uuid, String)>,
    /// The full NIK and KK after a reveal (this response only).
    pub revealed: Option<Revealed>,
    /// The reveal form refused: what was typed and why.
    pub reveal_refused: Option<(String, String)>,
}

/// Renders the case page after `outcome`.
pub(super) async fn respond(
    state: &AppState,
    ctx: Ctx,
    user: CurrentUser,
    id: Uuid,
    status: StatusCode,
    outcome: Outcome<'_>,
) -> Result<Response, AppError> {
    let CasePageReads {
        detail: d,
        batch: nominatif,
        claims,
        claimable: can_claim,
    } = state.cases.case_page(&user, id).await?;
    let notes = quota_notes(state, &d.case, &d.view.available_actions, outcome.failed).await?;
    let open = !d.case.state.0.is_terminal();
    let can_edit = user.role == Role::Rsud
        && matches!(
            d.case.state.0,
            CaseState::Draft | CaseState::Returned | CaseState::SktmRequired
        );
    let current: Vec<&str> = d
        .documents
        .iter()
        .filter(|doc| doc.is_current())
        .map(|doc| doc.kind.as_str())
        .collect();
    let default_kind = default_document_kind(d.case.state.0, &current).as_str();
    let can_change_documents = may_change_documents(d.case.state.0, user.role).is_ok();
    let status_code = super::status_code::StatusCodePanel::of(state, &user, &d.case).await?;
    let page = CasePage {
        ctx,
        claims,
        can_claim,
        vis: Visibility::of(user.role),
        actions: action_forms(&d.view, outcome.failed, notes),
        d,
        problem: outcome.problem,
        stale: outcome.stale,
        upload_error: outcome.upload_error,
        document_error: outcome.document_error,
        can_upload: user.role == Role::Rsud && open,
        upload_nonce: Uuid::new_v4(),
        can_change_documents,
        default_kind,
        can_edit,
        document_kinds: DocumentKind::OPTIONS,
        max_upload_mb: state.settings.max_upload_mb,
        nominatif,
        nominatif_link: crate::access::NOMINATIF_READERS.contains(&user.role),
        revealed: outcome.revealed,
        reveal_refused: outcome.reveal_refused,
        reveal_max: crate::cases::access::REASON_MAX,
        status_code,
    };
    render_status(status, &page)
}

pub(super) async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    respond(&state, ctx, user, id, StatusCode::OK, Outcome::default()).await
}

/// The reveal form ("Tampilkan NIK/KK lengkap").
#[derive(serde::Deserialize)]
pub(super) struct RevealForm {
    #[serde(default)]
    alasan: String,
}

/// Break the glass: the case page with the full NIK and KK, for this response only, after a
/// reason (logged with it); the form again with the reason's problem otherwise.
pub(super) async fn reveal(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<RevealForm>,
) -> Result<Response, AppError> {
    match state.cases.reveal(&user, id, &form.alasan, "web").await {
        Ok(revealed) => {
            let outcome = Outcome {
                revealed: Some(revealed),
                ..Outcome::default()
            };
            respond(&state, ctx, user, id, StatusCode::OK, outcome).await
        }
        Err(CaseError::Invalid(errors)) => {
            let message = errors
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" ");
            let outcome = Outcome {
                reveal_refused: Some((form.alasan, message)),
                ..Outcome::default()
            };
            respond(
                &state,
                ctx,
                user,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                outcome,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Where to go after a successful action: stay on the case while there is more to do here,
/// otherwise back to the queue.
fn next_page(user: &CurrentUser, case: &crate::db::cases::CaseRow) -> String {
    if user.role == Role::Rsud || !service::available_actions(user, case).is_empty() {
        format!("/kasus/{}", case.id)
    } else {
        "/antrean".to_string()
    }
}

pub(super) async fn act(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Path((id, action)): Path<(Uuid, String)>,
    request: Request,
) -> Result<Response, AppError> {
    let action: Action = action.parse().map_err(|_| AppError::NotFound)?;
    let (values, document) = match read_action_form(&state, action, request).await? {
        Ok(read) => read,
        Err(rejection) => return Ok(rejection),
    };
    let version = version_field(&values);
    let confirmed = values.get(CONFIRM_FIELD).is_some_and(|v| v == "ya");
    let path = format!("/kasus/{id}/tindakan/{}", action.as_str());
    let key = forms::nonce_key(&values, &path)?;
    // What the redirect after the action is and says, decided from the case as the action's
    // transaction leaves it (so a repeat of a keyed submit gets the same).
    let answer = |case: &CaseRow| {
        let now = case.state.0.label();
        PageAnswer {
            location: next_page(&user, case),
            flash: format!("{}: berhasil. Status sekarang: {now}.", action.label()),
        }
        .stored()
    };
    let performed = match document.transpose() {
        Err(problem) => Err(CaseError::Invalid(vec![problem])),
        Ok(upload) => {
            let extras = PageExtras {
                document: upload.as_ref(),
                confirmed,
            };
            match &key {
                // An old page without a nonce: the version guard alone.
                None => state
                    .cases
                    .perform_with_document(&user, id, version, action, &values, extras)
                    .await
                    .map(|case| Answered {
                        answer: answer(&case),
                        replayed: false,
                    }),
                Some(key) => {
                    let once = Once {
                        key,
                        answer: MakeAnswer::Row(&answer),
                    };
                    state
                        .cases
                        .perform_once(&user, id, version, action, &values, extras, once)
                        .await
                }
            }
        }
    };
    match performed {
        Ok(answered) => forms::redirect_answered(&session, &answered).await,
        Err(refusal) => {
            let page = Page {
                state: &state,
                ctx,
                user,
                id,
            };
            refused(page, action, &values, refusal).await
        }
    }
}

/// The document of an action's form, checked ([`action_document`]); the field error to show
/// when it is refused.
type ActionDocument = Result<CheckedUpload, FieldError>;

/// Reads an action's form: URL-encoded, or multipart for an action with a document (the file
/// part `document_file`, [`action_document`]). A body the framework
/// rejects is answered as the framework says (`Err`, turned into a page by the layers).
async fn read_action_form(
    state: &AppState,
    action: Action,
    request: Request,
) -> Result<Result<(HashMap<String, String>, Option<ActionDocument>), Response>, AppError> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    // Only an action with a document takes a multipart form; any other answers as a
    // URL-encoded form does to a multipart body (415 with a message).
    let Some(kind) = action_document(action).filter(|_| multipart) else {
        return Ok(
            match Form::<Vec<(String, String)>>::from_request(request, state).await {
                Ok(Form(pairs)) => Ok((forms::to_map(pairs), None)),
                Err(rejection) => Err(rejection.into_response()),
            },
        );
    };
    let mp = Multipart::from_request(request, state).await;
    let form = forms::read_multipart_form(mp).await?;
    let document = if form.problem == Some(MultipartProblem::TooLarge) {
        let max = state.settings.max_upload_mb;
        Some(Err(FieldError {
            field: "file",
            message: format!("Berkas terlalu besar; maksimal {max} MB."),
        }))
    } else {
        match form.files.iter().find(|(n, _, _)| n == "document_file") {
            Some((_, bytes, name)) => {
                let upload = Upload {
                    kind: kind.as_str(),
                    bytes,
                    original_name: name.as_deref(),
                };
                Some(state.cases.check_upload(&upload).await)
            }
            None => None,
        }
    };
    Ok(Ok((form.values, document)))
}

/// The case page being answered.
struct Page<'a> {
    state: &'a AppState,
    ctx: Ctx,
    user: CurrentUser,
    id: Uuid,
}

/// The case page again after a refused action: the form with what was typed and its field
/// errors (422), or the refusal at the top with the fresh case (409).
async fn refused(
    page: Page<'_>,
    action: Action,
    values: &HashMap<String, String>,
    refusal: CaseError,
) -> Result<Response, AppError> {
    let (status, problem, stale, errors) = match refusal {
        CaseError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, None, false, errors),
        e @ CaseError::Stale { .. } => (StatusCode::CONFLICT, Some(e.to_string()), true, vec![]),
        e
        @ (CaseError::Refused(_) | CaseError::NotNow(_) | CaseError::DuplicateOpenCase { .. }) => {
            let problem = format!("{}: {e}", action.label());
            (StatusCode::CONFLICT, Some(problem), false, vec![])
        }
        other => return Err(other.into()),
    };
    let outcome = Outcome {
        failed: Some((action, values, &errors)),
        problem,
        stale,
        ..Outcome::default()
    };
    respond(page.state, page.ctx, page.user, page.id, status, outcome).await
}
