//! Request-wide layers: request id, security headers, the signed-in user and the limits of its
//! session, CSRF protection.
//!
//! The CSRF layer ([`csrf_guard`]) is the one place that checks every state-changing request of
//! the pages: same origin and the token, for URL-encoded and multipart forms alike. The token is
//! a random value in its own cookie (`__Host-merajut_csrf` behind HTTPS), repeated in every
//! form (double submit), so a visitor who is not signed in needs no stored session. The JSON
//! API is outside this layer: it takes bearer tokens, never cookies, so a foreign page cannot
//! make a browser send a credential to it.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tower_sessions::Session;
use uuid::Uuid;

use super::AppState;
use super::error::AppError;
use crate::auth::{CurrentUser, PageReads, random_secret};
use crate::config::Settings;
use crate::db;
use crate::http::REQUEST_ID;

/// Session key of the signed-in user's id.
pub const SESSION_USER: &str = "user_id";
/// Session key of the signed-in session's [`SignedIn`] facts (generation, start, last use).
pub const SESSION_SIGNED_IN: &str = "signed_in";
/// Form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";

/// The session cookie's name: with the `__Host-` prefix behind HTTPS (the browser then insists
/// on `Secure`, `Path=/` and no `Domain`, so no other host can set or shadow it). Plain-HTTP
/// development keeps the bare name, since browsers refuse a `__Host-` cookie without `Secure`.
pub fn session_cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookie {
        "__Host-merajut_sid"
    } else {
        "merajut_sid"
    }
}

/// The CSRF cookie's name (prefixed as [`session_cookie_name`]).
pub fn csrf_cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookie {
        "__Host-merajut_csrf"
    } else {
        "merajut_csrf"
    }
}

/// What a signed-in session holds besides the user: the user's session generation when it
/// started (`users.session_epoch`), when it started and when it was last used, all by the app
/// clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub epoch: i64,
    pub since: DateTime<Utc>,
    pub seen: DateTime<Utc>,
}

/// Why a session ended by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// Unused for longer than the idle limit.
    Idle,
    /// Older than the absolute limit, however active.
    Absolute,
}

impl Timeout {
    fn as_str(self) -> &'static str {
        match self {
            Timeout::Idle => "idle",
            Timeout::Absolute => "absolute",
        }
    }
}

impl SignedIn {
    /// A session started at `now` with the user's current generation.
    pub fn new(epoch: i64, now: DateTime<Utc>) -> SignedIn {
        SignedIn {
            epoch,
            since: now,
            seen: now,
        }
    }

    /// Whether the session is over at `now`: unused for `idle` or older than `max`.
    pub fn timed_out(&self, now: DateTime<Utc>, idle: Duration, max: Duration) -> Option<Timeout> {
        if now - self.since >= max {
            Some(Timeout::Absolute)
        } else if now - self.seen >= idle {
            Some(Timeout::Idle)
        } else {
            None
        }
    }
}

/// How stale the stored last use may get before it is written again: not a session write on
/// every request, and the idle limit is still kept to the minute.
const SEEN_EVERY: Duration = Duration::seconds(60);

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

/// Runs the rest of the request in a task of its own, to its end, even when the client goes
/// away or the timeout answers first. A request future dropped half-way can leave a pooled
/// database connection inside a transaction (sqlx 0.8.6 does not roll back a `BEGIN`
/// cancelled while in flight: transact-rs/sqlx#4393), and the pool then hands that connection
/// to the next requests, whose statements fail ("SET TRANSACTION ISOLATION LEVEL must be called
/// before any query") or run inside the stale transaction. Seen in the benchmark when its
/// clients stopped mid-request. The database's statement timeout bounds such a task.
pub async fn run_to_completion(req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let id = REQUEST_ID
        .try_with(|id| id.clone())
        .unwrap_or_else(|_| "-".into());
    let span = tracing::Span::current();
    let task = tokio::spawn(REQUEST_ID.scope(id, next.run(req)).instrument(span));
    match task.await {
        Ok(res) => res,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => AppError::Internal(anyhow::anyhow!("request task cancelled")).into_response(),
    }
}

/// Security headers on every response, errors included. `tls`: the service is reached over
/// HTTPS ([`Settings::served_over_tls`]), so browsers are told to keep to it (HSTS).
/// Everything but a response marked `public` (the static assets) gets `Cache-Control:
/// no-store`: pages, documents, exports and errors are never kept by a browser or a proxy.
pub async fn security_headers(tls: bool, req: Request, next: Next) -> Response {
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
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; \
             worker-src 'self'",
        ),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("geolocation=(), microphone=(), camera=(self)"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    let public = h
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|d| d.trim() == "public"));
    let no_store = h
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|d| d.trim() == "no-store"));
    if !public && !no_store {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Loads the signed-in user of the session into the request, or ends the session: after the
/// idle or absolute limit (by the app clock), when the user's session generation moved on
/// (signed out everywhere, password changed or reset, deactivated) or the user is inactive.
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
        match signed_in_user(&state, &session, id).await? {
            Some(user) => {
                req.extensions_mut().insert(user);
            }
            None => session.flush().await.map_err(anyhow::Error::from)?,
        }
    }
    Ok(next.run(req).await)
}

/// The user of a signed-in session that is still within its limits, noting its use.
async fn signed_in_user(
    state: &AppState,
    session: &Session,
    id: Uuid,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(mut signed_in) = session
        .get::<SignedIn>(SESSION_SIGNED_IN)
        .await
        .map_err(anyhow::Error::from)?
    else {
        return Ok(None);
    };
    let now = state.clock.now();
    let idle = Duration::minutes(state.settings.session_idle_minutes);
    let max = Duration::hours(state.settings.session_max_hours);
    if let Some(timeout) = signed_in.timed_out(now, idle, max) {
        tracing::info!(user_id = %id, reason = timeout.as_str(), "session timed out");
        let detail = serde_json::json!({"reason": timeout.as_str()});
        db::audit::record(&state.pool, Some(id), "session.timeout", None, detail).await?;
        return Ok(None);
    }
    let Some(db::users::PageUser {
        user,
        unread,
        reference_epoch,
    }) = db::users::for_page(&state.pool, id).await?
    else {
        return Ok(None);
    };
    if user.session_epoch != signed_in.epoch {
        tracing::info!(user_id = %id, "session ended by a later sign-out everywhere");
        return Ok(None);
    }
    if !user.active {
        return Ok(None);
    }
    if now - signed_in.seen >= SEEN_EVERY {
        signed_in.seen = now;
        session
            .insert(SESSION_SIGNED_IN, signed_in)
            .await
            .map_err(anyhow::Error::from)?;
    }
    let mut current = CurrentUser::from(user);
    current.page = Some(PageReads {
        unread,
        reference_epoch,
    });
    Ok(Some(current))
}

/// The CSRF token of the request, for the forms of its page (see [`csrf_guard`]).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Guards every request of the pages against cross-site request forgery, in one place.
///
/// A safe request (GET, HEAD, OPTIONS) passes; it gets the browser's CSRF token (the value of
/// the CSRF cookie), and a browser without one gets a new cookie. Any other request must come
/// from this site (`Sec-Fetch-Site`, `Origin` or `Referer`; 403 otherwise) and carry the
/// cookie's value in the form field `csrf_token`, URL-encoded or multipart (409 otherwise,
/// with nothing done). The body is read here, up to the largest upload a form takes, and handed
/// on unchanged.
pub async fn csrf_guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let settings = &state.settings;
    let cookie =
        cookie_value(req.headers(), csrf_cookie_name(settings)).filter(|v| looks_like_token(v));
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let (token, fresh) = match cookie {
            Some(token) => (token, false),
            None => (random_secret(), true),
        };
        req.extensions_mut().insert(CsrfToken(token.clone()));
        let mut res = next.run(req).await;
        if fresh && let Ok(value) = HeaderValue::from_str(&csrf_set_cookie(settings, &token)) {
            res.headers_mut().append(header::SET_COOKIE, value);
        }
        return res;
    }
    if !same_origin(req.headers()) {
        tracing::warn!("cross-site request refused");
        return AppError::Forbidden.into_response();
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let multipart = content_type.starts_with("multipart/form-data");
    if !multipart && !content_type.starts_with("application/x-www-form-urlencoded") {
        return AppError::BadRequest("Formulir harus dikirim dari halaman aplikasi ini.".into())
            .into_response();
    }
    let (parts, body) = req.into_parts();
    let limit = if multipart {
        max_form_bytes(settings)
    } else {
        FORM_BYTES
    };
    let Ok(bytes) = to_bytes(body, limit).await else {
        // Plain text: `friendly_rejections` turns it into the page that says why.
        return (StatusCode::PAYLOAD_TOO_LARGE, "payload too large").into_response();
    };
    let given = if multipart {
        multipart_field(&content_type, bytes.clone(), CSRF_FIELD).await
    } else {
        form_urlencoded_field(&bytes, CSRF_FIELD)
    };
    let matches = match (&cookie, &given) {
        (Some(expected), Some(given)) => bool::from(expected.as_bytes().ct_eq(given.as_bytes())),
        _ => false,
    };
    if !matches {
        tracing::info!("form refused: CSRF token missing or wrong");
        return csrf_refused();
    }
    let mut req = Request::from_parts(parts, Body::from(bytes));
    if let Some(token) = cookie {
        req.extensions_mut().insert(CsrfToken(token));
    }
    next.run(req).await
}

/// The largest URL-encoded form accepted.
const FORM_BYTES: usize = 1024 * 1024;

/// The largest multipart form any page takes: the intake form with its four photos.
pub fn max_form_bytes(settings: &Settings) -> usize {
    4 * settings.max_upload_mb * 1024 * 1024 + 256 * 1024
}

/// The `Set-Cookie` value of a new CSRF cookie: the browser's for as long as it runs, sent only
/// to this host (`__Host-` behind HTTPS), on same-site requests and top-level navigations
/// (`Lax`: an e-mail link opened from another site keeps the cookie rather than replacing it
/// under the user's other tabs), never readable by scripts.
fn csrf_set_cookie(settings: &Settings, token: &str) -> String {
    let secure = if settings.secure_cookie {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax{secure}",
        csrf_cookie_name(settings)
    )
}

/// A value [`random_secret`] could have made (43 URL-safe characters).
fn looks_like_token(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The value of the cookie `name` in the request's `Cookie` headers.
fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_string())
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

/// The text of the first part named `name` of a buffered multipart body; `None` when there is
/// none or the body is malformed before it.
async fn multipart_field(content_type: &str, body: Bytes, name: &str) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
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
///
/// It also turns the session layer's bare 500 (no body, no content type: the session could not
/// be saved, and the store's one backend is the database, which it logged) into the 503 page
/// of [`AppError::Unavailable`]; every other error of the pages already is a page.
pub async fn friendly_rejections(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if status == StatusCode::INTERNAL_SERVER_ERROR
        && !res.headers().contains_key(header::CONTENT_TYPE)
    {
        return AppError::Unavailable(anyhow::anyhow!("the session could not be saved"))
            .into_response();
    }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn an_abandoned_request_still_runs_to_its_end() {
        use axum::routing::get;
        use tower::ServiceExt;

        // Arrange: a handler that takes 100 ms, behind a timeout of 10 ms.
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        let app = axum::Router::new()
            .route(
                "/",
                get(move || async move {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    flag.store(true, Ordering::SeqCst);
                    "done"
                }),
            )
            .layer(axum::middleware::from_fn(run_to_completion))
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                std::time::Duration::from_millis(10),
            ));

        // Act: the timeout answers first and drops what it waited for.
        let res = app
            .oneshot(
                Request::builder()
                    .uri("/")
                    .body(Body::empty())
                    .expect("a request"),
            )
            .await
            .expect("a response");

        // Assert: the answer is the timeout's, and the handler still finished.
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        for _ in 0..200 {
            if finished.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the abandoned handler did not finish");
    }

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .expect("valid time")
    }

    #[test]
    fn a_session_ends_when_idle_or_too_old_whichever_comes_first() {
        let idle = Duration::minutes(120);
        let max = Duration::hours(12);
        let mut s = SignedIn::new(1, at("2026-03-02T01:00:00Z"));
        assert_eq!(s.timed_out(at("2026-03-02T02:59:59Z"), idle, max), None);
        assert_eq!(
            s.timed_out(at("2026-03-02T03:00:00Z"), idle, max),
            Some(Timeout::Idle)
        );
        s.seen = at("2026-03-02T12:30:00Z");
        assert_eq!(s.timed_out(at("2026-03-02T12:59:59Z"), idle, max), None);
        assert_eq!(
            s.timed_out(at("2026-03-02T13:00:00Z"), idle, max),
            Some(Timeout::Absolute)
        );
    }

    #[test]
    fn the_csrf_cookie_is_read_among_others_and_only_in_its_shape() {
        let mut headers = HeaderMap::new();
        let token = "a".repeat(43);
        let cookie = format!("x=1; merajut_csrf={token}; merajut_sid=abc");
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&cookie).expect("ascii"),
        );
        assert_eq!(cookie_value(&headers, "merajut_csrf"), Some(token.clone()));
        assert!(looks_like_token(&token));
        assert!(!looks_like_token("kurang"));
        assert!(!looks_like_token(&"a;".repeat(22)[..43]));
        assert_eq!(cookie_value(&headers, "__Host-merajut_csrf"), None);
    }

    #[tokio::test]
    async fn the_csrf_field_is_found_in_a_multipart_body() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nktp\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
                    Content-Type: image/png\r\n\r\n\x01\x02\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok\r\n\
                    --XyZ--\r\n";
        let ct = "multipart/form-data; boundary=XyZ";
        let found = multipart_field(ct, Bytes::from(body), CSRF_FIELD).await;
        assert_eq!(found.as_deref(), Some("tok"));
        let none = multipart_field(ct, Bytes::from("rusak"), CSRF_FIELD).await;
        assert_eq!(none, None);
    }
}
