//! Guarantee letters (Surat Jaminan Sementara): the yearly counter their numbers come from, the
//! letter of a case (when it was approved, its verification token), and the one lookup of the
//! public verification page. The number itself is stored on the case
//! (`cases.guarantee_letter_number`, see `db::cases::RowFacts::Guarantee`).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::cases::Code;
use crate::domain::CaseState;

/// Takes the next number of `year`'s sequence (1 for the year's first letter). The upsert
/// locks the year's counter row until the caller's transaction ends, so concurrent approvals
/// queue here and each gets its own number; a rolled-back approval gives its number back.
pub async fn next_sequence(db: impl PgExecutor<'_>, year: i32) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        "INSERT INTO guarantee_letter_counters (year, last_number) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last_number = guarantee_letter_counters.last_number + 1 \
         RETURNING last_number",
        year
    )
    .fetch_one(db)
    .await
}

/// A letter to store at approval.
#[derive(Debug, Clone, Copy)]
pub struct NewLetter<'a> {
    pub case_id: Uuid,
    /// The sequence's year and the number taken from it.
    pub year: i32,
    pub sequence: i32,
    pub approved_at: DateTime<Utc>,
    /// The verification token and its SHA-256.
    pub token: &'a str,
    pub token_hash: &'a [u8],
}

/// Stores the letter of a case.
pub async fn insert(db: impl PgExecutor<'_>, letter: &NewLetter<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO guarantee_letters (case_id, year, sequence, approved_at, token, token_hash) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        letter.case_id,
        letter.year,
        letter.sequence,
        letter.approved_at as _,
        letter.token,
        letter.token_hash
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What the letter page needs beyond the case: when the guarantee was approved, and the token
/// its QR code links to.
#[derive(Debug, Clone)]
pub struct LetterRow {
    pub approved_at: DateTime<Utc>,
    pub token: String,
}

/// The letter of a case, if one was issued.
pub async fn for_case(db: impl PgExecutor<'_>, case_id: Uuid) -> sqlx::Result<Option<LetterRow>> {
    sqlx::query_as!(
        LetterRow,
        r#"SELECT approved_at AS "approved_at: _", token FROM guarantee_letters
           WHERE case_id = $1"#,
        case_id
    )
    .fetch_optional(db)
    .await
}

/// What the public verification page may show of a letter: nothing about the patient.
#[derive(Debug, Clone)]
pub struct VerifiedLetter {
    pub letter_number: String,
    pub state: Code<CaseState>,
    pub hospital_name: String,
    pub guarantee_start: Option<NaiveDate>,
    pub guarantee_end: Option<NaiveDate>,
    pub approved_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct VerifiedRecord {
    letter_number: String,
    state: String,
    hospital_name: String,
    guarantee_start: Option<NaiveDate>,
    guarantee_end: Option<NaiveDate>,
    approved_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
}

/// The letter whose token hashes to `token_hash` (one probe of a unique index, whatever was
/// asked for).
pub async fn by_token_hash(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> sqlx::Result<Option<VerifiedLetter>> {
    let record = sqlx::query_as!(
        VerifiedRecord,
        r#"SELECT c.guarantee_letter_number AS "letter_number!", c.state::text AS "state!",
                  h.name AS hospital_name, c.guarantee_start AS "guarantee_start: _",
                  c.guarantee_end AS "guarantee_end: _", l.approved_at AS "approved_at: _",
                  c.closed_at AS "closed_at: _"
             FROM guarantee_letters l
             JOIN cases c ON c.id = l.case_id
             JOIN hospitals h ON h.id = c.hospital_id
            WHERE l.token_hash = $1 AND c.guarantee_letter_number IS NOT NULL"#,
        token_hash
    )
    .fetch_optional(db)
    .await?;
    record
        .map(|r| {
            Ok(VerifiedLetter {
                state: Code::try_from(r.state).map_err(|e| sqlx::Error::Decode(e.into()))?,
                letter_number: r.letter_number,
                hospital_name: r.hospital_name,
                guarantee_start: r.guarantee_start,
                guarantee_end: r.guarantee_end,
                approved_at: r.approved_at,
                closed_at: r.closed_at,
            })
        })
        .transpose()
}
