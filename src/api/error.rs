//! The API's error body and how the case service's [`CaseError`] maps to it, in one place:
//! `{"error": code, "message": text, "fields": [{"field", "message"}], "request_id"}`, plus
//! `current_version` when someone else changed the case first. An internal error caused by the
//! database being out of reach ([`crate::db::is_unavailable`]) is answered 503
//! `database_unavailable` with `Retry-After` instead of 500 `internal`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::cases::CaseError;
use crate::domain::action::FieldError;
use crate::http::{
    DATABASE_UNAVAILABLE_MESSAGE, DATABASE_UNAVAILABLE_RETRY_AFTER_SECS, request_id,
};

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Vec<FieldError>,
    current_version: Option<i32>,
    /// Seconds to wait, sent as `Retry-After` (a throttled client).
    retry_after: Option<u64>,
    /// The cause of an internal error, logged and never shown.
    cause: Option<anyhow::Error>,
    /// The cause of a 503 (database out of reach), logged as a warning and never shown.
    unavailable: Option<anyhow::Error>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: vec![],
            current_version: None,
            retry_after: None,
            cause: None,
            unavailable: None,
        }
    }

    /// Too many invalid tokens from this client address lately: 429 with `Retry-After`.
    pub fn too_many_token_failures(retry_after_secs: u64) -> ApiError {
        let seconds = retry_after_secs.max(1);
        ApiError {
            retry_after: Some(seconds),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!(
                    "Terlalu banyak token API yang tidak berlaku dari alamat ini. Coba lagi \
                     dalam {seconds} detik, dengan token yang benar."
                ),
            )
        }
    }

    /// No valid token.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Token API tidak ada atau tidak berlaku.",
        )
    }

    /// The token is past its expiry date (a new one is made on `/token-api`).
    pub fn token_expired(expired: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "token_expired",
            format!(
                "Token API ini sudah kedaluwarsa sejak {expired}. Buat token baru di halaman \
                 Token API (/token-api) lalu ganti token di sistem Anda."
            ),
        )
    }

    /// The role may not use this endpoint.
    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Anda tidak berwenang melakukan tindakan ini.",
        )
    }

    /// Nothing here.
    pub fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Data yang dicari tidak ditemukan.",
        )
    }

    /// A request the client can fix; the message says how.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// Field errors.
    pub fn validation(fields: Vec<FieldError>) -> ApiError {
        let message = fields
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        ApiError {
            fields,
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", message)
        }
    }

    /// An `Idempotency-Key` header that is not 1 to 64 visible ASCII characters.
    pub fn bad_idempotency_key() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_idempotency_key",
            "Header Idempotency-Key tidak valid: isi dengan UUID atau token 1–64 karakter ASCII \
             yang terlihat (tanpa spasi), satu kunci baru untuk setiap permintaan baru.",
        )
    }

    /// The `Idempotency-Key` was already used by this user for a different request.
    pub fn idempotency_key_reused() -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Header Idempotency-Key ini sudah Anda pakai untuk permintaan lain (alamat atau isi \
             berbeda). Satu kunci hanya untuk satu permintaan: ulangi permintaan yang sama \
             persis, atau buat kunci baru.",
        )
    }

    /// Anything unexpected: logged with its cause chain, answered with a generic message. When
    /// the cause is the database being out of reach, 503 `database_unavailable` with
    /// `Retry-After` instead (the client may retry; its request may or may not have been done).
    pub fn internal(cause: anyhow::Error) -> ApiError {
        if crate::db::chain_is_unavailable(&cause) {
            return ApiError {
                retry_after: Some(DATABASE_UNAVAILABLE_RETRY_AFTER_SECS),
                unavailable: Some(cause),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    DATABASE_UNAVAILABLE_MESSAGE,
                )
            };
        }
        ApiError {
            cause: Some(cause),
            ..ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Terjadi kesalahan pada sistem. Silakan coba lagi; bila berulang, laporkan \
                 request_id kepada admin.",
            )
        }
    }
}

impl From<CaseError> for ApiError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::NotFound => ApiError::not_found(),
            CaseError::NotYourAction => ApiError::forbidden(),
            CaseError::Invalid(fields) => ApiError::validation(fields),
            CaseError::Internal(cause) => ApiError::internal(cause),
            CaseError::StoredFile(damaged) => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "stored_file",
                damaged.to_string(),
            ),
            CaseError::Stale { current_version } | CaseError::ClaimStale { current_version } => {
                ApiError {
                    current_version: Some(current_version),
                    ..ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string())
                }
            }
            CaseError::KeyReused => ApiError::idempotency_key_reused(),
            CaseError::Refused(_)
            | CaseError::NotNow(_)
            | CaseError::DuplicateOpenCase { .. }
            | CaseError::IntakeKeyReused
            | CaseError::Conflict(_) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string())
            }
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::internal(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            tracing::error!(request_id = %request_id(), error = ?cause, "internal error");
        }
        if let Some(cause) = &self.unavailable {
            tracing::warn!(request_id = %request_id(), error = %format!("{cause:#}"), "database unavailable");
        }
        let fields: Vec<serde_json::Value> = self
            .fields
            .iter()
            .map(|f| serde_json::json!({"field": f.field, "message": f.message}))
            .collect();
        let mut body = serde_json::json!({
            "error": self.code,
            "message": self.message,
            "fields": fields,
            "request_id": request_id(),
        });
        if let Some(v) = self.current_version {
            body["current_version"] = v.into();
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
