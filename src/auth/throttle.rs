//! Throttling of password checks per account name (sign-in and the current password on the
//! password form), in PostgreSQL so that every instance counts the same attempts, on the app
//! clock.
//!
//! Every attempt counts as a failure *before* the password is checked, and a correct password
//! wipes the streak, so attempts sent at the same moment cannot slip past the count. The first
//! [`FREE_ATTEMPTS`] − 1 failures cost nothing; from the [`FREE_ATTEMPTS`]th on the name is
//! blocked for [`FIRST_DELAY`], doubling with every further failure up to [`MAX_DELAY`] — never
//! for good. A streak ends [`WINDOW`] after its last failure (or the end of its block). The
//! name is counted as typed (lowercased), known or not: an unknown name is throttled alike.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::db::sign_in_throttle::{self, Counter};

/// Failed attempts within [`WINDOW`] before the name is blocked.
pub const FREE_ATTEMPTS: i32 = 5;
/// A streak ends this long after its last failure or block.
pub const WINDOW: Duration = Duration::minutes(15);
/// The first block.
pub const FIRST_DELAY: Duration = Duration::minutes(1);
/// The longest block.
pub const MAX_DELAY: Duration = Duration::minutes(15);

/// What to do with an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Check the password; then [`succeeded`] if it was right.
    Allowed,
    /// Refuse without checking; the client may try again after this many seconds.
    Throttled { retry_after_secs: u64 },
}

/// The counter's key: SHA-256 of the trimmed, lowercased name.
fn key(username: &str) -> [u8; 32] {
    Sha256::digest(username.trim().to_lowercase().as_bytes()).into()
}

/// The counter after one more attempt at `now`, or how long the name is still blocked.
pub fn next(counter: Counter, now: DateTime<Utc>) -> Result<Counter, Duration> {
    if let Some(until) = counter.blocked_until.filter(|until| *until > now) {
        return Err(until - now);
    }
    let streak_end = counter
        .blocked_until
        .map_or(counter.last_failure_at, |b| b.max(counter.last_failure_at))
        + WINDOW;
    let failures = if now >= streak_end {
        1
    } else {
        counter.failures + 1
    };
    let blocked_until = (failures >= FREE_ATTEMPTS).then(|| {
        let doublings = u32::try_from(failures - FREE_ATTEMPTS)
            .unwrap_or(u32::MAX)
            .min(16);
        now + (FIRST_DELAY * 2_i32.pow(doublings)).min(MAX_DELAY)
    });
    Ok(Counter {
        failures,
        last_failure_at: now,
        blocked_until,
    })
}

/// Counts an attempt on `username` at `now` (see the module's description).
pub async fn attempt(pool: &PgPool, username: &str, now: DateTime<Utc>) -> sqlx::Result<Attempt> {
    let key = key(username);
    let mut tx = pool.begin().await?;
    sign_in_throttle::prune(&mut *tx, now - WINDOW - MAX_DELAY).await?;
    let counter = sign_in_throttle::lock(&mut tx, &key, now).await?;
    let outcome = match next(counter, now) {
        Ok(counter) => {
            sign_in_throttle::store(&mut tx, &key, &counter).await?;
            Attempt::Allowed
        }
        Err(wait) => Attempt::Throttled {
            retry_after_secs: u64::try_from(wait.num_seconds()).unwrap_or(0).max(1),
        },
    };
    tx.commit().await?;
    Ok(outcome)
}

/// The password was right: the streak of `username` is over.
pub async fn succeeded(pool: &PgPool, username: &str) -> sqlx::Result<()> {
    sign_in_throttle::clear(pool, &key(username)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap() + Duration::minutes(minute)
    }

    fn empty(now: DateTime<Utc>) -> Counter {
        Counter {
            failures: 0,
            last_failure_at: now,
            blocked_until: None,
        }
    }

    #[test]
    fn the_fifth_failure_blocks_for_a_minute_and_each_further_one_doubles_up_to_the_cap() {
        let mut counter = empty(at(0));
        for n in 1..FREE_ATTEMPTS {
            counter = next(counter, at(0)).expect("free attempt");
            assert_eq!(counter.failures, n);
            assert_eq!(counter.blocked_until, None);
        }
        counter = next(counter, at(0)).expect("fifth attempt");
        assert_eq!(counter.blocked_until, Some(at(1)));
        assert_eq!(next(counter, at(0)), Err(Duration::minutes(1)));

        // After each block, the next failure blocks twice as long: 2, 4, 8, then 15 (the cap).
        let mut now = at(1);
        for minutes in [2, 4, 8, 15, 15] {
            counter = next(counter, now).expect("after the block");
            assert_eq!(
                counter.blocked_until,
                Some(now + Duration::minutes(minutes))
            );
            now += Duration::minutes(minutes);
        }
    }

    #[test]
    fn a_streak_ends_a_window_after_its_last_failure() {
        let mut counter = empty(at(0));
        for _ in 0..4 {
            counter = next(counter, at(0)).expect("free");
        }
        assert_eq!(next(counter, at(14)).expect("within").failures, 5);
        assert_eq!(next(counter, at(15)).expect("after").failures, 1);
    }
}
