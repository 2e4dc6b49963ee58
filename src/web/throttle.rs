//! Throttling of sign-in per client address ([`ClientIp`]: the socket's peer, or
//! `X-Forwarded-For` from a trusted proxy) with `tower_governor`: a burst of
//! `MERAJUT_SIGN_IN_BURST` attempts, then one more every `MERAJUT_SIGN_IN_REFILL_SECONDS`. The
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

/// `route` limited per client address as the settings say.
pub fn per_address(route: MethodRouter<AppState>, state: &AppState) -> MethodRouter<AppState> {
    let settings = &state.settings;
    #[expect(
        clippy::expect_used,
        reason = "burst and period are at least 1 (checked when the settings are read)"
    )]
    let config = GovernorConfigBuilder::default()
        .key_extractor(ClientIpKey)
        .period(Duration::from_secs(settings.sign_in_refill_seconds))
        .burst_size(settings.sign_in_burst)
        .finish()
        .expect("valid sign-in limits");
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
    let governor = GovernorLayer::new(config).error_handler(|error| match error {
        GovernorError::TooManyRequests { wait_time, .. } => {
            tracing::info!("sign-in throttled (client address)");
            let mut response = AppError::TooManyRequests {
                retry_after_secs: wait_time.max(1),
            }
            .into_response();
            response.extensions_mut().insert(RefusedPerAddress);
            response
        }
        other => AppError::Internal(anyhow::anyhow!("sign-in limiter: {other}")).into_response(),
    });
    let audited = (state.clone(), Audited::default());
    route
        .layer(governor)
        .layer(mw::from_fn_with_state(audited, audit_refusal))
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
