//! What the case service can refuse, as a type. The adapters above this layer (pages in
//! `web/error.rs`, the API in `api/error.rs`) each turn a [`CaseError`] into a response in one
//! place; no caller decides anything by reading a message.

use crate::domain::Refusal;
use crate::domain::action::FieldError;

/// Everything a case operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// No such case, or one outside the caller's scope (the two are not told apart).
    #[error("Kasus atau dokumen tidak ditemukan.")]
    NotFound,
    /// The caller's role does not take this action (or may not see this part of the case).
    #[error("Tindakan ini bukan wewenang peran Anda.")]
    NotYourAction,
    /// Someone else changed the case since the caller read it.
    #[error(
        "Kasus ini sudah diubah oleh orang lain; muat ulang halaman untuk melihat data terbaru."
    )]
    Stale {
        /// The version the case has now.
        current_version: i32,
    },
    /// Someone else changed the claim since the caller read it.
    #[error(
        "Klaim ini sudah diubah oleh orang lain; muat ulang halaman untuk melihat data terbaru."
    )]
    ClaimStale {
        /// The version the claim has now.
        current_version: i32,
    },
    /// The action does not apply to the case as it is now (terminal state, wrong state, or a
    /// business condition of the domain).
    #[error("{0}")]
    Refused(Refusal),
    /// The operation does not apply in the case's state (edit or upload outside the hospital's
    /// turn).
    #[error("{0}")]
    NotNow(&'static str),
    /// The NIK already has an open case, held by `hospital`.
    #[error(
        "NIK ini sudah memiliki kasus terbuka ({case_number}) di {hospital}. Hubungi PIC rumah \
         sakit tersebut; satu NIK hanya boleh memiliki satu kasus terbuka."
    )]
    DuplicateOpenCase {
        /// The hospital holding the open case.
        hospital: String,
        /// Its case number.
        case_number: String,
    },
    /// An idempotency key used by another hospital's intake.
    #[error(
        "idempotency_key ini sudah dipakai untuk kasus lain; buat kunci baru untuk pasien ini."
    )]
    IntakeKeyReused,
    /// An idempotency key (the API's `Idempotency-Key` header, a page form's nonce) already used
    /// by this user for a different request.
    #[error(
        "Kunci idempotensi ini sudah dipakai untuk permintaan lain dengan isi berbeda; kirim \
         permintaan baru dengan kunci baru (atau muat ulang halaman)."
    )]
    KeyReused,
    /// The operation conflicts with how things are now (a closed batch, a case already in
    /// another batch); the message, for the user, names what.
    #[error("{0}")]
    Conflict(String),
    /// Field errors, each naming its field.
    #[error("{}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" "))]
    Invalid(Vec<FieldError>),
    /// A document's stored file is missing or fails its checksum: nothing the user can fix,
    /// and never served (the message says to tell the admin).
    #[error("{0}")]
    StoredFile(crate::storage::ReadError),
    /// Anything unexpected (database, file store).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::storage::ReadError> for CaseError {
    fn from(e: crate::storage::ReadError) -> Self {
        match e {
            crate::storage::ReadError::Unavailable(cause) => CaseError::Internal(cause),
            damaged => CaseError::StoredFile(damaged),
        }
    }
}

impl From<sqlx::Error> for CaseError {
    fn from(e: sqlx::Error) -> Self {
        CaseError::Internal(e.into())
    }
}

impl From<Refusal> for CaseError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::NotYourAction => CaseError::NotYourAction,
            Refusal::OutOfScope => CaseError::NotYourAction,
            other => CaseError::Refused(other),
        }
    }
}

impl CaseError {
    /// One field error.
    pub fn field(field: &'static str, message: impl Into<String>) -> CaseError {
        CaseError::Invalid(vec![FieldError {
            field,
            message: message.into(),
        }])
    }
}
