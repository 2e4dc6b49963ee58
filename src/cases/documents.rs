//! The hospital's documents beyond a plain upload: the files of a refused intake kept for its
//! next submit (pending uploads), a wrongly uploaded document replaced or removed while the
//! case is at the hospital (the old one stays in the history, marked, with who and when), and
//! an action taken with its document in one submit (the SKTM scan with `submit_sktm`).

use chrono::Duration;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use super::error::CaseError;
use super::idempotency::{self, Answered, Claim, Keyed, RequestKey, StoredAnswer};
use super::service::{CaseService, CheckedUpload, Result, Upload};
use crate::auth::CurrentUser;
use crate::db::pending_uploads::{self as pending, Owner, PendingUpload};
use crate::db::{audit, cases as db_cases};
use crate::domain::{DocumentKind, Role, may_change_documents};

/// How long the files of a refused intake are kept for its next submit; older ones are
/// purged by the next refused intake or the daily retention sweep.
pub const PENDING_HOURS: i64 = 24;

/// The document kinds an intake form takes (and so may keep).
pub const INTAKE_KINDS: &[DocumentKind] =
    &[DocumentKind::Ktp, DocumentKind::Kk, DocumentKind::Lainnya];

/// A file kept from a refused intake form, as the form shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptFile {
    pub kind: DocumentKind,
    /// The name the file had on the user's device (cleaned), or the kind's label.
    pub name: String,
    pub size_bytes: i32,
}

/// Why a replace or remove found nothing to change: the document was replaced or removed
/// already (by a double click, or someone else at the hospital).
const ALREADY_SUPERSEDED: &str =
    "Dokumen ini sudah diganti atau dihapus sebelumnya; muat ulang halaman.";

impl CaseService {
    /// Whose kept files these are: the user and hospital of a PIC, for the form `intake_key`.
    fn intake_owner(user: &CurrentUser, intake_key: Uuid) -> Result<Owner> {
        match user.hospital_id.filter(|_| user.role == Role::Rsud) {
            Some(hospital_id) => Ok(Owner {
                intake_key,
                user_id: user.id,
                hospital_id,
            }),
            None => Err(CaseError::NotYourAction),
        }
    }

    /// Keeps the checked files of a refused intake form for its next submit (each in place of
    /// the one kept before for the same kind). The files were checked like any upload; they
    /// are stored like documents (0600, named by a generated id) and never leave the server
    /// but as a document of the case the form creates.
    pub async fn keep_intake_files(
        &self,
        user: &CurrentUser,
        intake_key: Uuid,
        uploads: &[CheckedUpload],
    ) -> Result<()> {
        let owner = Self::intake_owner(user, intake_key)?;
        self.purge_stale_pending_uploads().await?;
        for upload in uploads {
            if !INTAKE_KINDS.iter().any(|k| k.as_str() == upload.kind) {
                continue;
            }
            let bytes = upload.file.bytes();
            let row = PendingUpload {
                id: Uuid::new_v4(),
                kind: upload.kind.clone(),
                content_type: upload.file.content_type().to_string(),
                size_bytes: i32::try_from(bytes.len()).unwrap_or(i32::MAX),
                sha256: Sha256::digest(bytes).to_vec(),
                original_name: upload.original_name.clone(),
                created_at: self.clock.now(),
            };
            self.files.put(row.id, bytes).await?;
            let put = async {
                let mut tx = self.pool.begin().await?;
                let put = pending::put(&mut tx, owner, &row).await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(put)
            }
            .await;
            let put = match put {
                Ok(put) => put,
                Err(e) => {
                    self.files.delete(row.id).await;
                    return Err(e.into());
                }
            };
            if !put.stored {
                self.files.delete(row.id).await;
            }
            if let Some(earlier) = put.replaced {
                self.files.delete(earlier).await;
            }
        }
        Ok(())
    }

    /// The files kept for the caller's intake form `intake_key` (none for another user's).
    pub async fn kept_intake_files(
        &self,
        user: &CurrentUser,
        intake_key: Uuid,
    ) -> Result<Vec<KeptFile>> {
        let owner = Self::intake_owner(user, intake_key)?;
        let cutoff = self.clock.now() - Duration::hours(PENDING_HOURS);
        Ok(pending::of_form(&self.pool, owner)
            .await?
            .into_iter()
            .filter(|p| p.created_at >= cutoff)
            .filter_map(|p| {
                let kind = p.kind.parse::<DocumentKind>().ok()?;
                Some(KeptFile {
                    name: p
                        .original_name
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| kind.label().to_string()),
                    kind,
                    size_bytes: p.size_bytes,
                })
            })
            .collect())
    }

    /// Turns the files kept for the form `intake_key` into documents of the new case `case_id`
    /// (in `conn`, the transaction creating it), but for the kinds chosen again in this submit
    /// (`uploads`): those kept files are dropped. Returns the dropped files, to delete once
    /// the transaction commits.
    pub(super) async fn take_kept_files(
        &self,
        conn: &mut PgConnection,
        user: &CurrentUser,
        case_id: Uuid,
        intake_key: Uuid,
        uploads: &[CheckedUpload],
    ) -> Result<Vec<Uuid>> {
        let owner = Self::intake_owner(user, intake_key)?;
        let cutoff = self.clock.now() - Duration::hours(PENDING_HOURS);
        let mut dropped = vec![];
        for kept in pending::of_form(&mut *conn, owner).await? {
            if !pending::remove(&mut *conn, owner, kept.id).await? {
                continue;
            }
            if kept.created_at < cutoff || uploads.iter().any(|u| u.kind == kept.kind) {
                dropped.push(kept.id);
                continue;
            }
            // The kept file becomes the document under the same id: nothing is copied.
            let doc = db_cases::NewDocument {
                id: kept.id,
                case_id,
                kind: &kept.kind,
                content_type: &kept.content_type,
                size_bytes: kept.size_bytes,
                sha256: &kept.sha256,
                original_name: kept.original_name.as_deref(),
                uploaded_by: user.id,
                uploaded_at: self.clock.now(),
            };
            db_cases::insert_document(&mut *conn, &doc).await?;
            let details = serde_json::json!({"document": kept.id, "kind": kept.kind, "kept": true});
            audit::record(
                &mut *conn,
                Some(user.id),
                "case.document_upload",
                Some(&case_id.to_string()),
                details,
            )
            .await?;
        }
        Ok(dropped)
    }

    /// Removes the kept files older than [`PENDING_HOURS`] (a form abandoned); returns how
    /// many.
    pub async fn purge_stale_pending_uploads(&self) -> Result<usize> {
        let cutoff = self.clock.now() - Duration::hours(PENDING_HOURS);
        let stale = pending::remove_stale(&self.pool, cutoff).await?;
        for id in &stale {
            self.files.delete(*id).await;
        }
        Ok(stale.len())
    }

    /// The case and the current document `document_id` of it, for a change by `user`: 404
    /// outside the caller's scope or for another case's document, 403 for a role that never
    /// changes documents, 409 once the case left the hospital or the document was replaced or
    /// removed already.
    async fn changeable_document(
        &self,
        user: &CurrentUser,
        case_id: Uuid,
        document_id: Uuid,
    ) -> Result<db_cases::DocumentRow> {
        let case = self.visible_case(user, case_id).await?;
        may_change_documents(case.state.0, user.role)?;
        let doc = db_cases::document(&self.pool, document_id)
            .await?
            .filter(|d| d.case_id == case_id)
            .ok_or(CaseError::NotFound)?;
        if doc.superseded_at.is_some() {
            return Err(CaseError::NotNow(ALREADY_SUPERSEDED));
        }
        Ok(doc)
    }

    /// Locks the case in `conn` and asks the policy again on the locked row (the case may have
    /// been sent on since it was read).
    async fn lock_for_document_change(
        conn: &mut PgConnection,
        user: &CurrentUser,
        case_id: Uuid,
    ) -> Result<()> {
        let case = db_cases::by_id_locked(&mut *conn, case_id)
            .await?
            .ok_or(CaseError::NotFound)?;
        may_change_documents(case.state.0, user.role)?;
        Ok(())
    }

    /// Replaces a wrongly uploaded document of a case at the hospital with `bytes` (checked
    /// like any upload; same kind). The old document keeps its row and file, marked replaced
    /// (by whom, when, with which document). Returns the new document's id.
    pub async fn replace_document(
        &self,
        user: &CurrentUser,
        case_id: Uuid,
        document_id: Uuid,
        bytes: &[u8],
        original_name: Option<&str>,
    ) -> Result<Uuid> {
        self.replace_document_keyed(user, case_id, document_id, bytes, original_name, None)
            .await?
            .unkeyed()
    }

    /// [`Self::replace_document`] for a page's form with its nonce
    /// ([`super::idempotency`]): a repeat of the same submit gets `answer` again and replaces
    /// nothing.
    pub async fn replace_document_once(
        &self,
        user: &CurrentUser,
        case_id: Uuid,
        document_id: Uuid,
        upload: (&[u8], Option<&str>),
        key: &RequestKey,
        answer: &StoredAnswer,
    ) -> Result<Answered> {
        let (bytes, name) = upload;
        let once = Some((key, answer));
        self.replace_document_keyed(user, case_id, document_id, bytes, name, once)
            .await?
            .answered()
    }

    /// The refusal `e` of a check made before a keyed request's transaction — or, when the
    /// key already answered this very request (the first of two clicks did it), that answer.
    async fn refused_unless_done(
        &self,
        e: CaseError,
        user: &CurrentUser,
        once: Option<(&RequestKey, &StoredAnswer)>,
    ) -> Result<Keyed<Uuid>> {
        if let Some((key, _)) = once
            && let Some(answer) =
                idempotency::stored(&self.pool, user, key, self.clock.now()).await?
        {
            return Ok(Keyed::Replayed(answer));
        }
        Err(e)
    }

    /// The transaction of a replacement, with or without a key.
    async fn replace_document_keyed(
        &self,
        user: &CurrentUser,
        case_id: Uuid,
        document_id: Uuid,
        bytes: &[u8],
        original_name: Option<&str>,
        once: Option<(&RequestKey, &StoredAnswer)>,
    ) -> Result<Keyed<Uuid>> {
        let old = match self.changeable_document(user, case_id, document_id).await {
            Ok(old) => old,
            Err(e) => return self.refused_unless_done(e, user, once).await,
        };
        let upload = Upload {
            kind: &old.kind,
            bytes,
            original_name,
        };
        let checked = self
            .check_upload(&upload)
            .await
            .map_err(|problem| CaseError::Invalid(vec![problem]))?;
        let mut tx = self.pool.begin().await?;
        if let Some((key, _)) = once
            && let Claim::Replay(answer) =
                idempotency::claim(&mut tx, user, key, self.clock.now()).await?
        {
            return Ok(Keyed::Replayed(answer));
        }
        Self::lock_for_document_change(&mut tx, user, case_id).await?;
        let new = self.put_document(&mut tx, user, case_id, &checked).await?;
        let done = async {
            let now = self.clock.now();
            if !db_cases::supersede(&mut *tx, case_id, old.id, user.id, now, Some(new)).await? {
                return Err(CaseError::NotNow(ALREADY_SUPERSEDED));
            }
            let details =
                serde_json::json!({"document": old.id, "kind": old.kind, "replaced_by": new});
            audit::record(
                &mut *tx,
                Some(user.id),
                "case.document_replace",
                Some(&case_id.to_string()),
                details,
            )
            .await?;
            if let Some((key, answer)) = once {
                idempotency::store(&mut tx, user, key, answer).await?;
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        if let Err(e) = done {
            self.files.delete(new).await;
            return Err(e);
        }
        Ok(Keyed::Done(new, once.map(|(_, answer)| answer.clone())))
    }

    /// Removes a wrongly uploaded document of a case at the hospital: its row and file stay,
    /// marked removed (by whom, when); it no longer counts for the checks before sending.
    pub async fn remove_document(
        &self,
        user: &CurrentUser,
        case_id: Uuid,
        document_id: Uuid,
    ) -> Result<()> {
        self.remove_document_keyed(user, case_id, document_id, None)
            .await?
            .unkeyed()
            .map(|_| ())
    }

    /// [`Self::remove_document`] for a page's form with its nonce
    /// ([`super::idempotency`]): a repeat of the same submit gets `answer` again.
    pub async fn remove_document_once(
        &self,
        user: &CurrentUser,
        case_id: Uuid,
        document_id: Uuid,
        key: &RequestKey,
        answer: &StoredAnswer,
    ) -> Result<Answered> {
        self.remove_document_keyed(user, case_id, document_id, Some((key, answer)))
            .await?
            .answered()
    }

    /// The transaction of a removal, with or without a key (done: the removed document).
    async fn remove_document_keyed(
        &self,
        user: &CurrentUser,
        case_id: Uuid,
        document_id: Uuid,
        once: Option<(&RequestKey, &StoredAnswer)>,
    ) -> Result<Keyed<Uuid>> {
        let old = match self.changeable_document(user, case_id, document_id).await {
            Ok(old) => old,
            Err(e) => return self.refused_unless_done(e, user, once).await,
        };
        let mut tx = self.pool.begin().await?;
        if let Some((key, _)) = once
            && let Claim::Replay(answer) =
                idempotency::claim(&mut tx, user, key, self.clock.now()).await?
        {
            return Ok(Keyed::Replayed(answer));
        }
        Self::lock_for_document_change(&mut tx, user, case_id).await?;
        let now = self.clock.now();
        if !db_cases::supersede(&mut *tx, case_id, old.id, user.id, now, None).await? {
            return Err(CaseError::NotNow(ALREADY_SUPERSEDED));
        }
        audit::record(
            &mut *tx,
            Some(user.id),
            "case.document_remove",
            Some(&case_id.to_string()),
            serde_json::json!({"document": old.id, "kind": old.kind}),
        )
        .await?;
        if let Some((key, answer)) = once {
            idempotency::store(&mut tx, user, key, answer).await?;
        }
        tx.commit().await?;
        Ok(Keyed::Done(old.id, once.map(|(_, answer)| answer.clone())))
    }
}
