//! Claims (klaim) for the pages and the API: the hospital records a claim for a guaranteed
//! case, Dinkes prov verifies it (accepts it or sends it back) and records the payment; the
//! paid sums are the realised financing. The rules are [`crate::domain::claim`]; this module
//! checks scope and role, then writes each step in one transaction: the claim row (versioned),
//! its history row and an audit row.
//!
//! Who sees which claims: `rsud` its hospital's, `dinkes_kab` those whose patient comes from
//! its kab/kota, `dinkes_prov` and `tim` all of them ([`crate::access::CLAIM_ROLES`]); any other
//! claim is "not found". The claim document is a case document of kind `klaim`, stored like
//! the others; it is read only through its claim, by roles that see documents, and each
//! download is written to `case_access_log`.
//!
//! A case may have several claims, one per period of care (a long stay billed month by month,
//! a readmission within the same guarantee), but one day of care is billed once: the periods
//! of a case's claims never overlap. That is checked with the case row locked, so two claims
//! racing for the same days cannot both pass.

use std::collections::HashMap;

use base64::Engine;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::access::Access;
use super::service::{CheckedUpload, Result, clean_file_name, file_problem};
use super::{CaseError, CaseService, Scope, Visibility, mask};
use crate::auth::CurrentUser;
use crate::db::access_log::AccessKind;
use crate::db::cases::{self as db_cases, CaseRow, ScopeFilter};
use crate::db::claims::{
    self as db_claims, ClaimHistoryRow, ClaimQuery, ClaimRow, NewClaim, NewClaimHistory, Origin,
    RealisedFilter,
};
use crate::db::{self, audit};
use crate::domain::action::FieldError;
use crate::domain::claim::{
    self, ClaimInput, ClaimRefusal, GuaranteeTerms, available_claim_actions, decide_claim,
};
use crate::domain::date::{MAX_YEAR, MIN_YEAR};
use crate::domain::{ClaimAction, ClaimStatus, Payer, Rupiah, sla};

/// The kind of a claim's document in `documents`.
pub const CLAIM_DOCUMENT_KIND: &str = "klaim";

/// The claim document sent with a submission.
pub struct ClaimFile<'a> {
    pub bytes: &'a [u8],
    pub original_name: Option<&'a str>,
}

/// A claim as a caller sees it (pages and API): the NIK masked, amounts in whole rupiah with
/// their written form.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimView {
    pub id: Uuid,
    pub number: String,
    pub case_id: Uuid,
    pub case_number: String,
    pub patient_name: String,
    /// Masked (`5371********0001`).
    pub patient_nik: Option<String>,
    pub hospital_id: Uuid,
    pub hospital_name: String,
    pub payer: &'static str,
    pub payer_label: &'static str,
    pub kab_kota_code: String,
    pub kab_kota_name: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub version: i32,
    pub care_start: NaiveDate,
    pub care_end: NaiveDate,
    /// Days of care, both ends counted.
    pub care_days: i64,
    pub amount_claimed: i64,
    pub amount_claimed_text: String,
    pub ina_cbg_code: Option<String>,
    /// The claim document, for roles that see documents (`null` otherwise).
    pub document: Option<ClaimDocumentView>,
    pub return_reason: Option<String>,
    pub paid_on: Option<NaiveDate>,
    pub amount_paid: Option<i64>,
    pub amount_paid_text: Option<String>,
    pub payment_reference: Option<String>,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
    pub paid_recorded_at: Option<DateTime<Utc>>,
    pub available_actions: Vec<&'static str>,
}

/// The claim document's metadata.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimDocumentView {
    pub content_type: String,
    pub size_bytes: i32,
}

/// One step of a claim's history: who, when, what.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimStepView {
    pub action: String,
    pub action_label: &'static str,
    pub from_status: Option<&'static str>,
    pub to_status: &'static str,
    pub to_status_label: &'static str,
    pub from_version: Option<i32>,
    pub actor_name: String,
    pub actor_role: &'static str,
    pub actor_role_label: &'static str,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
    pub detail: serde_json::Value,
}

/// A claim with its history; reading it is logged.
pub struct ClaimDetail {
    pub claim: ClaimRow,
    pub view: ClaimView,
    pub history: Vec<ClaimStepView>,
}

/// The filters of a claim list, as typed values.
#[derive(Debug, Clone, Default)]
pub struct ClaimFilter {
    pub status: Option<ClaimStatus>,
    pub hospital_id: Option<Uuid>,
    pub kab_kota_code: Option<String>,
    /// Claims whose period of care overlaps `[from, to]`.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub cursor: Option<ClaimCursor>,
    pub limit: i64,
}

impl ClaimFilter {
    /// The query of these filters (no keyset, no limit).
    fn query(&self) -> ClaimQuery {
        ClaimQuery {
            status: self.status,
            hospital_id: self.hospital_id,
            kab_kota_code: self.kab_kota_code.clone(),
            from: self.from,
            to: self.to,
            ..Default::default()
        }
    }
}

/// Where a page of claims ends: the last claim's submission time and id (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimCursor {
    pub submitted_at: DateTime<Utc>,
    pub id: Uuid,
}

impl ClaimCursor {
    /// The cursor after `claim`.
    pub fn after(claim: &ClaimRow) -> ClaimCursor {
        ClaimCursor {
            submitted_at: claim.submitted_at,
            id: claim.id,
        }
    }

    /// An opaque token for a URL (no personal data: a time and an id).
    pub fn encode(&self) -> String {
        let raw = format!(
            "{}|{}",
            self.submitted_at.timestamp_micros(),
            self.id.simple()
        );
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    /// Reads a token [`ClaimCursor::encode`] made; `None` for anything else.
    pub fn decode(s: &str) -> Option<ClaimCursor> {
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim())
            .ok()?;
        let raw = String::from_utf8(raw).ok()?;
        let (micros, id) = raw.split_once('|')?;
        Some(ClaimCursor {
            submitted_at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            id: id.parse().ok()?,
        })
    }
}

/// Realised financing (paid claims) of a period, within the caller's scope.
#[derive(Debug, Clone, Serialize)]
pub struct Realised {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<RealisedLine>,
    pub total_claims: i64,
    pub total_paid: i64,
    pub total_paid_text: String,
    /// Per payer: code, label, claims, amount.
    pub per_payer: Vec<RealisedLine>,
}

/// One group of paid claims: payer × kab/kota of origin × hospital (or one payer's total,
/// with the place fields empty).
#[derive(Debug, Clone, Serialize)]
pub struct RealisedLine {
    pub payer: &'static str,
    pub payer_label: &'static str,
    pub kab_kota_code: Option<String>,
    pub kab_kota_name: Option<String>,
    pub hospital_id: Option<Uuid>,
    pub hospital_name: Option<String>,
    pub claims: i64,
    pub amount_paid: i64,
    pub amount_paid_text: String,
}

fn refusal(r: ClaimRefusal) -> CaseError {
    match r {
        ClaimRefusal::NotYourAction => CaseError::NotYourAction,
        ClaimRefusal::NotNow(message) => CaseError::NotNow(message),
    }
}

/// The guarantee of a case as a claim needs it, or the refusal for a case without one.
fn guarantee_terms(case: &CaseRow) -> Result<(GuaranteeTerms, Origin)> {
    let (Some(_), Some(start), Some(payer)) = (
        case.guarantee_letter_number.as_ref(),
        case.guarantee_start,
        case.payer.as_deref().and_then(|p| p.parse::<Payer>().ok()),
    ) else {
        return Err(CaseError::NotNow(
            "Kasus ini belum dijamin: klaim hanya dapat diajukan untuk kasus yang sudah \
             mendapat surat jaminan sementara.",
        ));
    };
    let terms = GuaranteeTerms {
        start,
        end: case.guarantee_end,
        ceiling: case.guarantee_ceiling.map(Rupiah),
    };
    let origin = Origin {
        payer,
        kab_kota_code: case.patient.domicile_kab_kota_code.clone(),
    };
    Ok((terms, origin))
}

/// The history detail of a submission (never personal data).
fn submission_detail(input: &ClaimInput, document: Option<Uuid>) -> serde_json::Value {
    serde_json::json!({
        "care_start": input.care_start,
        "care_end": input.care_end,
        "amount_claimed": input.amount_claimed.0,
        "ina_cbg_code": input.ina_cbg_code,
        "document": document,
    })
}

impl CaseService {
    /// The scope of claims the caller sees; roles outside [`crate::access::CLAIM_ROLES`] see
    /// none.
    fn claim_scope(user: &CurrentUser) -> Result<ScopeFilter> {
        if !crate::access::CLAIM_ROLES.contains(&user.role) {
            return Err(CaseError::NotYourAction);
        }
        Ok(Scope::of(user).filter())
    }

    /// A page of the claims in the caller's scope (logged as a list view).
    pub async fn claims(&self, user: &CurrentUser, f: &ClaimFilter) -> Result<Vec<ClaimRow>> {
        let scope = Self::claim_scope(user)?;
        let q = ClaimQuery {
            after: f.cursor.map(|c| (c.submitted_at, c.id)),
            limit: f.limit.clamp(1, 201),
            ..f.query()
        };
        let rows = db_claims::find(&self.pool, &scope, &q).await?;
        // One access-log row per list view: the cases of the claims shown.
        let cases: Vec<Uuid> = rows.iter().map(|r| r.case_id).collect();
        self.log_list(user, "web", "claims", "", false, &cases)
            .await?;
        Ok(rows)
    }

    /// Every claim in the caller's scope matching `f` (its cursor and limit ignored), as the
    /// list shows them (NIK masked), read from PostgreSQL as the consumer takes them: the
    /// claims export.
    pub fn stream_claims(
        &self,
        user: &CurrentUser,
        f: &ClaimFilter,
    ) -> Result<futures_util::stream::BoxStream<'static, Result<ClaimView>>> {
        use futures_util::StreamExt;
        let scope = Self::claim_scope(user)?;
        let user = user.clone();
        Ok(db_claims::stream(self.pool.clone(), &scope, &f.query())
            .map(move |row| Ok(Self::claim_view(&user, &row?)))
            .boxed())
    }

    /// The claims of a case the caller sees (empty for roles that see no claims).
    pub async fn claims_of_case(
        &self,
        user: &CurrentUser,
        case_id: Uuid,
    ) -> Result<Vec<ClaimView>> {
        Self::claims_of_case_in(&self.pool, user, case_id).await
    }

    /// [`Self::claims_of_case`] read in `db`.
    pub(super) async fn claims_of_case_in(
        db: impl sqlx::PgExecutor<'_>,
        user: &CurrentUser,
        case_id: Uuid,
    ) -> Result<Vec<ClaimView>> {
        let Ok(scope) = Self::claim_scope(user) else {
            return Ok(vec![]);
        };
        let rows = db_claims::of_case(db, &scope, case_id).await?;
        Ok(rows.iter().map(|c| Self::claim_view(user, c)).collect())
    }

    /// How the caller sees a claim.
    pub fn claim_view(user: &CurrentUser, c: &ClaimRow) -> ClaimView {
        let payer = c.payer.0;
        let status = c.status.0;
        ClaimView {
            id: c.id,
            number: c.number.clone(),
            case_id: c.case_id,
            case_number: c.case_number.clone(),
            patient_name: c.patient_name.clone(),
            patient_nik: c.patient_nik.as_deref().map(mask),
            hospital_id: c.hospital_id,
            hospital_name: c.hospital_name.clone(),
            payer: payer.as_str(),
            payer_label: payer.label(),
            kab_kota_code: c.kab_kota_code.clone(),
            kab_kota_name: c.kab_kota_name.clone(),
            status: status.as_str(),
            status_label: status.label(),
            version: c.version,
            care_start: c.care_start,
            care_end: c.care_end,
            care_days: (c.care_end - c.care_start).num_days() + 1,
            amount_claimed: c.amount_claimed.0,
            amount_claimed_text: c.amount_claimed.to_string(),
            ina_cbg_code: c.ina_cbg_code.clone(),
            document: Visibility::of(user.role)
                .documents
                .then(|| ClaimDocumentView {
                    content_type: c.document_content_type.clone(),
                    size_bytes: c.document_size,
                }),
            return_reason: c.return_reason.clone(),
            paid_on: c.paid_on,
            amount_paid: c.amount_paid.map(|a| a.0),
            amount_paid_text: c.amount_paid.map(|a| a.to_string()),
            payment_reference: c.payment_reference.clone(),
            submitted_by: c.submitted_by_name.clone(),
            submitted_at: c.submitted_at,
            verified_at: c.verified_at,
            paid_recorded_at: c.paid_recorded_at,
            available_actions: available_claim_actions(status, user.role)
                .into_iter()
                .map(|a| a.as_str())
                .collect(),
        }
    }

    /// A claim with its history (404 outside the caller's scope); the read is logged on the
    /// claim's case.
    pub async fn claim_detail(
        &self,
        user: &CurrentUser,
        id: Uuid,
        via: &str,
    ) -> Result<ClaimDetail> {
        let scope = Self::claim_scope(user)?;
        let claim = db_claims::by_id(&self.pool, &scope, id)
            .await?
            .ok_or(CaseError::NotFound)?;
        let history = db_claims::history(&self.pool, id)
            .await?
            .iter()
            .map(step_view)
            .collect();
        self.log_access(
            user,
            via,
            Access::case(AccessKind::Read, "claim", claim.case_id),
        )
        .await?;
        Ok(ClaimDetail {
            view: Self::claim_view(user, &claim),
            claim,
            history,
        })
    }

    /// The case a claim would be submitted for: visible to the caller, who is its hospital's
    /// PIC, and guaranteed. For the claim form.
    pub async fn claimable_case(&self, user: &CurrentUser, case_id: Uuid) -> Result<CaseRow> {
        if !claim::claim_role_takes(ClaimAction::Submit, user.role) {
            return Err(CaseError::NotYourAction);
        }
        let case = self.visible_case(user, case_id).await?;
        guarantee_terms(&case)?;
        Ok(case)
    }

    /// Whether the caller may submit a claim for `case`, a case they see ([`Self::claimable_case`]).
    pub(super) fn may_claim(user: &CurrentUser, case: &CaseRow) -> bool {
        claim::claim_role_takes(ClaimAction::Submit, user.role) && guarantee_terms(case).is_ok()
    }

    /// The case locked for the transaction, if the caller may see it.
    async fn lock_case(conn: &mut PgConnection, user: &CurrentUser, id: Uuid) -> Result<CaseRow> {
        db_cases::by_id_locked(&mut *conn, id)
            .await?
            .filter(|c| Scope::of(user).contains(c))
            .ok_or(CaseError::NotFound)
    }

    /// The claim document checked ([`CaseService::check_file`]) before any transaction: the
    /// check decodes photos and parses PDFs.
    async fn check_claim_file(
        &self,
        file: Option<&ClaimFile<'_>>,
    ) -> Option<std::result::Result<CheckedUpload, FieldError>> {
        let f = file?;
        if let Some(problem) = file_problem(f.bytes, f.original_name, self.max_upload_bytes) {
            return Some(Err(problem));
        }
        Some(self.check_file(f.bytes).await.map(|checked| CheckedUpload {
            kind: CLAIM_DOCUMENT_KIND.to_string(),
            file: checked,
            original_name: f.original_name.map(clean_file_name),
        }))
    }

    /// The claim fields and file, checked together so every problem is reported at once.
    fn read_claim<'f>(
        &self,
        input: &HashMap<String, String>,
        file: Option<&'f std::result::Result<CheckedUpload, FieldError>>,
        file_required: bool,
    ) -> Result<(ClaimInput, Option<&'f CheckedUpload>)> {
        let parsed = claim::parse_claim(input, self.today());
        let file_error = match file {
            Some(Ok(_)) => None,
            Some(Err(e)) => Some(e.clone()),
            None if file_required => Some(FieldError {
                field: "file",
                message: "Berkas klaim wajib diunggah (PDF, JPEG atau PNG).".into(),
            }),
            None => None,
        };
        match (parsed, file_error) {
            (Ok(input), None) => Ok((input, file.and_then(|f| f.as_ref().ok()))),
            (Ok(_), Some(e)) => Err(CaseError::Invalid(vec![e])),
            (Err(mut errors), e) => {
                errors.extend(e);
                Err(CaseError::Invalid(errors))
            }
        }
    }

    /// Checks a claim against its case: inside the guarantee period, under the ceiling with
    /// the case's other claims, no day of care claimed twice.
    async fn check_against_case(
        conn: &mut PgConnection,
        case: &CaseRow,
        input: &ClaimInput,
        except: Option<Uuid>,
    ) -> Result<Origin> {
        let (terms, origin) = guarantee_terms(case)?;
        let elsewhere = db_claims::claimed_elsewhere(&mut *conn, case.id, except).await?;
        let mut problems = claim::guarantee_problems(input, &terms, elsewhere);
        if let Some(number) = db_claims::overlapping(
            &mut *conn,
            case.id,
            input.care_start,
            input.care_end,
            except,
        )
        .await?
        {
            problems.push(FieldError {
                field: "care_start",
                message: format!(
                    "Masa perawatan bertumpuk dengan klaim {number} untuk kasus ini; satu hari \
                     perawatan hanya boleh diklaim sekali."
                ),
            });
        }
        if problems.is_empty() {
            Ok(origin)
        } else {
            Err(CaseError::Invalid(problems))
        }
    }

    /// Stores the claim document in `conn`'s transaction; the file is removed again if the
    /// transaction does not commit ([`CaseService::forget_claim_file`]).
    async fn put_claim_file(
        &self,
        conn: &mut PgConnection,
        user: &CurrentUser,
        case_id: Uuid,
        file: &CheckedUpload,
    ) -> Result<Uuid> {
        self.put_document(conn, user, case_id, file).await
    }

    async fn forget_claim_file(&self, doc: Option<Uuid>, e: CaseError) -> CaseError {
        if let Some(doc) = doc {
            self.files.delete(doc).await;
        }
        e
    }

    /// Records a claim for a guaranteed case (role `rsud` of the case's hospital): the period
    /// of care, the amount, an optional INA-CBG code and the claim document. Returns the
    /// claim's id.
    pub async fn submit_claim(
        &self,
        user: &CurrentUser,
        case_id: Uuid,
        input: &HashMap<String, String>,
        file: Option<&ClaimFile<'_>>,
    ) -> Result<Uuid> {
        decide_claim(None, ClaimAction::Submit, user.role).map_err(refusal)?;
        let checked = self.check_claim_file(file).await;
        let mut tx = self.pool.begin().await?;
        let case = Self::lock_case(&mut tx, user, case_id).await?;
        guarantee_terms(&case)?;
        let (input, file) = self.read_claim(input, checked.as_ref(), true)?;
        let origin = Self::check_against_case(&mut tx, &case, &input, None).await?;
        let Some(file) = file else {
            return Err(CaseError::field("file", "Berkas klaim wajib diunggah."));
        };
        let document_id = self.put_claim_file(&mut tx, user, case_id, file).await?;
        let id = Uuid::new_v4();
        let written = async {
            let number = db_claims::next_number(&mut *tx, self.today().year()).await?;
            let now = self.clock.now();
            let claim = NewClaim {
                id,
                number: &number,
                case_id,
                hospital_id: case.hospital_id,
                origin: &origin,
                input: &input,
                document_id,
                submitted_by: user.id,
                at: now,
            };
            db_claims::insert(&mut *tx, &claim).await?;
            let step = NewClaimHistory {
                claim_id: id,
                action: ClaimAction::Submit.as_str(),
                from_status: None,
                to_status: ClaimStatus::Submitted,
                from_version: None,
                actor_id: user.id,
                actor_role: user.role,
                at: now,
                reason: None,
                detail: submission_detail(&input, Some(document_id)),
            };
            db_claims::insert_history(&mut *tx, &step).await?;
            audit::record(
                &mut *tx,
                Some(user.id),
                "claim.submit",
                Some(&id.to_string()),
                serde_json::json!({"case": case_id, "number": number}),
            )
            .await?;
            tx.commit().await
        }
        .await;
        match written {
            Ok(()) => {
                tracing::info!(claim_id = %id, case_id = %case_id, "claim submitted");
                Ok(id)
            }
            Err(e) => Err(self.forget_claim_file(Some(document_id), e.into()).await),
        }
    }

    /// The claim locked for the transaction, in the caller's scope, checked in the order
    /// callers are told: the role first (403), then the version (409 "changed by someone
    /// else"), then the claim's status.
    async fn lock_claim(
        conn: &mut PgConnection,
        user: &CurrentUser,
        id: Uuid,
        version: i32,
        action: ClaimAction,
    ) -> Result<ClaimRow> {
        if !claim::claim_role_takes(action, user.role) {
            return Err(CaseError::NotYourAction);
        }
        let scope = Self::claim_scope(user)?;
        if !db_claims::lock(&mut *conn, id).await? {
            return Err(CaseError::NotFound);
        }
        let claim = db_claims::by_id(&mut *conn, &scope, id)
            .await?
            .ok_or(CaseError::NotFound)?;
        if claim.version != version {
            return Err(CaseError::ClaimStale {
                current_version: claim.version,
            });
        }
        decide_claim(Some(claim.status.0), action, user.role).map_err(refusal)?;
        Ok(claim)
    }

    /// Resubmits a returned claim, corrected (role `rsud`); a new document replaces the old
    /// one when sent.
    pub async fn resubmit_claim(
        &self,
        user: &CurrentUser,
        id: Uuid,
        version: i32,
        input: &HashMap<String, String>,
        file: Option<&ClaimFile<'_>>,
    ) -> Result<()> {
        if !claim::claim_role_takes(ClaimAction::Resubmit, user.role) {
            return Err(CaseError::NotYourAction);
        }
        let case_id = db_claims::case_of(&self.pool, id)
            .await?
            .ok_or(CaseError::NotFound)?;
        let checked = self.check_claim_file(file).await;
        let mut tx = self.pool.begin().await?;
        // The case first, as a submission locks it: the overlap check sees every claim.
        let case = Self::lock_case(&mut tx, user, case_id).await?;
        let claim = Self::lock_claim(&mut tx, user, id, version, ClaimAction::Resubmit).await?;
        let (input, file) = self.read_claim(input, checked.as_ref(), false)?;
        let origin = Self::check_against_case(&mut tx, &case, &input, Some(id)).await?;
        let new_doc = match file {
            Some(f) => Some(self.put_claim_file(&mut tx, user, case_id, f).await?),
            None => None,
        };
        let written = async {
            let now = self.clock.now();
            let document_id = new_doc.unwrap_or(claim.document_id);
            if !db_claims::resubmit(&mut *tx, id, version, &origin, &input, document_id, now)
                .await?
            {
                return Ok(false);
            }
            let step = NewClaimHistory {
                claim_id: id,
                action: ClaimAction::Resubmit.as_str(),
                from_status: Some(claim.status.0),
                to_status: ClaimStatus::Submitted,
                from_version: Some(version),
                actor_id: user.id,
                actor_role: user.role,
                at: now,
                reason: None,
                detail: submission_detail(&input, new_doc),
            };
            db_claims::insert_history(&mut *tx, &step).await?;
            audit::record(
                &mut *tx,
                Some(user.id),
                "claim.resubmit",
                Some(&id.to_string()),
                serde_json::json!({"case": case_id, "number": claim.number}),
            )
            .await?;
            tx.commit().await.map(|()| true)
        }
        .await;
        match written {
            Ok(true) => Ok(()),
            Ok(false) => Err(self
                .forget_claim_file(
                    new_doc,
                    CaseError::ClaimStale {
                        current_version: claim.version,
                    },
                )
                .await),
            Err(e) => Err(self.forget_claim_file(new_doc, e.into()).await),
        }
    }

    /// Dinkes prov's steps on a claim: send it back (`reason`), accept it, or record its
    /// payment (`paid_on`, `amount_paid` ≤ the amount claimed, `payment_reference`).
    pub async fn act_on_claim(
        &self,
        user: &CurrentUser,
        id: Uuid,
        version: i32,
        action: ClaimAction,
        input: &HashMap<String, String>,
    ) -> Result<ClaimRow> {
        if matches!(action, ClaimAction::Submit | ClaimAction::Resubmit) {
            return Err(CaseError::NotNow(
                "Pengajuan klaim memakai formulir klaim beserta berkasnya.",
            ));
        }
        let mut tx = self.pool.begin().await?;
        let claim = Self::lock_claim(&mut tx, user, id, version, action).await?;
        let today = self.today();
        let now = self.clock.now();
        let (done, reason, detail) = match action {
            ClaimAction::Return => {
                let reason = claim::parse_return(input, today).map_err(CaseError::Invalid)?;
                let done = db_claims::send_back(&mut *tx, id, version, &reason, now).await?;
                (done, Some(reason), serde_json::json!({}))
            }
            ClaimAction::Accept => {
                let done = db_claims::accept(&mut *tx, id, version, user.id, now).await?;
                (done, None, serde_json::json!({}))
            }
            ClaimAction::Pay => {
                let submitted_on = sla::local_date(claim.submitted_at);
                let payment =
                    claim::parse_payment(input, today, claim.amount_claimed, submitted_on)
                        .map_err(CaseError::Invalid)?;
                // The payer and origin as the case says now, frozen on the paid claim.
                let case = db_cases::by_id(&mut *tx, claim.case_id)
                    .await?
                    .ok_or(CaseError::NotFound)?;
                let (_, origin) = guarantee_terms(&case)?;
                let done =
                    db_claims::pay(&mut *tx, id, version, &origin, &payment, user.id, now).await?;
                let detail = serde_json::json!({
                    "paid_on": payment.paid_on,
                    "amount_paid": payment.amount_paid.0,
                    "payment_reference": payment.payment_reference,
                });
                (done, None, detail)
            }
            ClaimAction::Submit | ClaimAction::Resubmit => unreachable!("refused above"),
        };
        if !done {
            return Err(CaseError::ClaimStale {
                current_version: claim.version,
            });
        }
        let step = NewClaimHistory {
            claim_id: id,
            action: action.as_str(),
            from_status: Some(claim.status.0),
            to_status: action.target(),
            from_version: Some(version),
            actor_id: user.id,
            actor_role: user.role,
            at: now,
            reason: reason.as_deref(),
            detail,
        };
        db_claims::insert_history(&mut *tx, &step).await?;
        audit::record(
            &mut *tx,
            Some(user.id),
            &format!("claim.{}", action.as_str()),
            Some(&id.to_string()),
            serde_json::json!({"case": claim.case_id, "number": claim.number}),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(claim_id = %id, action = action.as_str(), "claim step");
        let scope = Self::claim_scope(user)?;
        db_claims::by_id(&self.pool, &scope, id)
            .await?
            .ok_or(CaseError::NotFound)
    }

    /// The claim document's id, content type and bytes, for a caller who sees the claim and
    /// documents; the download is logged on the case.
    pub async fn read_claim_document(
        &self,
        user: &CurrentUser,
        id: Uuid,
        via: &str,
    ) -> Result<(Uuid, String, Vec<u8>)> {
        let scope = Self::claim_scope(user)?;
        let claim = db_claims::by_id(&self.pool, &scope, id)
            .await?
            .ok_or(CaseError::NotFound)?;
        if !Visibility::of(user.role).documents {
            return Err(CaseError::NotYourAction);
        }
        // Removed with the case's personal data at the end of the retention period.
        if crate::db::retention::document_purged(&self.pool, claim.document_id).await? {
            return Err(CaseError::NotFound);
        }
        let bytes = self.stored_file(claim.document_id).await?;
        let access = Access::case(AccessKind::Download, "claim_document", claim.case_id);
        self.log_access(user, via, access).await?;
        Ok((claim.document_id, claim.document_content_type, bytes))
    }

    /// Realised financing: the claims paid from `from` to `to` (both included) in the
    /// caller's scope, per payer × kab/kota of origin × hospital and per payer. A hospital's
    /// PIC sees its hospital's, `dinkes_kab` its kab/kota's, whatever filter it asks.
    pub async fn realised(
        &self,
        user: &CurrentUser,
        from: NaiveDate,
        to: NaiveDate,
        hospital_id: Option<Uuid>,
        kab_kota_code: Option<String>,
    ) -> Result<Realised> {
        Self::claim_scope(user)?;
        let year_ok = |d: NaiveDate| (MIN_YEAR..=MAX_YEAR).contains(&d.year());
        if !year_ok(from) || !year_ok(to) {
            return Err(CaseError::field(
                "from",
                format!("Periode harus di antara tahun {MIN_YEAR} dan {MAX_YEAR}."),
            ));
        }
        if to < from {
            return Err(CaseError::field(
                "to",
                "Akhir periode tidak boleh sebelum awal periode.",
            ));
        }
        let (hospital_id, kab_kota_code) = match Scope::of(user) {
            Scope::Hospital(h) => (Some(h), kab_kota_code),
            Scope::KabKota(k) => (hospital_id, Some(k)),
            Scope::All => (hospital_id, kab_kota_code),
            Scope::Nothing => return Err(CaseError::NotYourAction),
        };
        let filter = RealisedFilter {
            from,
            to,
            hospital_id,
            kab_kota_code,
        };
        let rows = db_claims::realised(&self.pool, &filter).await?;
        let kab: HashMap<String, String> = db::reference::list_kab_kota(&self.pool)
            .await?
            .into_iter()
            .map(|k| (k.code, k.name))
            .collect();
        let hospitals: HashMap<Uuid, String> = db::reference::list_hospitals(&self.pool)
            .await?
            .into_iter()
            .map(|h| (h.id, h.name))
            .collect();
        let lines: Vec<RealisedLine> = rows
            .iter()
            .map(|r| RealisedLine {
                payer: r.payer.as_str(),
                payer_label: r.payer.label(),
                kab_kota_name: kab.get(&r.kab_kota_code).cloned(),
                kab_kota_code: Some(r.kab_kota_code.clone()),
                hospital_id: Some(r.hospital_id),
                hospital_name: hospitals.get(&r.hospital_id).cloned(),
                claims: r.claims,
                amount_paid: r.amount_paid.0,
                amount_paid_text: r.amount_paid.to_string(),
            })
            .collect();
        let per_payer = Payer::ALL
            .iter()
            .map(|p| {
                let mine = rows.iter().filter(|r| r.payer == *p);
                let claims = mine.clone().map(|r| r.claims).sum();
                let amount = Rupiah(mine.map(|r| r.amount_paid.0).sum());
                RealisedLine {
                    payer: p.as_str(),
                    payer_label: p.label(),
                    kab_kota_code: None,
                    kab_kota_name: None,
                    hospital_id: None,
                    hospital_name: None,
                    claims,
                    amount_paid: amount.0,
                    amount_paid_text: amount.to_string(),
                }
            })
            .collect();
        let total = Rupiah(rows.iter().map(|r| r.amount_paid.0).sum());
        Ok(Realised {
            from,
            to,
            total_claims: rows.iter().map(|r| r.claims).sum(),
            total_paid: total.0,
            total_paid_text: total.to_string(),
            rows: lines,
            per_payer,
        })
    }
}

fn step_view(h: &ClaimHistoryRow) -> ClaimStepView {
    let action = h.action.parse::<ClaimAction>().ok();
    ClaimStepView {
        action: h.action.clone(),
        action_label: action.map_or("—", |a| a.label()),
        from_status: h.from_status.0.map(|s| s.as_str()),
        to_status: h.to_status.0.as_str(),
        to_status_label: h.to_status.0.label(),
        from_version: h.from_version,
        actor_name: h.actor_name.clone(),
        actor_role: h.actor_role.0.as_str(),
        actor_role_label: h.actor_role.0.label(),
        at: h.at,
        reason: h.reason.clone(),
        detail: h.detail.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_refuses_junk() {
        let c = ClaimCursor {
            submitted_at: DateTime::from_timestamp_micros(1_796_000_000_123_456).expect("a time"),
            id: Uuid::new_v4(),
        };
        assert_eq!(ClaimCursor::decode(&c.encode()), Some(c));
        assert_eq!(ClaimCursor::decode("bukan-kursor"), None);
        assert_eq!(ClaimCursor::decode(""), None);
        assert_eq!(ClaimCursor::decode("\u{0}"), None);
    }
}
