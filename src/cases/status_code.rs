//! Family status codes (issue 12): the hospital's PIC issues a random code for a case
//! ([`CaseService::issue_status_code`], shown once on the printable slip; only its SHA-256 is
//! stored), revokes it ([`CaseService::revoke_status_code`]), and anyone holding it learns on
//! the public page where the case is now ([`CaseService::look_up_status`]). Every lookup is
//! counted per day and outcome, and nothing else about it is kept.
//!
//! Reprinting a slip means issuing a new code: the old one stops working at once. The code is
//! never stored in clear, so it cannot be shown again.

use chrono::{DateTime, NaiveDate, Utc};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::service::Result;
use super::{CaseError, CaseService};
use crate::auth::CurrentUser;
use crate::db;
use crate::db::status_codes::{ActiveCode, DayCounts};
use crate::domain::family_status::{
    CODE_LENGTH, FamilyCode, FamilyCodeError, FamilyStep, family_step,
};
use crate::domain::{Role, sla};

/// A code just issued: the only moment the code itself exists outside the family's slip.
#[derive(Debug, Clone)]
pub struct IssuedCode {
    pub code: FamilyCode,
    pub issued_at: DateTime<Utc>,
    /// The hospital that gives the slip (an institution, not personal data).
    pub hospital_name: String,
    pub case_id: Uuid,
}

/// What the status page may say about a code that was found and is in force.
#[derive(Debug, Clone)]
pub struct FamilyStatus {
    pub step: FamilyStep,
    /// The day (WITA) the case entered its current state.
    pub since: NaiveDate,
}

/// How a lookup ended, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupOutcome {
    Found,
    /// No code has this value (a malformed one included).
    Unknown,
    /// The code was revoked or replaced.
    Revoked,
    /// Refused by the per-address limit before it was looked up.
    Throttled,
}

impl LookupOutcome {
    /// The stored outcome.
    pub fn as_str(self) -> &'static str {
        match self {
            LookupOutcome::Found => "found",
            LookupOutcome::Unknown => "unknown",
            LookupOutcome::Revoked => "revoked",
            LookupOutcome::Throttled => "throttled",
        }
    }
}

/// The answer of a lookup, for the page. Unknown and revoked codes get the same answer
/// ([`Lookup::NotValid`]): the page does not tell whether a code ever existed.
#[derive(Debug, Clone)]
pub enum Lookup {
    Found(FamilyStatus),
    NotValid,
    /// What was typed cannot be a code; the field says why.
    Malformed(FamilyCodeError),
}

/// The stored form of a code: SHA-256 of its twelve symbols.
fn code_hash(code: &FamilyCode) -> Vec<u8> {
    Sha256::digest(code.hash_input()).to_vec()
}

/// A new code from the operating system's random source.
fn new_code() -> FamilyCode {
    let mut bytes = [0u8; CODE_LENGTH];
    OsRng.fill_bytes(&mut bytes);
    FamilyCode::from_random(bytes)
}

const CHANGED: &str = "Kode status kasus ini sudah diganti atau dicabut (mungkin di tab atau oleh \
                       petugas lain). Lihat keadaan terbaru di halaman kasus.";

impl CaseService {
    /// A case of the caller's hospital, for the status-code actions: other roles may not,
    /// other hospitals' cases are not found.
    async fn own_hospital_case(
        &self,
        user: &CurrentUser,
        id: Uuid,
    ) -> Result<crate::db::cases::CaseRow> {
        let case = self.visible_case(user, id).await?;
        if user.role != Role::Rsud {
            return Err(CaseError::NotYourAction);
        }
        Ok(case)
    }

    /// The code in force of a case, for its hospital's PIC (`None` for every other role).
    pub async fn status_code_of(
        &self,
        user: &CurrentUser,
        case: &crate::db::cases::CaseRow,
    ) -> Result<Option<ActiveCode>> {
        if user.role != Role::Rsud || !super::Scope::of(user).contains(case) {
            return Ok(None);
        }
        Ok(db::status_codes::active_for_case(&self.pool, case.id).await?)
    }

    /// Issues a new code for a case of the caller's hospital, revoking the one in force.
    /// `seen` is the code in force when the page was shown (`None`: none); if it changed
    /// since, nothing is done ([`CaseError::Conflict`]) — a reload or a second tab does not
    /// silently replace the code a family was just given. Only open cases get a new code.
    pub async fn issue_status_code(
        &self,
        user: &CurrentUser,
        id: Uuid,
        seen: Option<Uuid>,
    ) -> Result<IssuedCode> {
        let case = self.own_hospital_case(user, id).await?;
        let now = self.clock.now();
        let mut tx = self.pool.begin().await?;
        let state = db::cases::by_id_locked(&mut *tx, id)
            .await?
            .ok_or(CaseError::NotFound)?
            .state
            .0;
        if state.is_terminal() {
            return Err(CaseError::NotNow(
                "Kasus ini sudah selesai; kode status baru tidak dapat dibuat. Kode yang masih \
                 berlaku tetap menunjukkan hasil akhirnya.",
            ));
        }
        let active = db::status_codes::lock_active(&mut *tx, id).await?;
        if active != seen {
            return Err(CaseError::Conflict(CHANGED.into()));
        }
        if let Some(old) = active {
            db::status_codes::revoke(&mut *tx, old, user.id, now).await?;
        }
        let code = new_code();
        let code_id =
            db::status_codes::insert(&mut *tx, id, &code_hash(&code), user.id, now).await?;
        let detail = serde_json::json!({"case_id": id, "code_id": code_id, "replaced": active});
        db::audit::record(
            &mut *tx,
            Some(user.id),
            "case.status_code_issued",
            Some(&id.to_string()),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedCode {
            code,
            issued_at: now,
            hospital_name: case.hospital_name,
            case_id: id,
        })
    }

    /// Revokes the code in force of a case of the caller's hospital, if it is still `seen`.
    pub async fn revoke_status_code(&self, user: &CurrentUser, id: Uuid, seen: Uuid) -> Result<()> {
        self.own_hospital_case(user, id).await?;
        let now = self.clock.now();
        let mut tx = self.pool.begin().await?;
        db::cases::lock(&mut *tx, id).await?;
        if db::status_codes::lock_active(&mut *tx, id).await? != Some(seen) {
            return Err(CaseError::Conflict(CHANGED.into()));
        }
        db::status_codes::revoke(&mut *tx, seen, user.id, now).await?;
        let detail = serde_json::json!({"case_id": id, "code_id": seen});
        db::audit::record(
            &mut *tx,
            Some(user.id),
            "case.status_code_revoked",
            Some(&id.to_string()),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Looks up a code typed on the public page and counts the lookup. Whatever was typed
    /// (a NUL byte, 100 KB, an emoji) ends as a field message or an answer.
    pub async fn look_up_status(&self, typed: &str) -> Result<Lookup> {
        let (answer, outcome) = match FamilyCode::parse(typed) {
            Err(e) => (Lookup::Malformed(e), LookupOutcome::Unknown),
            Ok(code) => match db::status_codes::by_hash(&self.pool, &code_hash(&code)).await? {
                None => (Lookup::NotValid, LookupOutcome::Unknown),
                Some(t) if t.revoked => (Lookup::NotValid, LookupOutcome::Revoked),
                Some(t) => {
                    let status = FamilyStatus {
                        step: family_step(t.state.0),
                        since: sla::local_date(t.state_entered_at),
                    };
                    (Lookup::Found(status), LookupOutcome::Found)
                }
            },
        };
        self.count_lookup(outcome).await?;
        Ok(answer)
    }

    /// Adds one lookup with `outcome` to today's counts (WITA, the application's clock).
    pub async fn count_lookup(&self, outcome: LookupOutcome) -> Result<()> {
        let today = self.today();
        db::status_codes::count_lookup(&self.pool, today, outcome.as_str()).await?;
        Ok(())
    }

    /// The lookup counts of the last `days` days up to today, newest first (days without a
    /// lookup left out).
    pub async fn status_lookup_counts(&self, days: i64) -> Result<Vec<DayCounts>> {
        let to = self.today();
        let from = to - chrono::Duration::days(days - 1);
        Ok(db::status_codes::counts(&self.pool, from, to).await?)
    }
}
