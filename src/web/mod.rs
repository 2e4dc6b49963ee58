//! The browser application: routers per area, layers, page context.
//!
//! A request flows: request id → trace → security headers → session → signed-in user (and
//! the session's limits) → CSRF guard → area guard ([`access::require`]) → handler →
//! domain/db → template.

pub mod access;
pub mod account;
pub mod admin;
pub mod assets;
pub mod audit;
pub mod bottleneck;
pub mod cases;
pub mod charts;
pub mod claims;
pub mod dashboard;
pub mod error;
pub mod family_status;
pub mod filters;
pub mod forms;
pub mod home;
pub mod kept;
pub mod middleware;
pub mod nominatif;
pub mod notifications;
pub mod offline;
pub mod quota;
pub mod reports;
pub mod throttle;
pub mod tokens;
pub mod two_factor;
pub mod verification;

use std::time::Duration;

use askama::Template;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Router, middleware as mw};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::{Expiry, Session, SessionManagerLayer, cookie::SameSite};
use tower_sessions_sqlx_store::PostgresStore;
use tracing::Span;

use crate::access::Area;
use crate::auth::CurrentUser;
use error::AppError;

pub use crate::http::AppState;

/// Session key of the one-shot message shown on the next page.
const SESSION_FLASH: &str = "flash";

/// What every page's layout needs: the user, the menu, the CSRF token, a one-shot message.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub user: Option<CurrentUser>,
    pub menu: Vec<Area>,
    pub csrf: String,
    pub flash: Option<String>,
    /// Unread notifications of a signed-in case role, as the header shows them ("99+" beyond
    /// 99; `None`: no link).
    pub unread: Option<String>,
}

impl Ctx {
    /// The signed-in user's tag for offline drafts ([`offline::draft_owner`]); empty when no
    /// one is signed in.
    pub fn draft_owner(&self) -> String {
        self.user
            .as_ref()
            .map(|u| offline::draft_owner(u.id))
            .unwrap_or_default()
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = parts.extensions.get::<CurrentUser>().cloned();
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("session layer missing")))?;
        let csrf = parts
            .extensions
            .get::<middleware::CsrfToken>()
            .map(|t| t.0.clone())
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("CSRF layer missing")))?;
        // Read first, removed only when there is one: a removal marks the session modified,
        // and a modified session is written back to the store after the page.
        let flash = session
            .get::<String>(SESSION_FLASH)
            .await
            .map_err(anyhow::Error::from)?;
        if flash.is_some() {
            session
                .remove_value(SESSION_FLASH)
                .await
                .map_err(anyhow::Error::from)?;
        }
        let menu = user
            .as_ref()
            .filter(|u| !u.must_change_password && !u.must_enrol_totp())
            .map(|u| access::menu_for(u.role))
            .unwrap_or_default();
        let unread = notifications::unread_for(user.as_ref());
        Ok(Ctx {
            user,
            menu,
            csrf,
            flash,
            unread,
        })
    }
}

/// Leaves a message for the next page the user sees.
pub async fn flash(session: &Session, message: impl Into<String>) -> Result<(), AppError> {
    session
        .insert(SESSION_FLASH, message.into())
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// Renders a page with status 200.
pub fn render(page: &impl Template) -> Result<Response, AppError> {
    render_status(StatusCode::OK, page)
}

/// The format of a page's download (`?format=xlsx|csv`); anything else a 400 naming the
/// choices, before anything is read or logged.
pub fn download_format(code: Option<&str>) -> Result<crate::http::export::Format, AppError> {
    code.and_then(crate::http::export::Format::parse)
        .ok_or_else(|| {
            AppError::BadRequest("Format unduhan tidak dikenal; pilih XLSX atau CSV.".into())
        })
}

/// Renders a page with the given status (422 for a form with errors).
pub fn render_status(status: StatusCode, page: &impl Template) -> Result<Response, AppError> {
    let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok((status, Html(html)).into_response())
}

/// The browser side of the application: pages (with session, CSRF and role guards), health
/// checks and static assets. `startup` merges it with the API and adds [`outer_layers`].
pub fn routes(state: &AppState, sessions: PostgresStore) -> Router<AppState> {
    // Lax, not Strict: the e-mail deep links are navigations from another site, and a Strict
    // cookie would not come with them (the user would be asked to sign in again). The idle and
    // absolute limits are kept by `load_session_user` with the app clock; the store's own
    // expiry (system time) only clears abandoned rows.
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(middleware::session_cookie_name(&state.settings))
        .with_path("/")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.secure_cookie)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            state.settings.session_idle_minutes,
        )));

    let pages = Router::new()
        .merge(home::router())
        .merge(dashboard::router())
        .merge(bottleneck::router())
        .merge(account::router(state))
        .merge(two_factor::router())
        .merge(admin::router())
        .merge(audit::router())
        .merge(tokens::router())
        .merge(cases::router(state))
        .merge(claims::router(state))
        .merge(notifications::router())
        .merge(reports::router())
        .merge(quota::router())
        .merge(nominatif::router())
        .merge(family_status::router(state))
        .layer(mw::from_fn_with_state(
            state.clone(),
            middleware::csrf_guard,
        ))
        .layer(mw::from_fn_with_state(
            state.clone(),
            middleware::load_session_user,
        ))
        .layer(session_layer)
        .layer(mw::from_fn(middleware::friendly_rejections));

    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        // Public, outside the session: no cookie is set for a cashier checking a letter.
        .route(verification::ROUTE, get(verification::show))
        // Static files, the icon browsers ask for by themselves and the web app manifest:
        // outside the session, so they set no cookie (see `assets`).
        .route("/static/{file}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .route("/manifest.webmanifest", get(assets::serve_manifest))
        // At the root, so that the service worker's scope covers every page.
        .route("/sw.js", get(offline::service_worker))
        .merge(pages)
}

/// The page shown for a path nothing serves.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// The layers around every request, pages and API alike: request id, one log line, panic and
/// timeout guards, security headers, compression of text responses.
pub fn outer_layers(router: Router, settings: &crate::config::Settings) -> Router {
    let trusted_proxies = settings.trusted_proxies.clone();
    let tls = settings.served_over_tls();
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(mw::from_fn(move |req, next| {
                crate::http::client::client_address(trusted_proxies.clone(), req, next)
            }))
            .layer(PropagateRequestIdLayer::x_request_id())
            // One log line per request: method, matched route (never the raw URI), status,
            // latency and request id.
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    .on_request(())
                    .on_response(|res: &Response, latency: Duration, _span: &Span| {
                        tracing::info!(
                            status = res.status().as_u16(),
                            latency_ms = latency.as_secs_f64() * 1000.0,
                            "request"
                        );
                    })
                    .on_body_chunk(())
                    .on_eos(())
                    .on_failure(()),
            )
            .layer(mw::from_fn(middleware::request_id_scope))
            .layer(CatchPanicLayer::custom(|_| {
                AppError::Internal(anyhow::anyhow!("handler panicked")).into_response()
            }))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                Duration::from_secs(60),
            ))
            // Inside the timeout: what it (or a client going away) abandons still finishes.
            .layer(mw::from_fn(middleware::run_to_completion))
            .layer(mw::from_fn(move |req, next| {
                middleware::security_headers(tls, req, next)
            }))
            // Innermost, so the layers above see the response as the handler made it.
            .layer(crate::http::compression::layer()),
    )
}

fn request_span(req: &Request) -> Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "-".into());
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), route = %route, request_id = %id)
}

async fn readyz(State(state): State<AppState>) -> Response {
    match crate::db::readiness(&state.pool).await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response()
        }
    }
}
