//! What both HTTP adapters (pages in `web`, JSON in `api`) share, below both of them: the
//! application state handlers receive, the request id, keyset cursors, document responses,
//! exports (CSV/XLSX downloads, [`export`]; the decree annex's workbook response in [`xlsx`]),
//! response compression ([`compression`]), multipart reading and the signed-in-user extractor. Nothing here renders an error page or a
//! JSON error; each adapter does that itself.

pub mod client;
pub mod compression;
pub mod export;
pub mod multipart;
pub mod xlsx;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::cases::CaseService;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::cases::NO_DUE_DATE;

/// Shared state of every handler, pages and API alike. Holds no per-user or per-request data,
/// so any number of instances can serve the same database.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    /// The case service (database, document store, clock).
    pub cases: CaseService,
}

tokio::task_local! {
    /// The id of the request being served, for error pages and logs.
    pub static REQUEST_ID: String;
}

/// The current request id, or "-" outside a request.
pub fn request_id() -> String {
    REQUEST_ID
        .try_with(|id| id.clone())
        .unwrap_or_else(|_| "-".into())
}

/// What a user reads while the database is out of reach (the pages' 503 page and the API's
/// `database_unavailable`). A form sent just then may or may not have been saved: the user is
/// asked to look before sending it again.
pub const DATABASE_UNAVAILABLE_MESSAGE: &str = "Layanan sedang tidak dapat menjangkau basis \
     data. Coba lagi sebentar lagi. Bila Anda baru saja mengirim isian, periksa dulu apakah \
     sudah tersimpan sebelum mengirim ulang.";

/// Seconds a client is asked to wait (`Retry-After`) while the database is out of reach.
pub const DATABASE_UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

/// The path of a guarantee letter's public verification page, before the letter's token.
pub const LETTER_VERIFICATION_PATH: &str = "/verifikasi/surat/";

/// The address a guarantee letter's QR code carries — its public verification page under the
/// service's public address (`MERAJUT_PUBLIC_URL`, no trailing slash) — for the letter page and
/// the API alike.
pub fn letter_verification_link(public_url: &str, token: &str) -> String {
    format!("{public_url}{LETTER_VERIFICATION_PATH}{token}")
}

/// Encodes a keyset cursor (due date, id) for the next page of a list.
pub fn encode_cursor(due: Option<NaiveDate>, id: Uuid) -> String {
    let due = due.unwrap_or(NO_DUE_DATE);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{due}|{id}"))
}

/// Decodes a keyset cursor; `None` for anything [`encode_cursor`] did not make.
pub fn decode_cursor(s: &str) -> Option<(NaiveDate, Uuid)> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (d, id) = raw.split_once('|')?;
    Some((d.parse().ok()?, id.parse().ok()?))
}

/// A document download: always an attachment (never shown in the page, a PDF included) under
/// a generated name, the type fixed from the stored type, never sniffed, never cached.
pub fn file_response(content_type: &str, document_id: Uuid, bytes: Vec<u8>) -> Response {
    let extension = match content_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "application/pdf" => "pdf",
        _ => "bin",
    };
    let disposition = format!(
        "attachment; filename=\"dokumen-{}.{extension}\"",
        document_id.simple()
    );
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "no-store")
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        )
        .body(Body::from(bytes))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The signed-in user, put in the request by the adapter's authentication layer (session for
/// pages, bearer token for the API). The adapters' role guards run first, so the rejection is
/// only reached by a route that forgot its guard. The user carries the request's client address
/// and channel for the access log.
impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = StatusCode;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let mut user = parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or(StatusCode::UNAUTHORIZED)?;
        let Ok(client::ClientIp(client_ip)) =
            client::ClientIp::from_request_parts(parts, state).await;
        let via = if parts.uri.path().starts_with("/api/") {
            "api"
        } else {
            "web"
        };
        user.request = Some(crate::auth::RequestInfo { client_ip, via });
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let id = Uuid::new_v4();
        let day = NaiveDate::from_ymd_opt(2026, 5, 4).expect("valid");
        assert_eq!(
            decode_cursor(&encode_cursor(Some(day), id)),
            Some((day, id))
        );
        assert_eq!(
            decode_cursor(&encode_cursor(None, id)),
            Some((NO_DUE_DATE, id))
        );
        assert_eq!(decode_cursor("bukan-kursor"), None);
        assert_eq!(decode_cursor(""), None);
    }
}
