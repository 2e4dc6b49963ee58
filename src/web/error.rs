//! The error type of the pages and how it renders as an HTML page. The case service's
//! [`CaseError`] becomes an [`AppError`] here, in one place (`From`); handlers that re-render a
//! form match on the `CaseError` variants themselves before that.
//!
//! Use [`AppError`] from page handlers; let everything unexpected become [`AppError::Internal`]
//! through `?` (the cause chain is logged, the user sees a generic message and the request id).
//! An internal error caused by the database being out of reach ([`crate::db::is_unavailable`],
//! or a failure of the session store, whose only backend is the database) is answered as
//! [`AppError::Unavailable`] instead: 503 with `Retry-After`, whichever way it came.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::cases::CaseError;
use crate::domain::action::FieldError;
use crate::http::{
    DATABASE_UNAVAILABLE_MESSAGE, DATABASE_UNAVAILABLE_RETRY_AFTER_SECS, request_id,
};

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in: the browser is sent to the sign-in page.
    #[error("not signed in")]
    Unauthorized,
    /// Signed in, but this role (or scope) may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Nothing here, or nothing the caller may know about.
    #[error("not found")]
    NotFound,
    /// The request conflicts with the current state (stale version, illegal transition,
    /// duplicate); the message is for the user.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Field errors; the message of each names the field.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// A bad request the user can fix (malformed form, upload refused); the message is for the
    /// user.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Too many password attempts (per account name or per client address): 429 with
    /// `Retry-After`.
    #[error("too many attempts, retry after {retry_after_secs}s")]
    TooManyRequests { retry_after_secs: u64 },
    /// Too many status-code lookups from one client address (the public status page): 429
    /// with `Retry-After`.
    #[error("too many status lookups, retry after {retry_after_secs}s")]
    TooManyLookups { retry_after_secs: u64 },
    /// The database cannot be reached now (down, restarting, every connection busy): 503 with
    /// `Retry-After`. Made from an [`AppError::Internal`] when the response is rendered.
    #[error("database unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    /// A stored file is missing or damaged (fails its checksum); the message is for the user.
    #[error("stored file: {0}")]
    StoredFile(String),
    /// Anything unexpected.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<CaseError> for AppError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::NotFound => AppError::NotFound,
            CaseError::NotYourAction => AppError::Forbidden,
            CaseError::Invalid(errors) => AppError::Validation(errors),
            CaseError::Internal(e) => AppError::Internal(e),
            CaseError::StoredFile(e) => AppError::StoredFile(e.to_string()),
            conflict @ (CaseError::Stale { .. }
            | CaseError::ClaimStale { .. }
            | CaseError::Refused(_)
            | CaseError::NotNow(_)
            | CaseError::DuplicateOpenCase { .. }
            | CaseError::IntakeKeyReused
            | CaseError::KeyReused
            | CaseError::Conflict(_)) => AppError::Conflict(conflict.to_string()),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            other => AppError::Internal(other.into()),
        }
    }
}

/// Whether `err` comes from the database being out of reach: a [`sqlx::Error`] in its chain
/// that [`crate::db::is_unavailable`], or a failure of the session store's backend. The store
/// (`tower-sessions-sqlx-store`) hands on only the text of its `sqlx::Error`; its one backend is
/// the database, so a backend failure is database trouble.
pub fn database_unavailable(err: &anyhow::Error) -> bool {
    crate::db::chain_is_unavailable(err)
        || err.chain().any(|cause| {
            matches!(
                cause.downcast_ref::<tower_sessions::session::Error>(),
                Some(tower_sessions::session::Error::Store(
                    tower_sessions::session_store::Error::Backend(_)
                ))
            )
        })
}

impl AppError {
    /// This error, with an internal error caused by the database being out of reach turned
    /// into [`AppError::Unavailable`] (the one place that decides, for the pages).
    pub fn classified(self) -> AppError {
        match self {
            AppError::Internal(e) if database_unavailable(&e) => AppError::Unavailable(e),
            other => other,
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests { .. } | AppError::TooManyLookups { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::StoredFile(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the user reads, in Bahasa Indonesia.
    pub fn user_message(&self) -> String {
        match self {
            AppError::Unauthorized => "Silakan masuk terlebih dahulu.".into(),
            AppError::Forbidden => {
                "Anda tidak berwenang membuka halaman ini atau melakukan tindakan ini.".into()
            }
            AppError::NotFound => "Halaman atau data yang dicari tidak ditemukan.".into(),
            AppError::Conflict(m) | AppError::BadRequest(m) | AppError::StoredFile(m) => m.clone(),
            AppError::Validation(errors) => errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join(" "),
            AppError::TooManyRequests { retry_after_secs } => format!(
                "Terlalu banyak percobaan masuk. Coba lagi dalam {} menit.",
                retry_after_secs.div_ceil(60).max(1)
            ),
            AppError::TooManyLookups { retry_after_secs } => format!(
                "Terlalu banyak pemeriksaan kode status dari jaringan Anda. Tunggu {} menit, \
                 lalu coba lagi.",
                retry_after_secs.div_ceil(60).max(1)
            ),
            AppError::Unavailable(_) => DATABASE_UNAVAILABLE_MESSAGE.into(),
            AppError::Internal(_) => {
                "Terjadi kesalahan pada sistem. Silakan coba lagi; bila berulang, laporkan kode \
                 permintaan di bawah ini kepada admin."
                    .into()
            }
        }
    }

    fn title(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "Belum masuk",
            AppError::Forbidden => "Akses ditolak",
            AppError::NotFound => "Tidak ditemukan",
            AppError::Conflict(_) => "Tidak dapat diproses",
            AppError::Validation(_) | AppError::BadRequest(_) => "Isian belum benar",
            AppError::TooManyRequests { .. } | AppError::TooManyLookups { .. } => {
                "Terlalu banyak percobaan"
            }
            AppError::Unavailable(_) => "Layanan sementara tidak tersedia",
            AppError::StoredFile(_) => "Berkas tidak dapat ditampilkan",
            AppError::Internal(_) => "Kesalahan sistem",
        }
    }

    /// Logs an internal error with its cause chain, and database trouble as a warning (nothing
    /// else is worth a log line).
    pub fn log(&self) {
        match self {
            AppError::Internal(e) => {
                tracing::error!(request_id = %request_id(), error = ?e, "internal error");
            }
            AppError::Unavailable(e) => {
                tracing::warn!(request_id = %request_id(), error = %format!("{e:#}"), "database unavailable");
            }
            _ => {}
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
    request_id: &'a str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let error = self.classified();
        error.log();
        if matches!(error, AppError::Unauthorized) {
            return Redirect::to("/masuk").into_response();
        }
        let status = error.status();
        let id = request_id();
        let page = ErrorPage {
            status: status.as_u16(),
            title: error.title(),
            message: &error.user_message(),
            request_id: &id,
        };
        let mut response = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, error.user_message()).into_response(),
        };
        let retry_after = match error {
            AppError::TooManyRequests { retry_after_secs }
            | AppError::TooManyLookups { retry_after_secs } => Some(retry_after_secs),
            AppError::Unavailable(_) => Some(DATABASE_UNAVAILABLE_RETRY_AFTER_SECS),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
