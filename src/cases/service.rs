//! Case operations shared by the pages and the API. Each one checks scope and role, then writes
//! in one transaction. Errors are [`AppError`]s: 404 outside the caller's scope, 403 for an
//! action the role may not take, 409 for a stale version or an illegal transition, 422 for
//! field errors.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::files::{FileStore, sniff_content_type};
use super::{Scope, facts, intake};
use crate::auth::CurrentUser;
use crate::db::cases::{self as db_cases, CaseRow, ListFilter, NewHistory};
use crate::db::{self, audit};
use crate::domain::action::FieldError;
use crate::domain::{
    Action, ActionData, CaseState, DocumentKind, Refusal, Role, decide, locale, role_takes, sla,
};
use crate::web::error::AppError;

/// The refusal shown when someone else acted first.
pub const STALE: &str =
    "Kasus ini sudah diubah oleh orang lain; muat ulang halaman untuk melihat data terbaru.";

/// Today in the program's time zone (WITA).
pub fn today() -> NaiveDate {
    sla::local_date(Utc::now())
}

/// A case the caller may see, or 404.
pub async fn visible_case(
    pool: &PgPool,
    user: &CurrentUser,
    id: Uuid,
) -> Result<CaseRow, AppError> {
    let case = db_cases::by_id(pool, id).await?.ok_or(AppError::NotFound)?;
    if !Scope::of(user).contains(&case) {
        return Err(AppError::NotFound);
    }
    Ok(case)
}

async fn kab_codes(pool: &PgPool) -> Result<Vec<String>, AppError> {
    Ok(db::reference::list_kab_kota(pool)
        .await?
        .into_iter()
        .map(|k| k.code)
        .collect())
}

fn duplicate_nik(hospital: &str, number: &str) -> AppError {
    AppError::Conflict(format!(
        "NIK ini sudah memiliki kasus terbuka ({number}) di {hospital}. Hubungi PIC rumah sakit \
         tersebut; satu NIK hanya boleh memiliki satu kasus terbuka."
    ))
}

async fn check_open_nik(
    pool: &PgPool,
    nik: Option<&str>,
    except: Option<Uuid>,
) -> Result<(), AppError> {
    if let Some(nik) = nik
        && let Some((hospital, number)) =
            db_cases::open_case_hospital_for_nik(pool, nik, except).await?
    {
        return Err(duplicate_nik(&hospital, &number));
    }
    Ok(())
}

/// Maps a violation of the open-NIK index (a race the pre-check missed) to the same message.
async fn map_nik_violation(
    pool: &PgPool,
    e: sqlx::Error,
    nik: Option<&str>,
    except: Option<Uuid>,
) -> AppError {
    if db::is_constraint(&e, "cases_open_nik_key") {
        if let Some(nik) = nik
            && let Ok(Some((h, n))) = db_cases::open_case_hospital_for_nik(pool, nik, except).await
        {
            return duplicate_nik(&h, &n);
        }
        return AppError::Conflict("NIK ini sudah memiliki kasus terbuka.".into());
    }
    e.into()
}

/// Opens a draft case for the caller's hospital (role `rsud`). A repeated `intake_key` returns
/// the case created the first time instead of a second one.
pub async fn create_draft(
    pool: &PgPool,
    user: &CurrentUser,
    input: &HashMap<String, String>,
    intake_key: Option<Uuid>,
) -> Result<Uuid, AppError> {
    let intake = Intake {
        input,
        intake_key,
        uploads: &[],
        max_bytes: 0,
    };
    Ok(open_draft(pool, None, user, &intake).await?.id)
}

/// One intake submission: the form, its key, and the files sent with it.
pub struct Intake<'a> {
    pub input: &'a HashMap<String, String>,
    /// The key of this submission (a hidden field of the form, `idempotency_key` in the API).
    pub intake_key: Option<Uuid>,
    pub uploads: &'a [Upload<'a>],
    pub max_bytes: usize,
}

/// What [`create_draft_with_documents`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenedDraft {
    pub id: Uuid,
    /// False when the intake key had already opened this case: the submission was sent again
    /// (a double click, a retry) and nothing was stored this time.
    pub created: bool,
}

/// Opens a draft case with the documents sent along, in one transaction. Only the request
/// whose insert creates the case stores files: the unique intake key makes a concurrent
/// repeat of the same submission wait for that insert and then answer with its case, so one
/// submission yields one set of documents however often it arrives, on any number of servers.
pub async fn create_draft_with_documents(
    pool: &PgPool,
    files: &FileStore,
    user: &CurrentUser,
    intake: &Intake<'_>,
) -> Result<OpenedDraft, AppError> {
    open_draft(pool, Some(files), user, intake).await
}

async fn open_draft(
    pool: &PgPool,
    files: Option<&FileStore>,
    user: &CurrentUser,
    intake: &Intake<'_>,
) -> Result<OpenedDraft, AppError> {
    let Some(hospital_id) = user.hospital_id.filter(|_| user.role == Role::Rsud) else {
        return Err(AppError::Forbidden);
    };
    let key = intake.intake_key;
    let repeat = |id| OpenedDraft { id, created: false };
    if let Some(key) = key
        && let Some(id) = repeated_intake(pool, key, hospital_id).await?
    {
        return Ok(repeat(id));
    }
    let fields = intake::parse(intake.input, today(), &kab_codes(pool).await?)
        .map_err(AppError::Validation)?;
    let problems: Vec<FieldError> = intake
        .uploads
        .iter()
        .filter_map(|u| upload_problem(u, intake.max_bytes))
        .collect();
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    // A refusal below may only mean that the same submission, sent again, won the race (its
    // case holds this NIK, its key is taken): then answer with that case.
    let won_by_repeat = |e: AppError| async move {
        match key {
            Some(key) => match repeated_intake(pool, key, hospital_id).await? {
                Some(id) => Ok(repeat(id)),
                None => Err(e),
            },
            None => Err(e),
        }
    };
    if let Err(e) = check_open_nik(pool, fields.nik.as_deref(), None).await {
        return won_by_repeat(e).await;
    }
    let mut tx = pool.begin().await?;
    let id = match db_cases::insert_draft(&mut *tx, hospital_id, user.id, key, &fields).await {
        Ok(id) => id,
        Err(e) => {
            drop(tx);
            let e = map_nik_violation(pool, e, fields.nik.as_deref(), None).await;
            return won_by_repeat(e).await;
        }
    };
    db_cases::insert_history(
        &mut *tx,
        &NewHistory {
            case_id: id,
            action: "create",
            from_state: None,
            to_state: CaseState::Draft,
            from_version: None,
            actor_id: user.id,
            actor_role: user.role,
            evidence: serde_json::json!({}),
            reason: None,
        },
    )
    .await?;
    audit::record(
        &mut *tx,
        Some(user.id),
        "case.create",
        Some(&id.to_string()),
        serde_json::json!({}),
    )
    .await?;
    let Some(files) = files else {
        tx.commit().await?;
        return Ok(OpenedDraft { id, created: true });
    };
    let mut written = vec![];
    let mut stored = Ok(());
    for upload in intake.uploads {
        match put_document(&mut tx, files, user, id, upload).await {
            Ok(doc) => written.push(doc),
            Err(e) => {
                stored = Err(e);
                break;
            }
        }
    }
    let committed = match stored {
        Ok(()) => tx.commit().await.map_err(AppError::from),
        // Dropping the transaction rolls the case back with its documents.
        Err(e) => Err(e),
    };
    if let Err(e) = committed {
        for doc in written {
            files.delete(doc).await;
        }
        return Err(e);
    }
    Ok(OpenedDraft { id, created: true })
}

/// The case a repeated intake key already created at this hospital; a key used by another
/// hospital is refused rather than answered with that hospital's case.
async fn repeated_intake(
    pool: &PgPool,
    key: Uuid,
    hospital_id: Uuid,
) -> Result<Option<Uuid>, AppError> {
    match db_cases::by_intake_key(pool, key).await? {
        Some((id, h)) if h == hospital_id => Ok(Some(id)),
        Some(_) => Err(AppError::Conflict(
            "idempotency_key ini sudah dipakai untuk kasus lain; buat kunci baru untuk pasien ini."
                .into(),
        )),
        None => Ok(None),
    }
}

/// Edits the patient and episode data of a draft or returned case (role `rsud`).
pub async fn update_patient(
    pool: &PgPool,
    user: &CurrentUser,
    id: Uuid,
    version: i32,
    input: &HashMap<String, String>,
) -> Result<(), AppError> {
    let case = visible_case(pool, user, id).await?;
    if user.role != Role::Rsud {
        return Err(AppError::Forbidden);
    }
    if !matches!(
        case.state.0,
        CaseState::Draft | CaseState::Returned | CaseState::SktmRequired
    ) {
        return Err(AppError::Conflict(
            "Data pasien hanya dapat diubah saat draf atau setelah dikembalikan ke RSUD.".into(),
        ));
    }
    let fields =
        intake::parse(input, today(), &kab_codes(pool).await?).map_err(AppError::Validation)?;
    check_open_nik(pool, fields.nik.as_deref(), Some(id)).await?;
    let mut tx = pool.begin().await?;
    let updated = match db_cases::update_patient(&mut *tx, id, version, &fields).await {
        Ok(u) => u,
        Err(e) => return Err(map_nik_violation(pool, e, fields.nik.as_deref(), Some(id)).await),
    };
    if !updated {
        return Err(AppError::Conflict(STALE.into()));
    }
    audit::record(
        &mut *tx,
        Some(user.id),
        "case.update_patient",
        Some(&id.to_string()),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn refusal(r: Refusal) -> AppError {
    match r {
        Refusal::NotYourAction | Refusal::OutOfScope => AppError::Forbidden,
        Refusal::Terminal | Refusal::IllegalTransition => AppError::Conflict(r.to_string()),
        Refusal::Condition(m) => AppError::Conflict(m.to_string()),
    }
}

/// Performs `action` on a case as it was at `version`.
pub async fn perform(
    pool: &PgPool,
    user: &CurrentUser,
    id: Uuid,
    version: i32,
    action: Action,
    input: &HashMap<String, String>,
) -> Result<CaseRow, AppError> {
    let today = today();
    let mut tx = pool.begin().await?;
    let case = db_cases::lock(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = Scope::of(user);
    if !scope.contains(&case) {
        return Err(AppError::NotFound);
    }
    // A role that never takes this action hears so first (403); then a stale version says that
    // someone else acted (409), whatever the new state allows; then the rules for this state.
    if !role_takes(action, user.role) {
        return Err(AppError::Forbidden);
    }
    if case.version != version {
        return Err(AppError::Conflict(STALE.into()));
    }
    decide(&facts(&case), action, user.role, true, None)
        .or_else(|r| match r {
            // The desil decides the target of record_desil; it is checked below with the data.
            Refusal::Condition(_) if action == Action::RecordDesil => Ok(case.state.0),
            other => Err(other),
        })
        .map_err(refusal)?;
    let data = ActionData::parse(action, input, today).map_err(AppError::Validation)?;
    let problems = data.case_date_problems(case.patient.admission_date);
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let next = decide(
        &facts(&case),
        action,
        user.role,
        true,
        data.recorded_desil(),
    )
    .map_err(refusal)?;

    // Checks that need stored data.
    let kinds = db_cases::document_kinds(&mut *tx, id).await?;
    match &data {
        ActionData::Submit => {
            let problems = intake::submit_problems(&case.patient.clone(), &kinds);
            if !problems.is_empty() {
                return Err(AppError::Validation(problems));
            }
        }
        ActionData::SubmitSktm { .. }
            if !kinds.iter().any(|k| k == DocumentKind::Sktm.as_str()) =>
        {
            return Err(AppError::Validation(vec![FieldError {
                field: "documents",
                message: "Unggah scan SKTM terlebih dahulu, lalu kirim SKTM.".into(),
            }]));
        }
        _ => {}
    }

    let mut updated = case.clone();
    apply(&mut updated, &data, next, today);
    let now = Utc::now();
    if next != case.state.0 {
        updated.state_entered_at = now;
        let sla_days = db_cases::sla_days(&mut *tx).await?;
        let holidays = db_cases::holidays(&mut *tx).await?;
        updated.sla_due_date = sla_days
            .get(&next)
            .map(|d| sla::add_working_days(sla::local_date(now), *d, &holidays));
    }
    if next.is_terminal() {
        updated.closed_at = Some(now);
    }
    if case.state.0 == CaseState::Draft && next == CaseState::NikCheck {
        updated.submitted_at = Some(now);
    }
    if let Err(e) = write_transition(&mut tx, &updated, version).await {
        return Err(map_nik_violation(pool, e, updated.patient.nik.as_deref(), Some(id)).await);
    }
    db_cases::insert_history(
        &mut *tx,
        &NewHistory {
            case_id: id,
            action: action.as_str(),
            from_state: Some(case.state.0),
            to_state: next,
            from_version: Some(version),
            actor_id: user.id,
            actor_role: user.role,
            evidence: serde_json::to_value(&data).map_err(anyhow::Error::from)?,
            reason: data.reason(),
        },
    )
    .await?;
    audit::record(
        &mut *tx,
        Some(user.id),
        "case.transition",
        Some(&id.to_string()),
        serde_json::json!({"action": action.as_str(), "from": case.state.0.as_str(), "to": next.as_str()}),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(case_id = %id, action = action.as_str(), to = next.as_str(), "case transition");
    db_cases::by_id(pool, id).await?.ok_or(AppError::NotFound)
}

/// What an action records on the case itself (beyond the history row).
fn apply(case: &mut CaseRow, data: &ActionData, next: CaseState, today: NaiveDate) {
    let from = case.state.0;
    case.state.0 = next;
    match data {
        ActionData::RecordIdentity { new_nik, .. } => {
            if !case.patient.has_identity_document {
                // The civil registry's record replaces what the hospital could only estimate.
                case.patient.sex = new_nik.sex().as_str().to_string();
                if let Some(birth) = new_nik.birth_date(today) {
                    case.patient.birth_date = birth;
                }
            }
            case.patient.nik = Some(new_nik.as_str().to_string());
            case.patient.has_identity_document = true;
        }
        ActionData::RecordDesil { desil, .. } => case.desil = Some(desil.to_db()),
        ActionData::SubmitSktm { .. } => case.desil_correction_pending = true,
        ActionData::RecordDesilCorrection {
            corrected,
            new_desil,
            ..
        } => {
            case.desil_correction_pending = false;
            if *corrected {
                case.desil_corrected = new_desil.map(|d| d.to_db());
            }
        }
        ActionData::ApproveGuarantee {
            letter_number,
            start_date,
            payer,
            ceiling,
        } => {
            case.guarantee_letter_number = Some(letter_number.clone());
            case.guarantee_start = Some(*start_date);
            case.payer = Some(payer.as_str().to_string());
            case.guarantee_ceiling = *ceiling;
        }
        ActionData::RecordPbiActive {
            bpjs_card_number,
            effective_date,
        } => {
            case.scheme = Some("pbi_jkn".into());
            case.bpjs_card_number = Some(bpjs_card_number.clone());
            case.coverage_effective_date = Some(*effective_date);
            case.guarantee_end = Some(*effective_date - Duration::days(1));
        }
        ActionData::EnrolPbpuPemda {
            effective_date,
            bpjs_card_number,
            ..
        } => {
            case.scheme = Some("pbpu_pemda".into());
            case.bpjs_card_number = bpjs_card_number.clone();
            case.coverage_effective_date = Some(*effective_date);
            case.guarantee_end = Some(*effective_date - Duration::days(1));
        }
        ActionData::ReturnToRsud { .. } => case.returned_from.0 = Some(from),
        ActionData::Resubmit { .. } => case.returned_from.0 = None,
        _ => {}
    }
}

async fn write_transition(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    c: &CaseRow,
    version: i32,
) -> Result<(), sqlx::Error> {
    let r = sqlx::query(
        "UPDATE cases SET state = $3::case_state, version = version + 1, returned_from = $4::case_state, \
         nik = $5, has_identity_document = $6, sex = $22, birth_date = $23, desil = $7, desil_corrected = $8, \
         desil_correction_pending = $9, guarantee_letter_number = $10, guarantee_start = $11, \
         guarantee_end = $12, payer = $13, guarantee_ceiling = $14, scheme = $15, \
         bpjs_card_number = $16, coverage_effective_date = $17, state_entered_at = $18, \
         sla_due_date = $19, submitted_at = $20, closed_at = $21, updated_at = now() \
         WHERE id = $1 AND version = $2",
    )
    .bind(c.id)
    .bind(version)
    .bind(c.state.0.as_str())
    .bind(c.returned_from.0.map(|s| s.as_str()))
    .bind(&c.patient.nik)
    .bind(c.patient.has_identity_document)
    .bind(c.desil)
    .bind(c.desil_corrected)
    .bind(c.desil_correction_pending)
    .bind(&c.guarantee_letter_number)
    .bind(c.guarantee_start)
    .bind(c.guarantee_end)
    .bind(&c.payer)
    .bind(c.guarantee_ceiling)
    .bind(&c.scheme)
    .bind(&c.bpjs_card_number)
    .bind(c.coverage_effective_date)
    .bind(c.state_entered_at)
    .bind(c.sla_due_date)
    .bind(c.submitted_at)
    .bind(c.closed_at)
    .bind(&c.patient.sex)
    .bind(c.patient.birth_date)
    .execute(&mut **tx)
    .await?;
    if r.rows_affected() != 1 {
        return Err(sqlx::Error::RowNotFound);
    }
    Ok(())
}

/// An accepted upload.
pub struct Upload<'a> {
    pub kind: &'a str,
    pub bytes: &'a [u8],
    pub original_name: Option<&'a str>,
}

/// Why an upload is refused, in Bahasa Indonesia.
pub fn upload_problem(upload: &Upload<'_>, max_bytes: usize) -> Option<FieldError> {
    if upload.kind.parse::<DocumentKind>().is_err() {
        return Some(FieldError {
            field: "kind",
            message: "Jenis dokumen wajib dipilih (KTP, KK, SKTM, surat rujukan atau lainnya)."
                .into(),
        });
    }
    if upload.bytes.is_empty() {
        let message = match upload.original_name.map(clean_file_name) {
            Some(name) if !name.is_empty() => {
                format!("Berkas \"{name}\" kosong (0 byte); pilih ulang berkasnya.")
            }
            _ => "Berkas wajib dipilih.".to_string(),
        };
        return Some(FieldError {
            field: "file",
            message,
        });
    }
    if upload.bytes.len() > max_bytes {
        return Some(FieldError {
            field: "file",
            message: format!(
                "Berkas terlalu besar ({}); maksimal {} MB.",
                locale::file_size(upload.bytes.len() as u64),
                max_bytes / 1_048_576
            ),
        });
    }
    if sniff_content_type(upload.bytes).is_none() {
        return Some(FieldError {
            field: "file",
            message: "Berkas harus berupa foto JPEG/PNG atau PDF.".into(),
        });
    }
    None
}

/// Stores a document of a case (role `rsud` of the case's hospital, open cases only).
pub async fn add_document(
    pool: &PgPool,
    files: &FileStore,
    user: &CurrentUser,
    case_id: Uuid,
    upload: &Upload<'_>,
    max_bytes: usize,
) -> Result<Uuid, AppError> {
    let case = visible_case(pool, user, case_id).await?;
    if user.role != Role::Rsud {
        return Err(AppError::Forbidden);
    }
    if case.state.0.is_terminal() {
        return Err(AppError::Conflict(
            "Kasus sudah selesai; dokumen tidak dapat ditambahkan.".into(),
        ));
    }
    if let Some(problem) = upload_problem(upload, max_bytes) {
        return Err(AppError::Validation(vec![problem]));
    }
    let mut tx = pool.begin().await?;
    let id = put_document(&mut tx, files, user, case_id, upload).await?;
    if let Err(e) = tx.commit().await {
        files.delete(id).await;
        return Err(e.into());
    }
    Ok(id)
}

/// A file name as kept and shown: no control characters or path separators, 120 characters.
fn clean_file_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(120)
        .collect()
}

/// Writes a checked upload's file, then its document row and audit row in `tx`. The file is
/// removed again if the rows fail; if `tx` does not commit, the caller removes it.
async fn put_document(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    files: &FileStore,
    user: &CurrentUser,
    case_id: Uuid,
    upload: &Upload<'_>,
) -> Result<Uuid, AppError> {
    let content_type = sniff_content_type(upload.bytes).unwrap_or("application/octet-stream");
    let id = Uuid::new_v4();
    files.put(id, upload.bytes).await?;
    let original_name = upload.original_name.map(clean_file_name);
    let doc = db_cases::NewDocument {
        id,
        case_id,
        kind: upload.kind,
        content_type,
        size_bytes: i32::try_from(upload.bytes.len()).unwrap_or(i32::MAX),
        sha256: &Sha256::digest(upload.bytes),
        original_name: original_name.as_deref(),
        uploaded_by: user.id,
    };
    let result = async {
        db_cases::insert_document(&mut **tx, &doc).await?;
        audit::record(
            &mut **tx,
            Some(user.id),
            "case.document_upload",
            Some(&case_id.to_string()),
            serde_json::json!({"document": id, "kind": upload.kind}),
        )
        .await
    }
    .await;
    if let Err(e) = result {
        files.delete(id).await;
        return Err(e.into());
    }
    Ok(id)
}

/// A document's bytes, for a caller who may see the case's documents; the download is logged.
pub async fn read_document(
    pool: &PgPool,
    files: &FileStore,
    user: &CurrentUser,
    case_id: Uuid,
    document_id: Uuid,
    via: &str,
) -> Result<(db_cases::DocumentRow, Vec<u8>), AppError> {
    visible_case(pool, user, case_id).await?;
    if !super::Visibility::of(user.role).documents {
        return Err(AppError::Forbidden);
    }
    let doc = db_cases::document(pool, document_id)
        .await?
        .filter(|d| d.case_id == case_id)
        .ok_or(AppError::NotFound)?;
    let bytes = files.get(doc.id).await?;
    db_cases::log_access(pool, case_id, user.id, "document", via).await?;
    Ok((doc, bytes))
}

/// The queue of a role: the states it works on (see [`queue_filter`]).
pub fn queue_filter(role: Role) -> ListFilter {
    use CaseState as S;
    let mut f = ListFilter {
        by_due_date: true,
        limit: 50,
        ..Default::default()
    };
    match role {
        Role::Rsud => f.states = vec![S::Draft, S::SktmRequired, S::Returned],
        Role::DukcapilProv => f.states = vec![S::NikCheck],
        Role::DukcapilKab => f.states = vec![S::NikReferral, S::IdentityRecording],
        Role::DinsosProv => {
            f.states = vec![S::DesilCheck, S::Guaranteed];
            f.guaranteed_eligible = Some(true);
        }
        Role::DinsosKab => f.correction_pending = true,
        Role::DinkesProv => {
            f.states = vec![S::GuaranteeReview, S::Guaranteed];
            f.guaranteed_eligible = Some(false);
        }
        Role::Bpjs => f.states = vec![S::PbiProposed],
        // Monitoring roles: every open case in scope.
        Role::Tim | Role::DinkesKab => {
            f.states = CaseState::ALL
                .iter()
                .copied()
                .filter(|s| !s.is_terminal())
                .collect()
        }
        Role::Admin => {}
    }
    f
}

/// A page of the caller's queue.
pub async fn queue(
    pool: &PgPool,
    user: &CurrentUser,
    mut filter: ListFilter,
) -> Result<Vec<CaseRow>, AppError> {
    let base = queue_filter(user.role);
    // A requested state narrows the role's queue; it never widens it.
    let requested = std::mem::take(&mut filter.states);
    filter.states = if requested.is_empty() {
        base.states
    } else {
        base.states
            .into_iter()
            .filter(|s| requested.contains(s))
            .collect()
    };
    filter.correction_pending = base.correction_pending;
    filter.guaranteed_eligible = base.guaranteed_eligible;
    filter.by_due_date = true;
    let scope = Scope::of(user);
    if scope == Scope::Nothing {
        return Ok(vec![]);
    }
    Ok(db_cases::list(pool, &scope.filter(), &filter).await?)
}

/// The actions the caller may take on a case now (what the page shows).
pub fn available_actions(user: &CurrentUser, case: &CaseRow) -> Vec<Action> {
    let in_scope = Scope::of(user).contains(case);
    crate::domain::available_actions(&facts(case), user.role, in_scope)
}

/// Everything the case page and the API show of a case; the read of personal data is logged.
pub struct CaseDetail {
    pub case: CaseRow,
    pub view: super::view::CaseView,
    pub timeline: Vec<super::view::StepView>,
    pub documents: Vec<super::view::DocumentView>,
}

/// Reads a case for the caller (404 outside scope) and logs the read.
pub async fn detail(
    pool: &PgPool,
    user: &CurrentUser,
    id: Uuid,
    via: &str,
) -> Result<CaseDetail, AppError> {
    let case = visible_case(pool, user, id).await?;
    let today = today();
    let holidays = db_cases::holidays(pool).await?;
    let sla_days = db_cases::sla_days(pool).await?;
    let history = db_cases::history(pool, id).await?;
    let documents = if super::Visibility::of(user.role).documents {
        db_cases::documents(pool, id)
            .await?
            .iter()
            .map(Into::into)
            .collect()
    } else {
        vec![]
    };
    let clock = super::view::DeskClock::of(&case, today, &holidays, &sla_days);
    let view = super::view::CaseView::new(&case, user, &available_actions(user, &case), clock);
    db_cases::log_access(pool, id, user.id, "case", via).await?;
    Ok(CaseDetail {
        timeline: super::view::timeline(&history, today, &holidays),
        case,
        view,
        documents,
    })
}

/// Views of a list of cases (queue pages and the API).
pub async fn views(
    pool: &PgPool,
    user: &CurrentUser,
    cases: &[CaseRow],
) -> Result<Vec<super::view::CaseView>, AppError> {
    let today = today();
    let holidays = db_cases::holidays(pool).await?;
    let sla_days = db_cases::sla_days(pool).await?;
    Ok(cases
        .iter()
        .map(|c| {
            let clock = super::view::DeskClock::of(c, today, &holidays, &sla_days);
            let mut v = super::view::CaseView::new(c, user, &available_actions(user, c), clock);
            // Lists show the NIK masked (DOMAIN.md §7); the full number is on the case itself.
            v.patient.nik = c.patient.nik.as_deref().map(super::mask);
            v.patient.kk_number = c.patient.kk_number.as_deref().map(super::mask);
            v
        })
        .collect())
}
