//! Request-wide layers: request id, security headers, the signed-in user, CSRF protection.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use tower_sessions::Session;
use uuid::Uuid;

use super::AppState;
use super::error::AppError;
use crate::auth::{CurrentUser, random_secret};
use crate::db;
use crate::http::REQUEST_ID;

/// Session key of the signed-in user's id.
pub const SESSION_USER: &str = "user_id";
/// Session key of the CSRF token.
pub const SESSION_CSRF: &str = "csrf";
/// Form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";

/// Runs the rest of the request inside the request-id scope (ids come from `SetRequestIdLayer`).
pub async fn request_id_scope(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    REQUEST_ID.scope(id, next.run(req)).await
}

/// Security headers on every response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("geolocation=(), microphone=(), camera=(self)"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Loads the signed-in user of the session (if any, and still active) into the request.
pub async fn load_session_user(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Result<Response, AppError> {
    if let Some(id) = session
        .get::<Uuid>(SESSION_USER)
        .await
        .map_err(anyhow::Error::from)?
    {
        match db::users::by_id(&state.pool, id).await? {
            Some(u) if u.active => {
                req.extensions_mut().insert(CurrentUser::from(u));
            }
            _ => session.flush().await.map_err(anyhow::Error::from)?,
        }
    }
    Ok(next.run(req).await)
}

/// The session's CSRF token, created on first use.
pub async fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(t) = session
        .get::<String>(SESSION_CSRF)
        .await
        .map_err(anyhow::Error::from)?
    {
        return Ok(t);
    }
    let t = random_secret();
    session
        .insert(SESSION_CSRF, &t)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(t)
}

/// True when `given` is this session's CSRF token.
pub async fn csrf_matches(session: &Session, given: &str) -> bool {
    match session.get::<String>(SESSION_CSRF).await {
        Ok(Some(t)) => !given.is_empty() && bool::from(t.as_bytes().ct_eq(given.as_bytes())),
        _ => false,
    }
}

/// Refuses state-changing browser requests that come from another site: the request must be
/// same-origin (by `Sec-Fetch-Site`, `Origin` or `Referer`) and, for URL-encoded forms, carry the
/// session's CSRF token. Multipart forms check the token in their handler
/// ([`crate::web::upload`]), after the origin check here.
pub async fn csrf_guard(session: Session, req: Request, next: Next) -> Result<Response, AppError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.run(req).await);
    }
    if !same_origin(req.headers()) {
        tracing::warn!("cross-site request refused");
        return Err(AppError::Forbidden);
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        let is_multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("multipart/form-data"));
        if is_multipart {
            return Ok(next.run(req).await);
        }
        return Err(AppError::BadRequest(
            "Formulir harus dikirim dari halaman aplikasi ini.".into(),
        ));
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, 1024 * 1024)
        .await
        .map_err(|_| AppError::BadRequest("Isian formulir terlalu besar.".into()))?;
    let token = form_urlencoded_field(&bytes, CSRF_FIELD).unwrap_or_default();
    if !csrf_matches(&session, &token).await {
        return Ok(csrf_refused());
    }
    Ok(next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await)
}

fn csrf_refused() -> Response {
    AppError::Conflict(
        "Formulir ini sudah kedaluwarsa (sesi berganti). Muat ulang halaman lalu kirim lagi."
            .into(),
    )
    .into_response()
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Same-origin check for a state-changing request.
fn same_origin(headers: &HeaderMap) -> bool {
    let get = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    let Some(host) = get(header::HOST) else {
        return false;
    };
    let host_of = |url: &str| {
        url.split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or("").to_string())
    };
    if let Some(origin) = get(header::ORIGIN) {
        return host_of(origin).as_deref() == Some(host);
    }
    if let Some(referer) = get(header::REFERER) {
        return host_of(referer).as_deref() == Some(host);
    }
    // Neither header: browsers always send Origin on a cross-site POST, so this is a same-site
    // navigation or a non-browser client; the token check still applies.
    true
}

/// Turns the framework's plain-text rejections on pages (a malformed id in a path, an
/// unreadable form, a body over the size limit) into the application's own error page, in
/// Bahasa Indonesia. The API has its own ([`crate::api`]).
pub async fn friendly_rejections(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/plain"));
    if !status.is_client_error() || !plain {
        return res;
    }
    let error = match status.as_u16() {
        400 => AppError::NotFound,
        413 => AppError::BadRequest(
            "Isian atau berkas terlalu besar. Perkecil berkas lalu coba lagi.".into(),
        ),
        415 => AppError::BadRequest(
            "Jenis isi permintaan tidak didukung: formulir ini harus dikirim dari halaman \
             aplikasi ini (application/x-www-form-urlencoded)."
                .into(),
        ),
        _ => AppError::BadRequest(
            "Permintaan tidak dapat dibaca: periksa format isian formulir.".into(),
        ),
    };
    let mut out = error.into_response();
    // Too large and wrong content type keep their precise status; the page says why.
    if matches!(status.as_u16(), 413 | 415) {
        *out.status_mut() = status;
    }
    out
}
