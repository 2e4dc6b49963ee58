//! The one clock of the application. Everything that needs "now" or "today" (SLA due dates,
//! time at a desk, report due dates, timeouts) asks the [`Clock`] held in the application state;
//! nothing else reads the system time (clippy's `disallowed-methods` enforces it). Tests build
//! the application with a [`Clock::fixed`] and move it with [`Clock::set`] / [`Clock::advance`].

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::domain::sla;

/// Where the time comes from.
#[derive(Debug, Clone)]
pub struct Clock(Arc<Source>);

#[derive(Debug)]
enum Source {
    /// The system clock.
    System,
    /// A time set by a test.
    Fixed(RwLock<DateTime<Utc>>),
}

impl Clock {
    /// The system clock (production).
    pub fn system() -> Clock {
        Clock(Arc::new(Source::System))
    }

    /// A clock that stands still at `at` until it is set or advanced.
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock(Arc::new(Source::Fixed(RwLock::new(at))))
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            #[expect(
                clippy::disallowed_methods,
                reason = "the one place that reads the system time"
            )]
            Source::System => Utc::now(),
            Source::Fixed(at) => *at.read().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Today in the program's time zone (WITA).
    pub fn today(&self) -> NaiveDate {
        sla::local_date(self.now())
    }

    /// Sets a fixed clock to `at` (no effect on the system clock).
    pub fn set(&self, to: DateTime<Utc>) {
        if let Source::Fixed(at) = &*self.0 {
            *at.write().unwrap_or_else(|e| e.into_inner()) = to;
        }
    }

    /// Moves a fixed clock forward by `by` (no effect on the system clock).
    pub fn advance(&self, by: Duration) {
        if let Source::Fixed(at) = &*self.0 {
            let mut at = at.write().unwrap_or_else(|e| e.into_inner());
            *at += by;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let start = DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("valid");
        let clock = Clock::fixed(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::days(2));
        assert_eq!(clock.now(), start + Duration::days(2));
        // 16:30 UTC is 00:30 the next day in WITA.
        clock.set(start + Duration::hours(15) + Duration::minutes(30));
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 3, 3).expect("valid")
        );
        let shared = clock.clone();
        shared.advance(Duration::hours(1));
        assert_eq!(clock.now(), shared.now());
    }

    #[test]
    fn system_clock_ignores_set() {
        let clock = Clock::system();
        let before = clock.now();
        clock.set(DateTime::<Utc>::MIN_UTC);
        assert!(clock.now() >= before);
    }
}
