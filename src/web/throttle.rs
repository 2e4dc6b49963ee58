//! Throttling per client address ([`ClientIp`]: the socket's peer, or `X-Forwarded-For` from
//! a trusted proxy) with `tower_governor`: of sign-in ([`per_address`]: a burst of
//! `MERAJUT_SIGN_IN_BURST` attempts, then one more every `MERAJUT_SIGN_IN_REFILL_SECONDS`), and
//! of the public status page's lookups ([`status_lookups`], counted as `throttled`). The
//! counts live in the memory of each instance (behind a load balancer each instance counts on
//! its own); the per-account throttle ([`crate::auth::throttle`]) is the one shared in
//! PostgreSQL. A refusal is the application's own error page, 429 with `Retry-After`, and is
//! audited (`session.sign_in_throttled`, at most once a minute per address).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::{self as mw, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

use super::AppState;
use super::error::AppError;
use crate::db;
use crate::http::client::ClientIp;

/// The key of the limiter: the request's [`ClientIp`] extension.
#[derive(Debug, Clone, Copy)]
struct ClientIpKey;

impl KeyExtractor for ClientIpKey {
    type Key = IpAddr;

    fn extract<T>(&self, req: &axum::http::Request<T>) -> Result<IpAddr, GovernorError> {
        req.extensions()
            .get::<ClientIp>()
            .map(|c| c.0)
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

/// Put on a refusal by the limiter, for the audit below it.
#[derive(Debug, Clone, Copy)]
struct RefusedPerAddress;

/// The addresses whose refusal was audited lately (at most one audit row a minute each).
#[derive(Clone, Default)]
struct Audited(Arc<Mutex<HashMap<IpAddr, Instant>>>);

const AUDIT_EVERY: Duration = Duration::from_secs(60);

impl Audited {
    /// True when a refusal for `ip` is to be audited now.
    fn due(&self, ip: IpAddr) -> bool {
        let now = Instant::now();
        let Ok(mut seen) = self.0.lock() else {
            return true;
        };
        if seen.len() > 10_000 {
            seen.retain(|_, at| now.duration_since(*at) < AUDIT_EVERY);
        }
        match seen.get(&ip) {
            Some(at) if now.duration_since(*at) < AUDIT_EVERY => false,
            _ => {
                seen.insert(ip, now);
                true
            }
        }
    }
}

/// `route` (the sign-in form) limited per client address as the settings say; refusals are
/// audited.
pub fn per_address(route: MethodRouter<AppState>, state: &AppState) -> MethodRouter<AppState> {
    let settings = &state.settings;
    let limited = governed(
        route,
        settings.sign_in_burst,
        settings.sign_in_refill_seconds,
        |retry_after_secs| {
            tracing::info!("sign-in throttled (client address)");
            AppError::TooManyRequests { retry_after_secs }
        },
    );
    let audited = (state.clone(), Audited::default());
    limited.layer(mw::from_fn_with_state(audited, audit_refusal))
}

/// `route` (the lookup of the public status page) limited per client address
/// (`MERAJUT_STATUS_LOOKUP_BURST`, `MERAJUT_STATUS_LOOKUP_REFILL_SECONDS`); every refusal is
/// counted as a `throttled` lookup of the day (no address kept).
pub fn status_lookups(route: MethodRouter<AppState>, state: &AppState) -> MethodRouter<AppState> {
    let settings = &state.settings;
    let limited = governed(
        route,
        settings.status_lookup_burst,
        settings.status_lookup_refill_seconds,
        |retry_after_secs| {
            tracing::info!("status lookup throttled (client address)");
            AppError::TooManyLookups { retry_after_secs }
        },
    );
    limited.layer(mw::from_fn_with_state(state.clone(), count_refusal))
}

/// `route` behind a `tower_governor` limiter keyed by [`ClientIp`]: `burst` requests, then one
/// more every `refill_seconds`; a refusal is the page `refusal` makes (429 with
/// `Retry-After`), marked [`RefusedPerAddress`] for the layer above.
fn governed(
    route: MethodRouter<AppState>,
    burst: u32,
    refill_seconds: u64,
    refusal: fn(u64) -> AppError,
) -> MethodRouter<AppState> {
    #[expect(
        clippy::expect_used,
        reason = "burst and period are at least 1 (checked when the settings are read)"
    )]
    let config = GovernorConfigBuilder::default()
        .key_extractor(ClientIpKey)
        .period(Duration::from_secs(refill_seconds))
        .burst_size(burst)
        .finish()
        .expect("valid per-address limits");
    // Forget addresses that are back to a full burst, now and then, while the limiter lives.
    let limiter = Arc::downgrade(config.limiter());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            let Some(limiter) = limiter.upgrade() else {
                break;
            };
            limiter.retain_recent();
        }
    });
    let governor = GovernorLayer::new(config).error_handler(move |error| match error {
        GovernorError::TooManyRequests { wait_time, .. } => {
            let mut response = refusal(wait_time.max(1)).into_response();
            response.extensions_mut().insert(RefusedPerAddress);
            response
        }
        other => {
            AppError::Internal(anyhow::anyhow!("per-address limiter: {other}")).into_response()
        }
    });
    route.layer(governor)
}

/// Counts a refused status lookup.
async fn count_refusal(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.extensions().get::<RefusedPerAddress>().is_some() {
        let outcome = crate::cases::status_code::LookupOutcome::Throttled;
        if let Err(e) = state.cases.count_lookup(outcome).await {
            AppError::from(e).log();
        }
    }
    response
}

async fn audit_refusal(
    State((state, audited)): State<(AppState, Audited)>,
    client: ClientIp,
    req: Request,
    next: Next,
) -> Response {
    let response = next.run(req).await;
    if response.extensions().get::<RefusedPerAddress>().is_some() && audited.due(client.0) {
        let details = serde_json::json!({"client": client.to_string(), "per": "address"});
        let event = "session.sign_in_throttled";
        if let Err(e) = db::audit::record(&state.pool, None, event, None, details).await {
            AppError::Internal(e.into()).log();
        }
    }
    response
}
