//! Case operations shared by the pages and the API ([`CaseService`]). Each one checks scope and
//! role, asks the domain, then writes in one transaction: the state change, the evidence the
//! action records (one statement per purpose), a history row and an audit row. Errors are
//! [`CaseError`]s; pages and the API each render them in one place.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::access::Access;
use super::error::CaseError;
use super::files::{self, CheckedFile, FileStore, sniff_content_type};
use super::idempotency::{
    self, Answered, Claim, Keyed, MakeAnswer, Once, RequestKey, StoredAnswer,
};
use super::reference::Reference;
use super::view::{CaseView, DeskClock, DocumentView, StepView, timeline};
use super::{Scope, Visibility, facts, intake};
use crate::auth::CurrentUser;
use crate::clock::Clock;
use crate::db::access_log::AccessKind;
use crate::db::cases::{
    self as db_cases, CaseRow, ListColumns, ListFilter, NewHistory, RowFacts, Transition,
};
use crate::db::{self, audit, stays};
use crate::domain::action::{CaseDates, FieldError};
use crate::domain::{
    Action, ActionData, CaseState, DocumentKind, Refusal, Role, decide, locale, role_takes, sla,
};

/// The form field of a page's "Saya mengerti: …" tick before an irreversible action
/// ([`CaseService::perform_with_document`]).
pub const CONFIRM_FIELD: &str = "konfirmasi";

/// What a page's submit brings beyond the action's fields
/// ([`CaseService::perform_with_document`]): the action's document, and whether the user ticked
/// "Saya mengerti" for an irreversible action (the API's call is its confirmation).
pub struct PageExtras<'a> {
    /// The document sent in the same form (the SKTM scan of `submit_sktm`), checked.
    pub document: Option<&'a CheckedUpload>,
    /// The tick on "Saya mengerti: …".
    pub confirmed: bool,
}

impl PageExtras<'_> {
    /// An API call's: no document along, and the call is its confirmation.
    pub const API: PageExtras<'static> = PageExtras {
        document: None,
        confirmed: true,
    };
}

/// An action asked of a case ([`CaseService::perform_keyed`]).
struct ActionRequest<'a> {
    id: Uuid,
    /// The version of the case the caller saw.
    version: i32,
    action: Action,
    input: &'a HashMap<String, String>,
    extras: PageExtras<'a>,
}

/// A test-only pause between an action's last write and its commit, in debug builds only:
/// `MERAJUT_TEST_PAUSE_BEFORE_COMMIT_MS` (milliseconds, read once) holds every transition there
/// with its transaction open, so a test can kill the server mid-transaction (the crash test of
/// `tests/api/idempotency.rs`). Release builds have no such pause and ignore the variable.
#[cfg(debug_assertions)]
async fn pause_before_commit() {
    static PAUSE: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    let pause = PAUSE.get_or_init(|| {
        std::env::var("MERAJUT_TEST_PAUSE_BEFORE_COMMIT_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
    });
    if let Some(ms) = *pause {
        tracing::warn!(
            ms,
            "test pause before commit (MERAJUT_TEST_PAUSE_BEFORE_COMMIT_MS)"
        );
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

#[cfg(not(debug_assertions))]
async fn pause_before_commit() {}

/// Result of a case operation.
pub type Result<T, E = CaseError> = std::result::Result<T, E>;

/// What every case operation needs: the database, the document store, the clock and the upload
/// limit. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CaseService {
    pub pool: PgPool,
    pub files: FileStore,
    pub clock: Clock,
    /// Largest accepted document, in bytes.
    pub max_upload_bytes: usize,
    /// Which outbox channels (e-mail, webhook) a transition writes jobs for.
    pub outbox: super::notify::Outbox,
    /// What the figures of time at desks keep between views (see `desk_figures`).
    pub figures_memo: super::desk_figures::FiguresMemo,
    /// The reference tables as last read (see `reference`).
    pub reference: super::reference::ReferenceMemo,
}

/// An upload offered for a case.
pub struct Upload<'a> {
    pub kind: &'a str,
    pub bytes: &'a [u8],
    pub original_name: Option<&'a str>,
}

/// An upload that passed every check ([`CaseService::check_upload`]): its kind, its file as
/// it will be stored (a photo re-encoded) and its cleaned name.
#[derive(Debug, Clone)]
pub struct CheckedUpload {
    pub(super) kind: String,
    pub(super) file: CheckedFile,
    pub(super) original_name: Option<String>,
}

/// Everything the case page and the API show of a case; the read of personal data is logged.
pub struct CaseDetail {
    pub case: CaseRow,
    pub view: CaseView,
    pub timeline: Vec<StepView>,
    pub documents: Vec<DocumentView>,
    /// What the case's approvals took from their payers' quotas.
    pub quota: Vec<super::quota::QuotaCharge>,
}

/// What the case page shows ([`CaseService::case_page`]).
pub struct CasePageReads {
    pub detail: CaseDetail,
    /// The nominatif batch (not cancelled) holding the case, if any.
    pub batch: Option<db::nominatif::CaseBatch>,
    /// The case's claims the caller sees (none for roles that see no claims).
    pub claims: Vec<super::claims::ClaimView>,
    /// Whether the caller may submit a claim for the case.
    pub claimable: bool,
}

/// Why an upload is refused, in Bahasa Indonesia.
pub fn upload_problem(upload: &Upload<'_>, max_bytes: usize) -> Option<FieldError> {
    let problem = |field, message: String| Some(FieldError { field, message });
    if upload.kind.parse::<DocumentKind>().is_err() {
        return problem(
            "kind",
            "Jenis dokumen wajib dipilih (KTP, KK, SKTM, surat rujukan atau lainnya).".into(),
        );
    }
    file_problem(upload.bytes, upload.original_name, max_bytes)
}

/// Why a file is refused whatever its kind (empty, too large, not a JPEG/PNG photo or PDF), in
/// Bahasa Indonesia, on field `file`.
pub fn file_problem(
    bytes: &[u8],
    original_name: Option<&str>,
    max_bytes: usize,
) -> Option<FieldError> {
    let problem = |field, message: String| Some(FieldError { field, message });
    if bytes.is_empty() {
        // A file that was picked but holds nothing is named, so the user knows which one.
        return match original_name.map(clean_file_name) {
            Some(name) if !name.is_empty() => problem(
                "file",
                format!("Berkas \"{name}\" kosong (0 byte); pilih ulang berkasnya."),
            ),
            _ => problem("file", "Berkas wajib dipilih.".into()),
        };
    }
    if bytes.len() > max_bytes {
        return problem(
            "file",
            format!(
                "Berkas terlalu besar ({}); maksimal {} MB.",
                locale::file_size(bytes.len() as u64),
                max_bytes / 1_048_576
            ),
        );
    }
    if sniff_content_type(bytes).is_none() {
        return problem("file", "Berkas harus berupa foto JPEG/PNG atau PDF.".into());
    }
    None
}

/// A file name as kept and shown: no control characters or path separators, 120 characters.
pub(super) fn clean_file_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(120)
        .collect()
}

/// What [`CaseService::create_draft_with_documents`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenedDraft {
    pub id: Uuid,
    /// False when the intake key had already opened this case: the submission was sent again
    /// (a double click, a retry) and nothing was stored this time.
    pub created: bool,
}

/// Whether cases wait for the role (the roles with an "Antrean saya"): false for the program
/// team and the kab/kota Dinkes, who watch the cases rather than act on them.
pub fn holds_a_desk(role: Role) -> bool {
    crate::access::QUEUE_ROLES.contains(&role)
}

/// The queue of a role: the states whose desk it owns ([`CaseState::desk`]), so every open
/// case is in its desk owner's queue. Parallel tasks: Dinsos kab/kota gets the cases awaiting
/// its desil correction, and a `guaranteed` case waiting for one is left out of Dinsos prov's
/// queue until then (neither PBI nor PBPU Pemda can be proposed before the outcome).
pub fn queue_filter(role: Role) -> ListFilter {
    let mut f = ListFilter {
        by_due_date: true,
        limit: 50,
        ..Default::default()
    };
    match role {
        Role::Rsud
        | Role::DukcapilProv
        | Role::DukcapilKab
        | Role::DinsosProv
        | Role::DinkesProv
        | Role::Bpjs => {
            f.states = CaseState::ALL
                .iter()
                .copied()
                .filter(|s| s.desk() == Some(role))
                .collect();
            f.guaranteed_without_pending_correction = role == Role::DinsosProv;
        }
        Role::DinsosKab => f.correction_pending = true,
        // The roles that watch rather than act hold no desk: nothing waits for them, so
        // [`CaseService::queue`] answers them with no case at all; they watch from the
        // monitoring list.
        Role::Tim | Role::DinkesKab => {}
        Role::Admin | Role::Auditor => {}
    }
    f
}

/// `filter` narrowed to the role's queue: a requested state narrows the queue, never widens
/// it. `None` for the roles that hold no desk.
pub fn narrow_to_queue(role: Role, mut filter: ListFilter) -> Option<ListFilter> {
    if !holds_a_desk(role) {
        return None;
    }
    let base = queue_filter(role);
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
    filter.guaranteed_without_pending_correction = base.guaranteed_without_pending_correction;
    filter.by_due_date = true;
    Some(filter)
}

/// The actions the caller may take on a case now (what the page shows).
pub fn available_actions(user: &CurrentUser, case: &CaseRow) -> Vec<Action> {
    let in_scope = Scope::of(user).contains(case);
    crate::domain::available_actions(&facts(case), user.role, in_scope)
}

impl CaseService {
    /// Today in the program's time zone, from the application's clock.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// A case the caller may see, or [`CaseError::NotFound`].
    pub async fn visible_case(&self, user: &CurrentUser, id: Uuid) -> Result<CaseRow> {
        let mut conn = self.pool.acquire().await?;
        self.visible_case_in(&mut conn, user, id).await
    }

    /// [`Self::visible_case`] read (and a refusal logged) in `conn`.
    async fn visible_case_in(
        &self,
        conn: &mut PgConnection,
        user: &CurrentUser,
        id: Uuid,
    ) -> Result<CaseRow> {
        let case = db_cases::by_id(&mut *conn, id).await?;
        match case {
            Some(case) if Scope::of(user).contains(&case) => Ok(case),
            // Logged as refused: the case of another hospital or kab/kota (or no case).
            other => {
                let refused = [id];
                let access = Access {
                    kind: Some(AccessKind::Refused),
                    what: "case",
                    case_id: other.map(|c| c.id),
                    case_ids: &refused,
                    ..Access::default()
                };
                self.log_access_in(&mut *conn, user, "web", access).await?;
                Err(CaseError::NotFound)
            }
        }
    }

    async fn kab_codes(&self) -> Result<Vec<String>> {
        Ok(db::reference::list_kab_kota(&self.pool)
            .await?
            .into_iter()
            .map(|k| k.code)
            .collect())
    }

    /// Parses intake or edit fields into typed patient data.
    pub async fn parse_patient(
        &self,
        input: &HashMap<String, String>,
    ) -> Result<db_cases::PatientFields> {
        intake::parse(input, self.today(), &self.kab_codes().await?).map_err(CaseError::Invalid)
    }

    /// The open case of this NIK elsewhere, as a refusal.
    async fn duplicate_of(
        db: impl sqlx::PgExecutor<'_>,
        nik: Option<&str>,
        except: Option<Uuid>,
    ) -> Result<Option<CaseError>> {
        let Some(nik) = nik else { return Ok(None) };
        Ok(db_cases::open_case_hospital_for_nik(db, nik, except)
            .await?
            .map(|(hospital, case_number)| CaseError::DuplicateOpenCase {
                hospital,
                case_number,
            }))
    }

    /// Maps a violation of the open-NIK index (a race the pre-check missed) to the same refusal.
    async fn nik_violation(
        &self,
        e: sqlx::Error,
        nik: Option<&str>,
        except: Option<Uuid>,
    ) -> CaseError {
        if !db::is_constraint(&e, "cases_open_nik_key") {
            return e.into();
        }
        match Self::duplicate_of(&self.pool, nik, except).await {
            Ok(Some(refusal)) => refusal,
            _ => CaseError::DuplicateOpenCase {
                hospital: "rumah sakit lain".into(),
                case_number: "-".into(),
            },
        }
    }

    /// Opens a draft case for the caller's hospital (role `rsud`). A repeated `intake_key`
    /// returns the case created the first time instead of a second one.
    pub async fn create_draft(
        &self,
        user: &CurrentUser,
        fields: &db_cases::PatientFields,
        intake_key: Option<Uuid>,
    ) -> Result<Uuid> {
        Ok(self
            .create_draft_with_documents(user, fields, intake_key, &[])
            .await?
            .id)
    }

    /// Opens a draft case with the documents sent along, in one transaction. Only the request
    /// whose insert creates the case stores files: the unique intake key makes a concurrent
    /// repeat of the same submission wait for that insert and then answer with its case, so
    /// one submission yields one set of documents however often it arrives, on any number of
    /// servers.
    pub async fn create_draft_with_documents(
        &self,
        user: &CurrentUser,
        fields: &db_cases::PatientFields,
        intake_key: Option<Uuid>,
        uploads: &[CheckedUpload],
    ) -> Result<OpenedDraft> {
        self.open_draft(user, fields, intake_key, uploads, None)
            .await?
            .unkeyed()
    }

    /// [`Self::create_draft_with_documents`] for a request with a key (the API's
    /// `Idempotency-Key`, [`super::idempotency`]): claimed in the draft's transaction, with the
    /// answer `once` makes from the new case. A repeat of a submission whose intake key already
    /// opened a case (no key stored then) gets `None`: the caller answers with that case.
    pub async fn create_draft_once(
        &self,
        user: &CurrentUser,
        fields: &db_cases::PatientFields,
        intake_key: Option<Uuid>,
        once: Once<'_>,
    ) -> Result<std::result::Result<Answered, OpenedDraft>> {
        match self
            .open_draft(user, fields, intake_key, &[], Some(&once))
            .await?
        {
            Keyed::Done(opened, None) => Ok(Err(opened)),
            keyed => keyed.answered().map(Ok),
        }
    }

    /// The transaction of a new draft, with or without a key.
    async fn open_draft(
        &self,
        user: &CurrentUser,
        fields: &db_cases::PatientFields,
        intake_key: Option<Uuid>,
        uploads: &[CheckedUpload],
        once: Option<&Once<'_>>,
    ) -> Result<Keyed<OpenedDraft>> {
        let Some(hospital_id) = user.hospital_id.filter(|_| user.role == Role::Rsud) else {
            return Err(CaseError::NotYourAction);
        };
        let repeat = |id| Keyed::Done(OpenedDraft { id, created: false }, None);
        // The checks before the insert read in the transaction too: a repeat of a keyed
        // request holds a connection while it waits on the key, so the one holding the key
        // must not need a second.
        let mut tx = self.pool.begin().await?;
        if let Some(once) = once
            && let Claim::Replay(answer) =
                idempotency::claim(&mut tx, user, once.key, self.clock.now()).await?
        {
            return Ok(Keyed::Replayed(answer));
        }
        if let Some(key) = intake_key
            && let Some(id) = Self::repeated_intake(&mut *tx, key, hospital_id).await?
        {
            return Ok(repeat(id));
        }
        // A refusal below may only mean that the same submission, sent again, won the race
        // (its case holds this NIK, its key is taken): then answer with that case.
        let won_by_repeat = |e: CaseError| async move {
            match intake_key {
                Some(key) => match Self::repeated_intake(&self.pool, key, hospital_id).await? {
                    Some(id) => Ok(repeat(id)),
                    None => Err(e),
                },
                None => Err(e),
            }
        };
        if let Some(refusal) = Self::duplicate_of(&mut *tx, fields.nik.as_deref(), None).await? {
            drop(tx);
            return won_by_repeat(refusal).await;
        }
        let id = match self
            .insert_draft(&mut tx, user, hospital_id, fields, intake_key)
            .await
        {
            Ok(id) => id,
            Err(e) => {
                drop(tx);
                let e = self.nik_violation(e, fields.nik.as_deref(), None).await;
                return won_by_repeat(e).await;
            }
        };
        let written = match self.put_documents(&mut tx, user, id, uploads).await {
            Ok(written) => written,
            // Dropping the transaction rolls the case back with its documents.
            Err((e, written)) => return Err(self.forget_files(e, written).await),
        };
        // The files kept from this form's refused submits become documents too (unless
        // chosen again now); a rollback keeps them for the next try.
        let dropped = match intake_key {
            Some(key) => match self.take_kept_files(&mut tx, user, id, key, uploads).await {
                Ok(dropped) => dropped,
                Err(e) => return Err(self.forget_files(e, written).await),
            },
            None => vec![],
        };
        let answered = async {
            let answer = match once {
                Some(once) => {
                    let case = db_cases::by_id(&mut *tx, id)
                        .await?
                        .ok_or(CaseError::NotFound)?;
                    let answer = self
                        .make_answer(&mut tx, user, &case, &once.answer, None)
                        .await?;
                    idempotency::store(&mut tx, user, once.key, &answer).await?;
                    Some(answer)
                }
                None => None,
            };
            tx.commit().await?;
            Ok::<_, CaseError>(answer)
        }
        .await;
        let answer = match answered {
            Ok(answer) => answer,
            Err(e) => return Err(self.forget_files(e, written).await),
        };
        for file in dropped {
            self.files.delete(file).await;
        }
        Ok(Keyed::Done(OpenedDraft { id, created: true }, answer))
    }

    /// Inserts the draft with its "create" history and audit rows.
    async fn insert_draft(
        &self,
        conn: &mut PgConnection,
        user: &CurrentUser,
        hospital_id: Uuid,
        fields: &db_cases::PatientFields,
        intake_key: Option<Uuid>,
    ) -> sqlx::Result<Uuid> {
        let now = self.clock.now();
        let id = db_cases::insert_draft(&mut *conn, hospital_id, user.id, intake_key, fields, now)
            .await?;
        let history = NewHistory {
            case_id: id,
            action: "create",
            from_state: None,
            to_state: CaseState::Draft,
            from_version: None,
            actor_id: user.id,
            actor_role: user.role,
            at: now,
            evidence: serde_json::json!({}),
            reason: None,
        };
        db_cases::insert_history(&mut *conn, &history).await?;
        // A draft waits at the hospital's desk; drafts have no service level.
        stays::move_to(&mut *conn, id, CaseState::Draft, now, None).await?;
        let target = id.to_string();
        audit::record(
            conn,
            Some(user.id),
            "case.create",
            Some(&target),
            serde_json::json!({}),
        )
        .await?;
        Ok(id)
    }

    /// Stores the uploads of a new case; on failure, the error and the files already written.
    async fn put_documents(
        &self,
        conn: &mut PgConnection,
        user: &CurrentUser,
        case_id: Uuid,
        uploads: &[CheckedUpload],
    ) -> std::result::Result<Vec<Uuid>, (CaseError, Vec<Uuid>)> {
        let mut written = vec![];
        for upload in uploads {
            match self.put_document(&mut *conn, user, case_id, upload).await {
                Ok(doc) => written.push(doc),
                Err(e) => return Err((e, written)),
            }
        }
        Ok(written)
    }

    /// Removes files whose database rows were rolled back, and passes the error on.
    async fn forget_files(&self, e: CaseError, written: Vec<Uuid>) -> CaseError {
        for doc in written {
            self.files.delete(doc).await;
        }
        e
    }

    /// The case a repeated intake key already created at this hospital; a key used by another
    /// hospital is refused rather than answered with that hospital's case.
    async fn repeated_intake(
        db: impl sqlx::PgExecutor<'_>,
        key: Uuid,
        hospital_id: Uuid,
    ) -> Result<Option<Uuid>> {
        match db_cases::by_intake_key(db, key).await? {
            Some((id, h)) if h == hospital_id => Ok(Some(id)),
            Some(_) => Err(CaseError::IntakeKeyReused),
            None => Ok(None),
        }
    }

    /// Edits the patient and episode data of a case at the hospital's desk (role `rsud`).
    pub async fn update_patient(
        &self,
        user: &CurrentUser,
        id: Uuid,
        version: i32,
        fields: &db_cases::PatientFields,
    ) -> Result<()> {
        let case = self.visible_case(user, id).await?;
        if user.role != Role::Rsud {
            return Err(CaseError::NotYourAction);
        }
        if !matches!(
            case.state.0,
            CaseState::Draft | CaseState::Returned | CaseState::SktmRequired
        ) {
            return Err(CaseError::NotNow(
                "Data pasien hanya dapat diubah saat draf atau setelah dikembalikan ke RSUD.",
            ));
        }
        if let Some(refusal) =
            Self::duplicate_of(&self.pool, fields.nik.as_deref(), Some(id)).await?
        {
            return Err(refusal);
        }
        let mut tx = self.pool.begin().await?;
        let updated =
            match db_cases::update_patient(&mut *tx, id, version, fields, self.clock.now()).await {
                Ok(u) => u,
                Err(e) => return Err(self.nik_violation(e, fields.nik.as_deref(), Some(id)).await),
            };
        if !updated {
            return Err(CaseError::Stale {
                current_version: case.version,
            });
        }
        stays::rescope_open(&mut tx, id).await?;
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

    /// Checks who may act and on which version, in the order callers are told: a role that
    /// never takes this action hears so first (403); then a stale version says that someone
    /// else acted (409), whatever the new state allows; then the rules for this state.
    fn check_actor(case: &CaseRow, user: &CurrentUser, action: Action, version: i32) -> Result<()> {
        if !role_takes(action, user.role) {
            return Err(CaseError::NotYourAction);
        }
        if case.version != version {
            return Err(CaseError::Stale {
                current_version: case.version,
            });
        }
        match decide(&facts(case), action, user.role, true, None) {
            // The desil decides the target of record_desil; it is checked with the data.
            Err(Refusal::Condition(_)) if action == Action::RecordDesil => Ok(()),
            Err(r) => Err(r.into()),
            Ok(_) => Ok(()),
        }
    }

    /// Checks that need the case's stored documents: only a submission needs them, so no
    /// other action reads them.
    async fn check_documents(
        conn: &mut PgConnection,
        case: &CaseRow,
        data: &ActionData,
    ) -> Result<()> {
        if !matches!(data, ActionData::Submit | ActionData::SubmitSktm { .. }) {
            return Ok(());
        }
        let kinds = db_cases::document_kinds(conn, case.id).await?;
        match data {
            ActionData::Submit => {
                let problems = intake::submit_problems(&case.patient, &kinds);
                if problems.is_empty() {
                    Ok(())
                } else {
                    Err(CaseError::Invalid(problems))
                }
            }
            ActionData::SubmitSktm { .. }
                if !kinds.iter().any(|k| k == DocumentKind::Sktm.as_str()) =>
            {
                Err(CaseError::field(
                    "documents",
                    "Scan SKTM wajib: pilih berkasnya bersama formulir ini, atau unggah dahulu \
                     di bagian Dokumen.",
                ))
            }
            _ => Ok(()),
        }
    }

    /// The workflow columns of the move from `case`'s state to `next`, at `now`.
    fn transition_of(
        reference: &Reference,
        case: &CaseRow,
        version: i32,
        next: CaseState,
        now: DateTime<Utc>,
        facts: RowFacts,
    ) -> Transition {
        let from = case.state.0;
        let (state_entered_at, sla_due_date) = if next == from {
            (case.state_entered_at, case.sla_due_date)
        } else {
            let due = reference
                .sla_days
                .get(&next)
                .map(|d| sla::add_working_days(sla::local_date(now), *d, &reference.holidays));
            (now, due)
        };
        Transition {
            id: case.id,
            version,
            state: next,
            returned_from: match next {
                CaseState::Returned => Some(from),
                _ => None,
            },
            state_entered_at,
            sla_due_date,
            submitted_at: case
                .submitted_at
                .or((from == CaseState::Draft && next == CaseState::NikCheck).then_some(now)),
            closed_at: next.is_terminal().then_some(now),
            at: now,
            facts,
        }
    }

    /// Performs `action` on a case as it was at `version`, with the evidence in `input`: one
    /// transaction on the locked row, which either applies everything or nothing.
    pub async fn perform(
        &self,
        user: &CurrentUser,
        id: Uuid,
        version: i32,
        action: Action,
        input: &HashMap<String, String>,
    ) -> Result<CaseRow> {
        self.perform_with_document(user, id, version, action, input, PageExtras::API)
            .await
    }

    /// [`Self::perform`] from a page: an irreversible action ([`Action::needs_confirmation`])
    /// also needs the user's tick on "Saya mengerti: …" (`confirmed`) — without it the action
    /// is refused like a field error ([`CONFIRM_FIELD`]), after the role, version and other
    /// fields were checked, so the page says everything at once and nothing is written (the
    /// API's call is its confirmation); and the action's document may be sent along (the SKTM
    /// scan of `submit_sktm`, [`crate::domain::action_document`]), checked and stored in the
    /// same transaction: a refused action stores no document, a refused document takes no
    /// action.
    pub async fn perform_with_document(
        &self,
        user: &CurrentUser,
        id: Uuid,
        version: i32,
        action: Action,
        input: &HashMap<String, String>,
        extras: PageExtras<'_>,
    ) -> Result<CaseRow> {
        let request = ActionRequest {
            id,
            version,
            action,
            input,
            extras,
        };
        self.perform_keyed(user, request, None, None)
            .await?
            .unkeyed()
    }

    /// [`Self::perform_with_document`] for a request with a key ([`super::idempotency`]): the
    /// key is claimed in the action's transaction, and the answer `once` makes from the case as
    /// the transaction leaves it is stored with it before the commit. A repeat of the same
    /// request gets that answer and does nothing; the same key with another request is
    /// refused ([`CaseError::KeyReused`]).
    #[expect(
        clippy::too_many_arguments,
        reason = "perform_with_document's and the key"
    )]
    pub async fn perform_once(
        &self,
        user: &CurrentUser,
        id: Uuid,
        version: i32,
        action: Action,
        input: &HashMap<String, String>,
        extras: PageExtras<'_>,
        once: Once<'_>,
    ) -> Result<Answered> {
        let request = ActionRequest {
            id,
            version,
            action,
            input,
            extras,
        };
        self.perform_keyed(user, request, Some(once.key), Some(&once.answer))
            .await?
            .answered()
    }

    /// [`Self::perform`] with the answer `answer` makes from the case as the transaction leaves
    /// it, made in the same transaction (the API's body for a request without a key): the
    /// action and the logged read of the case commit once.
    pub async fn perform_answered(
        &self,
        user: &CurrentUser,
        id: Uuid,
        version: i32,
        action: Action,
        input: &HashMap<String, String>,
        answer: MakeAnswer<'_>,
    ) -> Result<StoredAnswer> {
        let request = ActionRequest {
            id,
            version,
            action,
            input,
            extras: PageExtras::API,
        };
        match self
            .perform_keyed(user, request, None, Some(&answer))
            .await?
        {
            Keyed::Done(_, Some(answer)) => Ok(answer),
            _ => Err(anyhow::anyhow!("an answered action made no answer").into()),
        }
    }

    /// The transaction of an action, with or without a key, and with or without an answer made
    /// in it (stored with the key when there is one).
    async fn perform_keyed(
        &self,
        user: &CurrentUser,
        request: ActionRequest<'_>,
        key: Option<&RequestKey>,
        make: Option<&MakeAnswer<'_>>,
    ) -> Result<Keyed<CaseRow>> {
        let ActionRequest {
            id,
            version,
            action,
            input,
            extras: PageExtras {
                document,
                confirmed,
            },
        } = request;
        let mut tx = self.pool.begin().await?;
        // The key first: a repeat waits here, before it locks the case.
        if let Some(key) = key
            && let Claim::Replay(answer) =
                idempotency::claim(&mut tx, user, key, self.clock.now()).await?
        {
            // A replayed case read is a read of the case again, logged as such.
            if let Some(MakeAnswer::Detail(_, via)) = make {
                let read = Access::case(AccessKind::Read, "case", id);
                self.log_access_in(&mut *tx, user, via, read).await?;
                tx.commit().await?;
            }
            return Ok(Keyed::Replayed(answer));
        }
        let case = Self::lock_in_scope(&mut tx, user, id).await?;
        Self::check_actor(&case, user, action, version)?;
        let unconfirmed = (!confirmed && action.needs_confirmation()).then(|| FieldError {
            field: CONFIRM_FIELD,
            message: format!(
                "Konfirmasi: centang \"Saya mengerti\" bila Anda yakin; tanpa itu \"{}\" tidak \
                 dijalankan.",
                action.label()
            ),
        });
        let stored = match document {
            Some(upload) => Some(self.put_document(&mut tx, user, id, upload).await?),
            None => None,
        };
        let done = async {
            let validated = self.validate(&mut tx, &case, user, action, input).await;
            let (data, next) = match (validated, unconfirmed) {
                (Ok(done), None) => done,
                (Ok(_), Some(e)) => return Err(CaseError::Invalid(vec![e])),
                (Err(CaseError::Invalid(mut errors)), Some(e)) => {
                    errors.push(e);
                    return Err(CaseError::Invalid(errors));
                }
                (Err(e), _) => return Err(e),
            };
            let (updated, reference) = self
                .apply(&mut tx, &case, user, &data, next, version)
                .await?;
            let answer = match make {
                Some(make) => Some(
                    self.make_answer(&mut tx, user, &updated, make, Some(reference))
                        .await?,
                ),
                None => None,
            };
            if let (Some(key), Some(answer)) = (key, &answer) {
                idempotency::store(&mut tx, user, key, answer).await?;
            }
            Self::audit_transition(&mut tx, &case, user, action, next).await?;
            pause_before_commit().await;
            tx.commit().await?;
            Ok::<_, CaseError>((updated, answer))
        }
        .await;
        let (case, answer) = match done {
            Ok(done) => done,
            Err(e) => {
                if let Some(file) = stored {
                    self.files.delete(file).await;
                }
                return Err(e);
            }
        };
        tracing::info!(case_id = %id, action = action.as_str(), to = case.state.0.as_str(), "case transition");
        Ok(Keyed::Done(case, answer))
    }

    /// The answer `make` makes from the case as the transaction in `conn` leaves it, with the
    /// reference data the transaction read already, if it did.
    async fn make_answer(
        &self,
        conn: &mut PgConnection,
        user: &CurrentUser,
        case: &CaseRow,
        make: &MakeAnswer<'_>,
        reference: Option<Arc<Reference>>,
    ) -> Result<StoredAnswer> {
        Ok(match make {
            MakeAnswer::Row(make) => make(case),
            MakeAnswer::Detail(make, via) => make(
                &self
                    .detail_of(conn, user, case.clone(), via, reference)
                    .await?,
            ),
        })
    }

    /// The case, locked for the transaction, if the caller may see it.
    async fn lock_in_scope(
        conn: &mut PgConnection,
        user: &CurrentUser,
        id: Uuid,
    ) -> Result<CaseRow> {
        let case = db_cases::by_id_locked(&mut *conn, id)
            .await?
            .filter(|c| Scope::of(user).contains(c));
        case.ok_or(CaseError::NotFound)
    }

    /// Parses the evidence and checks it against the case: field errors, dates that must fit
    /// the episode, the domain's decision, required documents, the payer's quota (an approval
    /// is booked against it here, in the same transaction). Returns the evidence and the state
    /// the action leads to.
    async fn validate(
        &self,
        conn: &mut PgConnection,
        case: &CaseRow,
        user: &CurrentUser,
        action: Action,
        input: &HashMap<String, String>,
    ) -> Result<(ActionData, CaseState)> {
        let data = ActionData::parse(action, input, self.today()).map_err(CaseError::Invalid)?;
        let dates = CaseDates {
            admission: case.patient.admission_date,
            guarantee_start: case.guarantee_start,
        };
        let problems = data.case_date_problems(&dates);
        if !problems.is_empty() {
            return Err(CaseError::Invalid(problems));
        }
        let desil = data.recorded_desil();
        let next = decide(&facts(case), action, user.role, true, desil)?;
        Self::check_documents(&mut *conn, case, &data).await?;
        let data = super::quota::book(&mut *conn, case, user, data, self.clock.now()).await?;
        Ok((data, next))
    }

    /// Writes the action: the state change with the evidence columns, in one statement (refused
    /// when the version is stale), the history row and the notices (the audit row:
    /// [`Self::audit_transition`]). Returns the case as the statement left it (nothing after it
    /// changes the row) and the reference data read for it.
    async fn apply(
        &self,
        conn: &mut PgConnection,
        case: &CaseRow,
        user: &CurrentUser,
        data: &ActionData,
        next: CaseState,
        version: i32,
    ) -> Result<(CaseRow, Arc<Reference>)> {
        let now = self.clock.now();
        let facts = super::evidence::facts(&mut *conn, case, data, next, now).await?;
        // Read once for the transaction: the SLA due date here, the answer's desk clock later.
        let reference = self.reference_in(&mut *conn, user).await?;
        let transition = Self::transition_of(&reference, case, version, next, now, facts);
        let moved = match db_cases::transition(&mut *conn, &transition).await {
            Ok(Some(moved)) => moved,
            Ok(None) => {
                return Err(CaseError::Stale {
                    current_version: case.version,
                });
            }
            Err(e) => {
                let nik = match data {
                    ActionData::RecordIdentity { new_nik, .. } => Some(new_nik.as_str()),
                    _ => case.patient.nik.as_deref(),
                };
                return Err(self.nik_violation(e, nik, Some(case.id)).await);
            }
        };
        // An action that leaves the case where it is keeps its stay at the desk.
        if next != case.state.0 {
            stays::move_to(&mut *conn, case.id, next, now, transition.sla_due_date).await?;
        }
        let action = data.action();
        let history = NewHistory {
            case_id: case.id,
            action: action.as_str(),
            from_state: Some(case.state.0),
            to_state: next,
            from_version: Some(version),
            actor_id: user.id,
            actor_role: user.role,
            at: now,
            evidence: super::history_evidence(case, data, next).map_err(anyhow::Error::from)?,
            reason: data.reason(),
        };
        db_cases::insert_history(&mut *conn, &history).await?;
        self.announce_transition(&mut *conn, case, next, version + 1, user, now)
            .await?;
        Ok((moved, reference))
    }

    /// The audit row of an action ([`Self::apply`]), written last before the commit: the row
    /// takes the head of one of the audit chains until the transaction ends, and every other
    /// transaction writing to that chain waits for it meanwhile.
    async fn audit_transition(
        conn: &mut PgConnection,
        case: &CaseRow,
        user: &CurrentUser,
        action: Action,
        next: CaseState,
    ) -> Result<()> {
        let from = case.state.0.as_str();
        let details =
            serde_json::json!({"action": action.as_str(), "from": from, "to": next.as_str()});
        let target = case.id.to_string();
        audit::record(
            conn,
            Some(user.id),
            "case.transition",
            Some(&target),
            details,
        )
        .await?;
        Ok(())
    }

    /// Stores a document of a case (role `rsud` of the case's hospital, open cases only).
    pub async fn add_document(
        &self,
        user: &CurrentUser,
        case_id: Uuid,
        upload: &Upload<'_>,
    ) -> Result<Uuid> {
        self.store_document(user, case_id, upload, None)
            .await?
            .unkeyed()
    }

    /// [`Self::add_document`] for a request with a key (the API's `Idempotency-Key`,
    /// [`super::idempotency`]): claimed in the document's transaction, with the answer `answer`
    /// makes from the new document's id.
    pub async fn add_document_once(
        &self,
        user: &CurrentUser,
        case_id: Uuid,
        upload: &Upload<'_>,
        key: &RequestKey,
        answer: &(dyn Fn(Uuid) -> StoredAnswer + Send + Sync),
    ) -> Result<Answered> {
        self.store_document(user, case_id, upload, Some((key, answer)))
            .await?
            .answered()
    }

    /// The transaction of a new document, with or without a key.
    async fn store_document(
        &self,
        user: &CurrentUser,
        case_id: Uuid,
        upload: &Upload<'_>,
        once: Option<(&RequestKey, &(dyn Fn(Uuid) -> StoredAnswer + Send + Sync))>,
    ) -> Result<Keyed<Uuid>> {
        let mut tx = self.pool.begin().await?;
        if let Some((key, _)) = once
            && let Claim::Replay(answer) =
                idempotency::claim(&mut tx, user, key, self.clock.now()).await?
        {
            return Ok(Keyed::Replayed(answer));
        }
        // Read in the transaction: a repeat waiting on the key holds a connection.
        let case = db_cases::by_id(&mut *tx, case_id)
            .await?
            .filter(|c| Scope::of(user).contains(c));
        let Some(case) = case else {
            drop(tx);
            // Logs the refusal.
            self.visible_case(user, case_id).await?;
            return Err(CaseError::NotFound);
        };
        if user.role != Role::Rsud {
            return Err(CaseError::NotYourAction);
        }
        if case.state.0.is_terminal() {
            return Err(CaseError::NotNow(
                "Kasus sudah selesai; dokumen tidak dapat ditambahkan.",
            ));
        }
        let upload = self
            .check_upload(upload)
            .await
            .map_err(|problem| CaseError::Invalid(vec![problem]))?;
        let id = self.put_document(&mut tx, user, case_id, &upload).await?;
        let answer = match once {
            Some((key, answer)) => {
                let answer = answer(id);
                if let Err(e) = idempotency::store(&mut tx, user, key, &answer).await {
                    self.files.delete(id).await;
                    return Err(e);
                }
                Some(answer)
            }
            None => None,
        };
        if let Err(e) = tx.commit().await {
            self.files.delete(id).await;
            return Err(e.into());
        }
        Ok(Keyed::Done(id, answer))
    }

    /// Checks an upload: its kind, its size, and its content ([`files::check`]: judged by its
    /// bytes, a photo decoded and re-encoded without its metadata, a PDF parsed). The field
    /// error to show, or the upload as it will be stored.
    pub async fn check_upload(
        &self,
        upload: &Upload<'_>,
    ) -> std::result::Result<CheckedUpload, FieldError> {
        if let Some(problem) = upload_problem(upload, self.max_upload_bytes) {
            return Err(problem);
        }
        Ok(CheckedUpload {
            kind: upload.kind.to_string(),
            file: self.check_file(upload.bytes).await?,
            original_name: upload.original_name.map(clean_file_name),
        })
    }

    /// The content check of [`Self::check_upload`] alone, for a file whose kind is fixed (a
    /// claim's document) and that passed [`file_problem`].
    pub(super) async fn check_file(
        &self,
        bytes: &[u8],
    ) -> std::result::Result<CheckedFile, FieldError> {
        files::check(bytes, self.max_upload_bytes)
            .await
            .map_err(|message| FieldError {
                field: "file",
                message,
            })
    }

    /// Writes a checked upload's file, then its document row and audit row in `conn` (a
    /// transaction). The file is removed again if the rows fail; if the transaction does not
    /// commit, the caller removes it.
    pub(super) async fn put_document(
        &self,
        conn: &mut PgConnection,
        user: &CurrentUser,
        case_id: Uuid,
        upload: &CheckedUpload,
    ) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let bytes = upload.file.bytes();
        self.files.put(id, bytes).await?;
        let doc = db_cases::NewDocument {
            id,
            case_id,
            kind: &upload.kind,
            content_type: upload.file.content_type(),
            size_bytes: i32::try_from(bytes.len()).unwrap_or(i32::MAX),
            sha256: &Sha256::digest(bytes),
            original_name: upload.original_name.as_deref(),
            uploaded_by: user.id,
            uploaded_at: self.clock.now(),
        };
        let details = serde_json::json!({"document": id, "kind": upload.kind});
        let stored = async {
            db_cases::insert_document(&mut *conn, &doc).await?;
            audit::record(
                &mut *conn,
                Some(user.id),
                "case.document_upload",
                Some(&case_id.to_string()),
                details,
            )
            .await
        }
        .await;
        if let Err(e) = stored {
            self.files.delete(id).await;
            return Err(e.into());
        }
        Ok(id)
    }

    /// The bytes of the stored file `id`, checked against the SHA-256 kept with its row.
    pub(super) async fn stored_file(&self, id: Uuid) -> Result<Vec<u8>> {
        let sha256 = crate::db::stored_files::checksum(&self.pool, id)
            .await?
            .ok_or(CaseError::NotFound)?;
        Ok(self.files.get(id, &sha256).await?)
    }

    /// A document's bytes, for a caller who may see the case's documents; the download is
    /// logged.
    pub async fn read_document(
        &self,
        user: &CurrentUser,
        case_id: Uuid,
        document_id: Uuid,
        via: &str,
    ) -> Result<(db_cases::DocumentRow, Vec<u8>)> {
        self.visible_case(user, case_id).await?;
        if !Visibility::of(user.role).documents {
            return Err(CaseError::NotYourAction);
        }
        let doc = db_cases::document(&self.pool, document_id)
            .await?
            .filter(|d| d.case_id == case_id)
            .ok_or(CaseError::NotFound)?;
        let bytes = self.stored_file(doc.id).await?;
        let access = Access::case(AccessKind::Download, "document", case_id);
        self.log_access(user, via, access).await?;
        Ok((doc, bytes))
    }

    /// A page of the caller's queue; a requested state narrows the role's queue, never widens it.
    /// Empty for the roles that hold no desk ([`Role::Tim`], [`Role::DinkesKab`]).
    pub async fn queue<R: ListColumns>(
        &self,
        user: &CurrentUser,
        filter: ListFilter,
    ) -> Result<Vec<R>> {
        match narrow_to_queue(user.role, filter) {
            Some(filter) => self.list(user, &filter).await,
            None => Ok(vec![]),
        }
    }

    /// The reference tables (kab/kota, hospitals, holidays, SLA days) as they are now, from
    /// memory unless they changed (see `cases::reference`).
    pub async fn reference(&self) -> Result<Arc<Reference>> {
        let mut conn = self.pool.acquire().await?;
        Ok(self.reference.current(&mut conn).await?)
    }

    /// [`Self::reference`] for a request of `user`: the kept copy without a statement when the
    /// epoch read with a page's user allows it
    /// ([`super::reference::ReferenceMemo::at_least`]).
    pub async fn reference_for(&self, user: &CurrentUser) -> Result<Arc<Reference>> {
        match self.kept_reference(user) {
            Some(kept) => Ok(kept),
            None => self.reference().await,
        }
    }

    /// [`Self::reference_for`] on `conn` (which may be in a transaction).
    async fn reference_in(
        &self,
        conn: &mut PgConnection,
        user: &CurrentUser,
    ) -> Result<Arc<Reference>> {
        match self.kept_reference(user) {
            Some(kept) => Ok(kept),
            None => Ok(self.reference.current(conn).await?),
        }
    }

    fn kept_reference(&self, user: &CurrentUser) -> Option<Arc<Reference>> {
        user.page
            .and_then(|page| self.reference.at_least(page.reference_epoch))
    }

    /// A page of the cases in the caller's scope matching `filter`, each read as `R` (whole, or
    /// as a list shows it).
    pub async fn list<R: ListColumns>(
        &self,
        user: &CurrentUser,
        filter: &ListFilter,
    ) -> Result<Vec<R>> {
        let scope = Scope::of(user);
        if scope == Scope::Nothing {
            return Ok(vec![]);
        }
        Ok(db_cases::list(&self.pool, &scope.filter(), filter).await?)
    }

    /// Reads a case for the caller (404 outside scope) and logs the read.
    pub async fn detail(&self, user: &CurrentUser, id: Uuid, via: &str) -> Result<CaseDetail> {
        let mut conn = self.pool.acquire().await?;
        let case = self.visible_case_in(&mut conn, user, id).await?;
        self.detail_of(&mut conn, user, case, via, None).await
    }

    /// The case page's reads, on one connection: [`Self::detail`], the nominatif batch holding
    /// the case, the claims of it the caller sees, and whether the caller may submit one.
    pub async fn case_page(&self, user: &CurrentUser, id: Uuid) -> Result<CasePageReads> {
        let mut conn = self.pool.acquire().await?;
        let case = self.visible_case_in(&mut conn, user, id).await?;
        let claimable = Self::may_claim(user, &case);
        let detail = self.detail_of(&mut conn, user, case, "web", None).await?;
        Ok(CasePageReads {
            batch: db::nominatif::for_case(&mut *conn, id).await?,
            claims: Self::claims_of_case_in(&mut *conn, user, id).await?,
            claimable,
            detail,
        })
    }

    /// [`Self::detail`] of a case the caller may see, read (and the read logged) in `conn`: a
    /// transaction reads the case as it leaves it, with the reference data it read already
    /// (`reference`), if it did.
    async fn detail_of(
        &self,
        conn: &mut PgConnection,
        user: &CurrentUser,
        case: CaseRow,
        via: &str,
        reference: Option<Arc<Reference>>,
    ) -> Result<CaseDetail> {
        let id = case.id;
        let today = self.today();
        let reference = match reference {
            Some(read) => read,
            None => self.reference_in(&mut *conn, user).await?,
        };
        let (holidays, sla_days) = (&reference.holidays, &reference.sla_days);
        let history = db_cases::history(&mut *conn, id).await?;
        let stays = stays::for_case(&mut *conn, id).await?;
        let documents = if Visibility::of(user.role).documents {
            db_cases::documents(&mut *conn, id)
                .await?
                .iter()
                .map(Into::into)
                .collect()
        } else {
            vec![]
        };
        let clock = DeskClock::of(&case, today, holidays, sla_days);
        let view = CaseView::new(&case, user, &available_actions(user, &case), clock);
        let read = Access::case(AccessKind::Read, "case", id);
        self.log_access_in(&mut *conn, user, via, read).await?;
        Ok(CaseDetail {
            timeline: timeline(&history, &stays, today, holidays, user.role),
            case,
            view,
            documents,
            quota: Self::quota_charges(&mut *conn, id).await?,
        })
    }

    /// Views of a list of cases (queue pages and the API), NIK and KK masked (docs/domain.md §7).
    pub async fn views(&self, user: &CurrentUser, cases: &[CaseRow]) -> Result<Vec<CaseView>> {
        let today = self.today();
        let reference = self.reference_for(user).await?;
        Ok(cases
            .iter()
            .map(|c| {
                let clock = DeskClock::of(c, today, &reference.holidays, &reference.sla_days);
                CaseView::new(c, user, &available_actions(user, c), clock)
            })
            .collect())
    }
}
