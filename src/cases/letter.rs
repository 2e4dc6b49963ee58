//! The guarantee letter (Surat Jaminan Sementara) of a case: issued in the approving
//! transaction ([`issue`]: the next number of the year's sequence and a random verification
//! token), read for the printable letter ([`CaseService::letter`]), and verified by anyone
//! holding the token ([`CaseService::verify_letter`], the public page behind the QR code),
//! which learns only the number, the validity, the period and the hospital.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::service::{CaseDetail, Result};
use super::{CaseError, CaseService};
use crate::auth::{self, CurrentUser};
use crate::db::letters::{self, NewLetter};
use crate::domain::guarantee::{GuaranteePeriod, LetterStatus, letter_number};
use crate::domain::sla;

/// Issues the letter of `case_id`, approved at `now`: takes the next number of the year of the
/// approval date (WITA), stores the letter with a new verification token, and returns the
/// number. Runs inside the approving transaction, which holds the year's counter until it ends.
pub(super) async fn issue(
    conn: &mut PgConnection,
    case_id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<String> {
    let approved_on = sla::local_date(now);
    let year = approved_on.year();
    let sequence = letters::next_sequence(&mut *conn, year).await?;
    // 256 random bits, URL-safe; the stored hash is what the verification page looks up.
    let token = auth::random_secret();
    let token_hash = auth::token_hash(&token);
    let letter = NewLetter {
        case_id,
        year,
        sequence,
        approved_at: now,
        token: &token,
        token_hash: &token_hash,
    };
    letters::insert(conn, &letter).await?;
    Ok(letter_number(sequence, approved_on))
}

/// Everything the printable letter shows: the case as the caller may see it, and the letter's
/// own facts.
pub struct Letter {
    pub detail: CaseDetail,
    /// When Dinkes approved the guarantee.
    pub approved_at: DateTime<Utc>,
    /// The approval date (WITA): the letter's date.
    pub approved_on: NaiveDate,
    /// The covered period; `None` only for a stored period that is reversed (written before
    /// the rule was enforced), which the letter then does not state.
    pub period: Option<GuaranteePeriod>,
    /// Whether the letter holds today.
    pub status: LetterStatus,
    /// The token of the verification page (the QR code's link).
    pub token: String,
}

/// What the public verification page shows of a letter: no name, NIK, address or diagnosis.
#[derive(Debug, Clone)]
pub struct Verification {
    pub letter_number: String,
    /// The hospital the guarantee is addressed to (an institution, not personal data): a real
    /// letter presented at another hospital is the misuse a cashier must be able to see.
    pub hospital_name: String,
    pub status: LetterStatus,
    pub approved_on: NaiveDate,
    pub period: Option<GuaranteePeriod>,
    /// The day the case was closed, when the letter was cancelled by it.
    pub cancelled_on: Option<NaiveDate>,
}

impl CaseService {
    /// The letter of a case the caller may see (the read is logged like the case page's);
    /// refused while the case has no approved guarantee.
    pub async fn letter(&self, user: &CurrentUser, id: Uuid, via: &str) -> Result<Letter> {
        let detail = self.detail(user, id, via).await?;
        let not_yet = || {
            CaseError::NotNow(
                "Surat jaminan hanya tersedia untuk kasus yang jaminannya sudah disetujui.",
            )
        };
        let start = detail.case.guarantee_start.ok_or_else(not_yet)?;
        detail
            .case
            .guarantee_letter_number
            .as_ref()
            .ok_or_else(not_yet)?;
        let row = letters::for_case(&self.pool, id)
            .await?
            .ok_or_else(not_yet)?;
        let end = detail.case.guarantee_end;
        Ok(Letter {
            approved_at: row.approved_at,
            approved_on: sla::local_date(row.approved_at),
            period: GuaranteePeriod::new(start, end).ok(),
            status: LetterStatus::of(detail.case.state.0, Some(start), end, self.today()),
            token: row.token,
            detail,
        })
    }

    /// The letter behind a verification token, as anyone may see it; `None` for a token no
    /// letter has. Whatever `token` holds (a NUL byte, tens of kilobytes, an emoji), it is
    /// hashed and looked up the same way: no answer comes sooner for a malformed token.
    pub async fn verify_letter(&self, token: &str) -> Result<Option<Verification>> {
        let hash = auth::token_hash(token);
        let Some(l) = letters::by_token_hash(&self.pool, &hash).await? else {
            return Ok(None);
        };
        let state = l.state.0;
        let status = LetterStatus::of(state, l.guarantee_start, l.guarantee_end, self.today());
        Ok(Some(Verification {
            letter_number: l.letter_number,
            hospital_name: l.hospital_name,
            status,
            approved_on: sla::local_date(l.approved_at),
            period: l
                .guarantee_start
                .and_then(|s| GuaranteePeriod::new(s, l.guarantee_end).ok()),
            cancelled_on: l
                .closed_at
                .filter(|_| status == LetterStatus::Cancelled)
                .map(sla::local_date),
        }))
    }
}
