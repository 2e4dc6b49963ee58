//! Throttling of failed API token checks per client address ([`crate::http::client::ClientIp`]),
//! the same idea as the sign-in limit of the pages (`web::throttle`): a burst of
//! `MERAJUT_API_TOKEN_BURST` invalid tokens, then one more every
//! `MERAJUT_API_TOKEN_REFILL_SECONDS`. Only a token that is presented and unknown, revoked or
//! of an inactive user counts; a valid token never does, and an expired one (a real token a
//! hospital system forgot to renew) is answered `token_expired` as before.
//!
//! While an address is over its limit, every request of it that carries a token is refused
//! with 429 and `Retry-After` *before* the token is looked up: checking tokens while refusing
//! would let guessing go on. A system with a valid token behind the same address only meets
//! the limit when something there presents invalid tokens in bulk.
//!
//! Unlike `tower_governor` (which counts every request that passes), this counts failures
//! only, and on the application clock, so tests can move through a block without sleeping.
//! The counts live in each instance's memory, like the sign-in limit's.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::config::Settings;

/// How many failures an address may have before it is refused, and how fast they are
/// forgiven.
#[derive(Debug)]
pub struct TokenFailures {
    burst: f64,
    /// Seconds for one failure to be forgiven.
    refill: f64,
    /// Per address: the failures still counted and when they were counted.
    counts: Mutex<HashMap<IpAddr, (f64, DateTime<Utc>)>>,
}

/// The most addresses kept before the forgiven ones are dropped.
const KEPT: usize = 10_000;

impl TokenFailures {
    /// The limits of the settings.
    pub fn new(settings: &Settings) -> TokenFailures {
        TokenFailures {
            burst: f64::from(settings.api_token_burst),
            refill: settings.api_token_refill_seconds as f64,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// The failures of `ip` still counted at `now` (a clock moved back forgives nothing).
    fn level(&self, (count, at): (f64, DateTime<Utc>), now: DateTime<Utc>) -> f64 {
        let elapsed = (now - at).num_milliseconds().max(0) as f64 / 1000.0;
        (count - elapsed / self.refill).max(0.0)
    }

    /// Seconds `ip` must wait before it may present a token again; `None` when it may now.
    pub fn blocked(&self, ip: IpAddr, now: DateTime<Utc>) -> Option<u64> {
        let counts = self.counts.lock().ok()?;
        let level = self.level(*counts.get(&ip)?, now);
        // One more failure must fit under the burst.
        let over = level + 1.0 - self.burst;
        (over > 0.0).then(|| (over * self.refill).ceil() as u64)
    }

    /// Counts one invalid token from `ip`; true when this failure used up the burst (the
    /// moment to audit: once per block).
    pub fn failed(&self, ip: IpAddr, now: DateTime<Utc>) -> bool {
        let Ok(mut counts) = self.counts.lock() else {
            return false;
        };
        if counts.len() >= KEPT {
            counts.retain(|_, c| self.level(*c, now) > 0.0);
        }
        let level = counts.get(&ip).map_or(0.0, |c| self.level(*c, now)) + 1.0;
        counts.insert(ip, (level, now));
        level + 1.0 > self.burst && level < self.burst + 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn limiter(burst: u32, refill: u64) -> TokenFailures {
        TokenFailures {
            burst: f64::from(burst),
            refill: refill as f64,
            counts: Mutex::new(HashMap::new()),
        }
    }

    #[test]
    fn a_burst_of_failures_blocks_until_one_is_forgiven() {
        let t = limiter(3, 60);
        let ip: IpAddr = "10.1.2.3".parse().expect("an address");
        let other: IpAddr = "10.1.2.4".parse().expect("an address");
        let now = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(t.blocked(ip, now), None);
        assert!(!t.failed(ip, now));
        assert!(!t.failed(ip, now));
        assert!(t.failed(ip, now), "the third failure uses up the burst");
        assert_eq!(t.blocked(ip, now), Some(60));
        assert_eq!(t.blocked(other, now), None, "per address");
        assert_eq!(t.blocked(ip, now + Duration::seconds(45)), Some(15));
        assert_eq!(t.blocked(ip, now + Duration::seconds(60)), None);
        assert_eq!(t.blocked(ip, now - Duration::days(1)), Some(60));
    }
}
